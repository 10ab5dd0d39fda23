package lucid.engine.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import lucid.engine.gguf.GgufWriter.TensorData;
import lucid.engine.tensor.GgmlType;

/**
 * Every malformed file must be refused with a {@link GgufFormatException} that names the file and
 * the problem: never another exception, never an out-of-memory error, never a hang. Each case starts
 * from a valid file and breaks one field.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GgufCorruptionTest {

    private static final long ABSURD = 1L << 62;

    @TempDir
    Path dir;

    private GgufBytes valid;

    /** A small valid file: a few keys of each kind, three tensors of different types. */
    static GgufWriter small() {
        byte[] a = new byte[4 * 4 * 2];
        byte[] b = new byte[GgmlType.Q8_0.typeSize()];
        for (int i = 0; i < a.length; i++) {
            a[i] = (byte) i;
        }
        return new GgufWriter()
                .putString("general.architecture", "tiny")
                .putUInt32("general.alignment", 32)
                .putString("k.string", "hello")
                .putBool("k.bool", true)
                .putUInt8("k.u8", 7)
                .putFloat64("k.f64", 0.5)
                .putArray("k.array", GgufArray.ofInt32(1, 2, 3))
                .putArray("k.nested", GgufArray.ofArrays(GgufArray.ofStrings("x"), GgufArray.ofFloat32(1f)))
                .putString("dup.aa", "first")
                .putString("dup.ab", "second")
                .putString("general.alignmenX", "not a number")
                .addTensor("tensor.a", GgmlType.F32, new long[] {4, 2}, TensorData.of(a))
                .addTensor("tensor.b", GgmlType.Q8_0, new long[] {32}, TensorData.of(b))
                .addTensor("tensor.c", GgmlType.I8, new long[] {3, 1, 1}, TensorData.of(new byte[] {1, 2, 3}));
    }

    @BeforeEach
    void makeValidFile() throws IOException {
        valid = GgufBytes.of(small());
        try (GgufFile f = GgufFile.open(write(valid))) {
            assertEquals(3, f.tensors().size(), "the unbroken file is valid");
        }
    }

    private Path write(GgufBytes bytes) throws IOException {
        Path p = dir.resolve("case.gguf");
        Files.write(p, bytes.bytes());
        return p;
    }

    /** Opens {@code bytes}, expects a refusal that names the file and says each of {@code problem}. */
    private GgufFormatException refused(GgufBytes bytes, String... problem) throws IOException {
        return refused(write(bytes), problem);
    }

    private static GgufFormatException refused(Path path, String... problem) {
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> {
            try (GgufFile f = GgufFile.open(path)) {
                fail("opened a corrupt file: " + f);
            }
        });
        String message = e.getMessage();
        assertTrue(message.startsWith(path.getFileName() + ": "), "names the file: " + message);
        for (String p : problem) {
            assertTrue(message.contains(p), "says '" + p + "': " + message);
        }
        assertEquals(path, e.file());
        return e;
    }

    // ---- header fields --------------------------------------------------------------------------

    @Test
    void version1IsRefused() {
        refused(SharedFixtures.file("models/legacy/stories260k-ggufv1.gguf"), "stories260k-ggufv1.gguf",
                "version 1 is not supported");
    }

    @Test
    void badMagic() throws IOException {
        refused(valid.u8(0, 'X'), "not a GGUF file", "bad magic");
        refused(new GgufBytes("PK\u0003\u0004 a zip file, not a model".getBytes()), "not a GGUF file");
    }

    @Test
    void unsupportedVersions() throws IOException {
        refused(valid.u32(4, 4), "unsupported GGUF version 4");
        refused(valid.u32(4, 0), "unsupported GGUF version 0");
        refused(valid.u32(4, -1), "unsupported GGUF version 4294967295");
        refused(valid.u32(4, Integer.reverseBytes(3)), "big-endian");
        refused(valid.u32(4, Integer.reverseBytes(2)), "big-endian");
    }

    @Test
    void emptyAndTinyFiles() throws IOException {
        refused(new GgufBytes(new byte[0]), "0 bytes", "too short");
        refused(new GgufBytes(new byte[] {'G', 'G', 'U'}), "3 bytes", "too short");
        refused(new GgufBytes(new byte[] {'G', 'G', 'U', 'F'}), "truncated", "version");
    }

    @Test
    void aDirectoryIsNotAFile() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("model.gguf"));
        refused(sub, "is a directory");
    }

    @Test
    void absurdCounts() throws IOException {
        refused(valid.u64(8, ABSURD), "tensor count " + ABSURD, "impossible");
        refused(valid.u64(8, -1), "tensor count 18446744073709551615");
        refused(valid.u64(16, ABSURD), "metadata key count " + ABSURD, "impossible");
        refused(valid.u64(16, -1), "metadata key count 18446744073709551615");
        // A count that is merely too large reads the tensor table as metadata and fails somewhere in it.
        refused(valid.u64(16, 40));
    }

    @Test
    void absurdLengths() throws IOException {
        int string = valid.after("k.string") + 4;
        refused(valid.u64(string, ABSURD),
                "length of value of 'k.string' is " + ABSURD + " bytes", "truncated or corrupt");
        refused(valid.u64(string, -1), "length of value of 'k.string' is 18446744073709551615");
        int array = valid.after("k.array") + 4 + 4;
        refused(valid.u64(array, ABSURD), "array 'k.array' claims " + ABSURD + " elements");
        refused(valid.u64(array, Integer.MAX_VALUE), "array 'k.array' claims 2147483647");
        // the first key's length
        refused(valid.u64(24, ABSURD), "length of metadata key #0 is " + ABSURD);
        refused(valid.u64(valid.after("tensor.b") - 8 - 8, ABSURD),
                "name of tensor #1", String.valueOf(ABSURD));
    }

    @Test
    void unknownValueTypes() throws IOException {
        refused(valid.u32(valid.after("k.u8"), 13), "'k.u8' has unknown value type 13");
        refused(valid.u32(valid.after("k.u8"), -1), "unknown value type 4294967295");
        refused(valid.u32(valid.after("k.array") + 4, 13),
                "array 'k.array' has unknown element type 13");
    }

    @Test
    void unknownTensorTypes() throws IOException {
        int type = valid.tensorField("tensor.c", "type");
        refused(valid.u32(type, 4), "'tensor.c' has unknown type id 4"); // retired Q4_2
        refused(valid.u32(type, 40), "unknown type id 40");
        refused(valid.u32(type, -1), "unknown type id 4294967295");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 5, -1})
    void dimensionCountOutOfRange(int nDims) throws IOException {
        refused(valid.u32(valid.tensorField("tensor.a", "n_dims"), nDims),
                "'tensor.a' has " + Integer.toUnsignedString(nDims) + " dimensions");
    }

    @Test
    void zeroAndNegativeDimensions() throws IOException {
        refused(valid.u64(valid.tensorField("tensor.a", "ne1"), 0),
                "'tensor.a' has dimension 1 = 0");
        refused(valid.u64(valid.tensorField("tensor.a", "ne0"), -5),
                "'tensor.a' has dimension 0 = 18446744073709551611");
    }

    @Test
    void elementCountOverflow() throws IOException {
        refused(valid.u64(valid.tensorField("tensor.a", "ne0"), 1L << 32).u64(valid.tensorField("tensor.a", "ne1"), 1L << 32),
                "'tensor.a'", "overflows");
    }

    @Test
    void tensorTooLargeForItsByteSize() throws IOException {
        // 2^62 F32 elements count fine but take 2^64 bytes.
        refused(valid.u64(valid.tensorField("tensor.a", "ne0"), 1L << 61).u64(valid.tensorField("tensor.a", "ne1"), 2),
                "'tensor.a'", "absurdly large");
    }

    @Test
    void misalignedTensorOffset() throws IOException {
        int offset = valid.tensorField("tensor.b", "offset");
        refused(valid.u64(offset, valid.u64(offset) + 4), "'tensor.b' data offset 36 is not a multiple of the alignment 32");
    }

    @Test
    void rowNotAMultipleOfTheBlockSize() throws IOException {
        refused(valid.u64(valid.tensorField("tensor.b", "ne0"), 31),
                "'tensor.b' of type Q8_0 has a row of 31 elements, not a multiple of the block size 32");
    }

    @Test
    void tensorOffsetPastTheEnd() throws IOException {
        refused(valid.u64(valid.tensorField("tensor.c", "offset"), 1L << 40),
                "'tensor.c'", "extends past the end of the file");
        refused(valid.u64(valid.tensorField("tensor.c", "offset"), Long.MIN_VALUE),
                "'tensor.c' data offset 9223372036854775808");
        refused(valid.u64(valid.tensorField("tensor.c", "offset"), -32),
                "'tensor.c' data offset 18446744073709551584");
    }

    @Test
    void duplicateKey() throws IOException {
        refused(valid.u8(valid.after("dup.ab") - 1, 'a'), "metadata key 'dup.aa' appears twice");
    }

    @Test
    void duplicateTensorName() throws IOException {
        refused(valid.u8(valid.after("tensor.b") - 1, 'a'), "tensor 'tensor.a' appears twice");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 48, -2147483648})
    void alignmentNotAPowerOfTwo(int alignment) throws IOException {
        refused(valid.u32(valid.after("general.alignment") + 4, alignment),
                "general.alignment must be an integer power of two", Integer.toUnsignedString(alignment));
    }

    @Test
    void alignmentOfTheWrongType() throws IOException {
        // Rename the real key away, then the string-valued "general.alignmenX" into its place.
        GgufBytes b = valid.u8(valid.after("general.alignment") - 1, 'Y').u8(valid.after("general.alignmenX") - 1, 't');
        refused(b, "general.alignment must be an integer power of two", "STRING not a number");
    }

    @Test
    void boolThatIsNeitherZeroNorOne() throws IOException {
        refused(valid.u8(valid.after("k.bool") + 4, 7), "boolean value of 'k.bool' is 7 (must be 0 or 1)");
    }

    @ParameterizedTest
    @ValueSource(ints = {GgufParser.MAX_NESTING + 1, 100_000})
    void deepNesting(int depth) throws IOException {
        byte[] raw = GgufBytes.raw(o -> {
            o.u32(GgufParser.MAGIC);
            o.u32(3);
            o.u64(0);
            o.u64(1);
            o.string("deep".getBytes());
            o.u32(GgufValueType.ARRAY.id());
            for (int i = 1; i < depth; i++) {
                o.u32(GgufValueType.ARRAY.id());
                o.u64(1);
            }
            o.u32(GgufValueType.UINT8.id());
            o.u64(0);
        });
        refused(new GgufBytes(raw), "array 'deep' is nested more than " + GgufParser.MAX_NESTING + " levels deep");
    }

    // ---- truncation -----------------------------------------------------------------------------

    /** Cutting the file anywhere before the end of the last tensor's data must be refused. */
    @Test
    void truncatedAtEveryByteOfTheHeader() throws IOException {
        long end;
        try (GgufFile f = GgufFile.open(write(valid))) {
            GgufTensorInfo last = f.tensors().getLast();
            end = f.dataOffset() + last.offset() + last.byteSize();
        }
        for (int length = 0; length < end; length++) {
            GgufFormatException e = refused(valid.truncate(length));
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("too short"),
                    "prefix of " + length + " bytes: " + e.getMessage());
        }
        try (GgufFile f = GgufFile.open(write(valid.truncate((int) end)))) {
            assertEquals(3, f.tensors().size(), "the padding after the last tensor is optional");
        }
    }

    /**
     * The same for a real model, through the parser on slices of one in-memory copy: writing and
     * mapping 14,000 files would take seconds and test nothing more than the loop above does.
     */
    @Test
    void stories260kTruncatedAtEveryByteOfTheHeader() throws IOException {
        Path source = SharedFixtures.file("models/stories260k.gguf");
        Path copy = Files.copy(source, dir.resolve("stories260k.gguf"));
        MemorySegment whole = MemorySegment.ofArray(Files.readAllBytes(copy));
        long dataOffset;
        try (GgufFile f = GgufFile.open(copy)) {
            dataOffset = f.dataOffset();
        }
        for (long length = 0; length <= dataOffset; length++) {
            GgufParser parser = new GgufParser(copy, whole.asSlice(0, length));
            GgufFormatException e = assertThrows(GgufFormatException.class, parser::parse, "prefix of " + length);
            assertTrue(e.getMessage().startsWith("stories260k.gguf: "), e.getMessage());
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("too short"),
                    "prefix of " + length + " bytes: " + e.getMessage());
        }
        Files.write(copy, Arrays.copyOf(Files.readAllBytes(source), (int) dataOffset - 1));
        refused(copy, "truncated");
    }

    @Test
    void truncatedInsideTheTensorData() throws IOException {
        GgufBytes stories = new GgufBytes(Files.readAllBytes(SharedFixtures.file("models/stories260k.gguf")));
        GgufTensorInfo last; // the tensor whose data ends last, which is not the last one in the table
        long lastEnd;
        try (GgufFile f = GgufFile.open(SharedFixtures.file("models/stories260k.gguf"))) {
            last = f.tensors().stream().max(Comparator.comparingLong(GgufTensorInfo::offset)).orElseThrow();
            lastEnd = f.dataOffset() + last.offset() + last.byteSize();
        }
        Path path = dir.resolve("stories260k.gguf");
        Files.write(path, stories.truncate((int) lastEnd - 1).bytes());
        refused(path, "tensor '" + last.name() + "'", "extends past the end of the file", "truncated or corrupt");
        Files.write(path, stories.truncate(stories.length() / 2).bytes());
        refused(path, "extends past the end of the file");
        refused(valid.truncate(valid.length() - 32 + 2), "tensor 'tensor.c'", "extends past the end");
    }

    // ---- fuzz -----------------------------------------------------------------------------------

    /**
     * Every header byte of a small valid file set to 0x00, 0xFF and a seeded random value: the file
     * either opens (and every tensor can be read) or is refused with a GgufFormatException.
     */
    @Test
    void byteFlipsNeverCrash() throws IOException {
        long headerEnd;
        try (GgufFile f = GgufFile.open(write(valid))) {
            headerEnd = f.dataOffset();
        }
        Random random = new Random(20240611L);
        List<String> crashes = new ArrayList<>();
        int opened = 0;
        for (int at = 0; at < headerEnd; at++) {
            int original = valid.u8(at);
            for (int value : new int[] {0x00, 0xFF, random.nextInt(256)}) {
                if (value != original && openOrRefuse(valid.u8(at, value), at, crashes)) {
                    opened++;
                }
            }
        }
        assertTrue(crashes.isEmpty(), crashes.size() + " crashes, first ones: " + crashes.subList(0, Math.min(10, crashes.size())));
        assertTrue(opened > 0, "some flips (in string bytes, float values) leave a valid file");
    }

    /**
     * Several random bytes changed at once, many times over, straight through the parser on the heap
     * (mapping a file per case would make this slow without testing more).
     */
    @Test
    void multiByteFlipsNeverCrashTheParser() throws IOException {
        Path path = write(valid);
        long headerEnd;
        try (GgufFile f = GgufFile.open(path)) {
            headerEnd = f.dataOffset();
        }
        Random random = new Random(1234L);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = valid.bytes();
            for (int flips = 2 + random.nextInt(6); flips > 0; flips--) {
                b[random.nextInt((int) headerEnd)] = (byte) random.nextInt(256);
            }
            MemorySegment whole = MemorySegment.ofArray(b);
            try {
                GgufParser.Header h = new GgufParser(path, whole).parse();
                for (GgufTensorInfo t : h.tensors()) {
                    whole.asSlice(h.dataOffset() + t.offset(), t.byteSize()); // what GgufFile.tensorData does
                }
            } catch (GgufFormatException e) {
                assertTrue(e.getMessage().startsWith("case.gguf: "), e.getMessage());
            } catch (RuntimeException | Error e) {
                throw new AssertionError("case " + i + " crashed the parser", e);
            }
        }
    }

    private boolean openOrRefuse(GgufBytes bytes, int at, List<String> crashes) throws IOException {
        Path path = write(bytes);
        try (GgufFile f = GgufFile.open(path)) {
            long sum = 0;
            for (GgufTensorInfo t : f.tensors()) {
                MemorySegment data = f.tensorData(t);
                for (long i = 0; i < data.byteSize(); i++) {
                    sum += data.get(ValueLayout.JAVA_BYTE, i);
                }
            }
            f.metadata().entries().values().forEach(String::valueOf);
            return sum != Long.MIN_VALUE;
        } catch (GgufFormatException e) {
            if (!e.getMessage().startsWith("case.gguf: ")) {
                crashes.add("byte " + at + ": message does not name the file: " + e.getMessage());
            }
            return false;
        } catch (RuntimeException | Error e) {
            crashes.add("byte " + at + ": " + e);
            return false;
        }
    }
}
