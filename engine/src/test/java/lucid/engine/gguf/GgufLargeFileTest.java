package lucid.engine.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import lucid.engine.gguf.GgufWriter.TensorData;
import lucid.engine.tensor.GgmlType;

/**
 * Files larger than 2 GiB, where int offsets overflow and a corrupt length can fit in the file yet
 * not in the heap. The 2.5 GiB tensor is all zeros, which the writer leaves as a hole: the file takes
 * a few kilobytes of disk and is written in milliseconds.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GgufLargeFileTest {

    private static final long HUGE = 5L << 29; // 2.5 GiB of I8

    @TempDir
    Path dir;

    private Path big;
    private byte[] tail;

    @BeforeEach
    void writeSparseFile() throws IOException {
        tail = new byte[16 * 4];
        new Random(11).nextBytes(tail);
        big = dir.resolve("big.gguf");
        new GgufWriter()
                .putString("general.architecture", "sparse")
                .putString("k.string", "hello")
                .putArray("k.array", new GgufArray(GgufValueType.UINT8, new int[] {1, 2, 3}))
                .addTensor("huge", GgmlType.I8, new long[] {HUGE}, TensorData.zeros())
                .addTensor("tail", GgmlType.F32, new long[] {16}, TensorData.of(tail))
                .write(big);
    }

    @Test
    void readsATensorBeyond2GiB() throws IOException {
        assertTrue(Files.size(big) > HUGE);
        OptionalLong used = diskKiB(big);
        if (System.getProperty("os.name").startsWith("Linux")) {
            assertTrue(used.isPresent(), "du runs on Linux");
        }
        if (used.isPresent()) {
            assertTrue(used.getAsLong() < 1024, "the zeros are a hole, the file uses " + used.getAsLong() + " KiB");
        }
        try (GgufFile f = GgufFile.open(big)) {
            GgufTensorInfo t = f.tensor("tail").orElseThrow();
            assertTrue(f.dataOffset() + t.offset() > 1L << 31, "the tail lies beyond 2 GiB");
            assertEquals(HUGE, t.offset());
            MemorySegment data = f.tensorData(t);
            assertArrayEquals(tail, data.toArray(ValueLayout.JAVA_BYTE));
            assertEquals(ByteBuffer.wrap(tail).order(ByteOrder.LITTLE_ENDIAN).getFloat(60),
                    data.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 60));
            MemorySegment huge = f.tensorData(f.tensor("huge").orElseThrow());
            assertEquals(HUGE, huge.byteSize());
            assertEquals(0, huge.get(ValueLayout.JAVA_BYTE, HUGE - 1));
            assertEquals(0, huge.get(ValueLayout.JAVA_BYTE, 1L << 31));
            assertEquals(Files.size(big), f.fileSize());
        }
    }

    /**
     * Lengths that a 2.5 GiB file could hold but a header never does: before the header limit these
     * asked for a 2 GiB byte[] (OutOfMemoryError: requested array size exceeds VM limit) or an 8 GiB
     * int[] (OutOfMemoryError: Java heap space).
     */
    @Test
    void corruptLengthsThatFitTheFileButNotTheHeap() throws IOException {
        GgufBytes header = new GgufBytes(readHead(big, 4096));
        int string = header.after("k.string") + 4;
        int array = header.after("k.array") + 4 + 4;

        patchU64(big, string, Integer.MAX_VALUE);
        refusedWith("length of value of 'k.string' is 2147483647 bytes", "more than a GGUF header may take");
        patchU64(big, string, (1L << 31) + 1);
        refusedWith("length of value of 'k.string' is 2147483649 bytes", "more than a GGUF header may take");
        patchU64(big, string, 5);

        patchU64(big, array, 2_000_000_000L);
        refusedWith("array 'k.array' claims 2000000000 elements", "more than a GGUF header may take");
        patchU64(big, array, 3);

        patchU64(big, 8, 50_000_000L); // tensor count
        refusedWith("tensor count 50000000 is impossible", "more than a GGUF header may take");
        patchU64(big, 8, 2);
        try (GgufFile f = GgufFile.open(big)) {
            assertEquals(2, f.tensors().size(), "patched back, the file is valid again");
        }
    }

    private void refusedWith(String... problem) {
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(big).close());
        assertTrue(e.getMessage().startsWith("big.gguf: "), e.getMessage());
        for (String p : problem) {
            assertTrue(e.getMessage().contains(p), "says '" + p + "': " + e.getMessage());
        }
    }

    private static byte[] readHead(Path path, int n) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return in.readNBytes(n);
        }
    }

    private static void patchU64(Path path, long offset, long value) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.seek(offset);
            file.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
        }
    }

    /** Disk space a file really takes, from {@code du}, where there is one. */
    private static OptionalLong diskKiB(Path path) {
        try {
            Process du = new ProcessBuilder("du", "-k", path.toString()).redirectErrorStream(true).start();
            String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!du.waitFor(10, TimeUnit.SECONDS) || du.exitValue() != 0) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(Long.parseLong(out.split("\\s+")[0]));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        }
    }
}
