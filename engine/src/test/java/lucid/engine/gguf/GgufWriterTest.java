package lucid.engine.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import lucid.engine.gguf.GgufWriter.TensorData;
import lucid.engine.tensor.GgmlType;

class GgufWriterTest {

    @TempDir
    Path dir;

    private static final byte[] F32_BYTES = randomBytes(1, 4 * 8 * 3);
    private static final byte[] Q8_BYTES = randomBytes(2, GgmlType.Q8_0.typeSize() * 2);
    private static final byte[] F16_BYTES = randomBytes(3, 2 * 5 * 2 * 3);

    private static byte[] randomBytes(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A writer holding every value type, the edge values of each, arrays of each, and every kind of tensor data. */
    static GgufWriter everything() {
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", "test")
                .putUInt8("u8.max", 255)
                .putUInt8("u8.zero", 0)
                .putInt8("i8.min", -128)
                .putInt8("i8.neg", -1)
                .putUInt16("u16.max", 0xFFFF)
                .putInt16("i16.min", Short.MIN_VALUE)
                .putUInt32("u32.max", 0xFFFF_FFFFL)
                .putInt32("i32.min", Integer.MIN_VALUE)
                .putUInt64("u64.max", -1L)
                .putInt64("i64.min", Long.MIN_VALUE)
                .putFloat32("f32.negzero", -0.0f)
                .putFloat32("f32.nan", Float.NaN)
                .putFloat32("f32.tiny", Float.MIN_VALUE)
                .putFloat64("f64.pi", Math.PI)
                .putFloat64("f64.inf", Double.NEGATIVE_INFINITY)
                .putBool("bool.true", true)
                .putBool("bool.false", false)
                .putString("string.empty", "")
                .putString("ключ.名前.🦙", "héllo 世界 🦙 \u0000 nul inside")
                .putArray("arr.u8", new GgufArray(GgufValueType.UINT8, new int[] {0, 1, 255}))
                .putArray("arr.i8", new GgufArray(GgufValueType.INT8, new int[] {-128, 0, 127}))
                .putArray("arr.u16", new GgufArray(GgufValueType.UINT16, new int[] {0, 65535}))
                .putArray("arr.i16", new GgufArray(GgufValueType.INT16, new int[] {-32768, 32767}))
                .putArray("arr.u32", new GgufArray(GgufValueType.UINT32, new long[] {0, 0xFFFF_FFFFL}))
                .putArray("arr.i32", GgufArray.ofInt32(Integer.MIN_VALUE, -1, Integer.MAX_VALUE))
                .putArray("arr.u64", new GgufArray(GgufValueType.UINT64, new long[] {-1L, 0, 1}))
                .putArray("arr.i64", new GgufArray(GgufValueType.INT64, new long[] {Long.MIN_VALUE, Long.MAX_VALUE}))
                .putArray("arr.f32", GgufArray.ofFloat32(1.5f, -0.0f, Float.NaN, Float.POSITIVE_INFINITY))
                .putArray("arr.f64", new GgufArray(GgufValueType.FLOAT64, new double[] {Math.E, -Double.MAX_VALUE}))
                .putArray("arr.bool", new GgufArray(GgufValueType.BOOL, new boolean[] {true, false, true}))
                .putArray("arr.string", GgufArray.ofStrings("", "a", "日本語", "🦙🦙"))
                .putArray("arr.empty", GgufArray.ofStrings())
                .putArray("arr.empty.f32", GgufArray.ofFloat32())
                .putArray("arr.nested", GgufArray.ofArrays(
                        GgufArray.ofInt32(1, 2, 3),
                        GgufArray.ofStrings("x", ""),
                        GgufArray.ofArrays(GgufArray.ofFloat32(0.25f), GgufArray.ofArrays()),
                        GgufArray.ofStrings()));
        w.addTensor("t.f32", GgmlType.F32, new long[] {8, 3}, TensorData.of(F32_BYTES));
        w.addTensor("t.q8_0", GgmlType.Q8_0, new long[] {64}, TensorData.of(MemorySegment.ofArray(Q8_BYTES)));
        w.addTensor("t.f16.4d", GgmlType.F16, new long[] {5, 2, 1, 3}, TensorData.streamed(out -> {
            out.write(F16_BYTES, 0, 7);
            out.write(F16_BYTES[7]);
            out.write(F16_BYTES, 8, F16_BYTES.length - 8);
        }));
        w.addTensor("t.zeros", GgmlType.I32, new long[] {3}, TensorData.zeros());
        w.addTensor("t.last", GgmlType.I8, new long[] {1}, TensorData.of(new byte[] {42}));
        return w;
    }

    @Test
    void everyValueTypeAndTensorKindRoundTrips() throws IOException {
        GgufWriter w = everything();
        Path path = dir.resolve("everything.gguf");
        w.write(path);
        try (GgufFile f = GgufFile.open(path)) {
            assertEquals(3, f.version());
            assertEquals(w.metadata(), f.metadata());
            for (GgufMetadata.Entry e : w.metadata().entries().values()) {
                assertEquals(e, f.metadata().entry(e.key()).orElseThrow(), e.key());
                assertEquals(e.type(), f.metadata().entry(e.key()).orElseThrow().type(), e.key());
            }
            assertEquals(-1L, f.metadata().getLong("u64.max").orElseThrow());
            assertEquals(-128, f.metadata().getInt("i8.min", 0));
            assertEquals(0xFFFF_FFFFL, f.metadata().getLong("u32.max").orElseThrow());
            assertEquals("", f.metadata().getString("string.empty").orElseThrow());
            assertEquals("héllo 世界 🦙 \u0000 nul inside", f.metadata().getString("ключ.名前.🦙").orElseThrow());
            assertEquals(Float.floatToRawIntBits(-0.0f),
                    Float.floatToRawIntBits((Float) f.metadata().get("f32.negzero").orElseThrow()));
            GgufArray nested = f.metadata().getArray("arr.nested").orElseThrow();
            assertEquals(GgufValueType.ARRAY, nested.elementType());
            GgufArray inner = ((GgufArray[]) nested.values())[2];
            assertEquals(0, ((GgufArray[]) ((GgufArray[]) inner.values())[1].values()).length);

            assertEquals(w.tensorInfos(), f.tensors());
            assertEquals(GgufFile.DEFAULT_ALIGNMENT, f.alignment());
            assertEquals(0, f.dataOffset() % 32);
            for (GgufTensorInfo t : f.tensors()) {
                assertEquals(0, t.offset() % 32, t.name());
            }
            assertArrayEquals(F32_BYTES, f.tensorData(f.tensor("t.f32").orElseThrow())
                    .toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(Q8_BYTES, f.tensorData(f.tensor("t.q8_0").orElseThrow())
                    .toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(F16_BYTES, f.tensorData(f.tensor("t.f16.4d").orElseThrow())
                    .toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(new byte[12], f.tensorData(f.tensor("t.zeros").orElseThrow()).toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(new byte[] {42}, f.tensorData(f.tensor("t.last").orElseThrow()).toArray(ValueLayout.JAVA_BYTE));
            // Like ggml, the last tensor is padded too, so the file ends on the alignment.
            assertEquals(0, f.fileSize() % 32);
        }
        assertFalse(Files.exists(dir.resolve("everything.gguf.partial")));
    }

    @Test
    void streamAndFileGetTheSameBytes() throws IOException {
        Path path = dir.resolve("a.gguf");
        everything().write(path);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        everything().write(out);
        assertArrayEquals(Files.readAllBytes(path), out.toByteArray());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 8, 64, 4096})
    void honoursGeneralAlignment(int alignment) throws IOException {
        GgufWriter w = everything().putUInt32("general.alignment", alignment);
        Path path = dir.resolve("aligned.gguf");
        w.write(path);
        try (GgufFile f = GgufFile.open(path)) {
            assertEquals(alignment, f.alignment());
            assertEquals(0, f.dataOffset() % alignment);
            assertEquals(w.tensorInfos(), f.tensors());
            for (GgufTensorInfo t : f.tensors()) {
                assertEquals(0, t.offset() % alignment);
            }
            assertEquals(42, f.tensorData(f.tensor("t.last").orElseThrow()).get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    @Test
    void writesFilesWithoutTensorsOrMetadata() throws IOException {
        Path path = dir.resolve("empty.gguf");
        new GgufWriter().write(path);
        // magic, version, two counts; no data section, so no padding.
        assertEquals(24, Files.size(path));
        try (GgufFile f = GgufFile.open(path)) {
            assertEquals(0, f.metadata().size());
            assertEquals(0, f.tensors().size());
        }
    }

    @Test
    void putReplacesAValueInPlace() {
        GgufWriter w = new GgufWriter().putString("a", "1").putUInt32("b", 2).putString("a", "3");
        assertEquals(List.of("a", "b"), List.copyOf(w.metadata().keys()));
        assertEquals("3", w.metadata().getString("a").orElseThrow());
        w.remove("a");
        assertEquals(List.of("b"), List.copyOf(w.metadata().keys()));
    }

    @Test
    void refusesValuesOutsideTheirType() {
        GgufWriter w = new GgufWriter();
        assertThrows(IllegalArgumentException.class, () -> w.putUInt8("k", 256));
        assertThrows(IllegalArgumentException.class, () -> w.putUInt8("k", -1));
        assertThrows(IllegalArgumentException.class, () -> w.putInt8("k", 128));
        assertThrows(IllegalArgumentException.class, () -> w.putUInt16("k", 65536));
        assertThrows(IllegalArgumentException.class, () -> w.putInt16("k", -32769));
        assertThrows(IllegalArgumentException.class, () -> w.putUInt32("k", -1));
        assertThrows(IllegalArgumentException.class, () -> w.putUInt32("k", 1L << 32));
        assertThrows(IllegalArgumentException.class, () -> w.put(new GgufMetadata.Entry("k", GgufValueType.UINT32, 5)));
        assertThrows(IllegalArgumentException.class, () -> w.put(new GgufMetadata.Entry("k", GgufValueType.STRING, 5)));
        assertThrows(IllegalArgumentException.class,
                () -> w.putArray("k", new GgufArray(GgufValueType.UINT8, new int[] {1, 300})));
        assertThrows(IllegalArgumentException.class, () -> new GgufArray(GgufValueType.UINT32, new int[] {1}));
        assertThrows(IllegalArgumentException.class, () -> w.putString("k", "lone \uD800 surrogate"));
        assertThrows(IllegalArgumentException.class, () -> w.putString("\uDC00", "key with a lone surrogate"));
        assertThrows(NullPointerException.class, () -> w.putArray("k", GgufArray.ofStrings("a", null)));
        assertEquals(0, w.metadata().size(), "a refused value leaves nothing behind");
    }

    @Test
    void refusesNestingTheReaderWouldRefuse() throws IOException {
        GgufArray a = GgufArray.ofInt32(1);
        for (int depth = 1; depth < GgufParser.MAX_NESTING; depth++) {
            a = GgufArray.ofArrays(a);
        }
        GgufWriter w = new GgufWriter().putArray("deep", a); // exactly the deepest allowed
        Path path = dir.resolve("deep.gguf");
        w.write(path);
        try (GgufFile f = GgufFile.open(path)) {
            assertEquals(a, f.metadata().getArray("deep").orElseThrow());
        }
        GgufArray tooDeep = GgufArray.ofArrays(a);
        assertThrows(IllegalArgumentException.class, () -> new GgufWriter().putArray("deeper", tooDeep));
    }

    @Test
    void refusesBadAlignment() {
        GgufWriter w = new GgufWriter();
        assertThrows(IllegalArgumentException.class, () -> w.putUInt32("general.alignment", 0));
        assertThrows(IllegalArgumentException.class, () -> w.putUInt32("general.alignment", 3));
        assertThrows(IllegalArgumentException.class, () -> w.putUInt64("general.alignment", 32));
        assertThrows(IllegalArgumentException.class, () -> w.putString("general.alignment", "32"));
        assertEquals(32, w.alignment());
    }

    @Test
    void refusesBadTensors() {
        GgufWriter w = new GgufWriter().addTensor("x", GgmlType.F32, new long[] {2}, TensorData.of(new byte[8]));
        assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("x", GgmlType.F32, new long[] {2}, TensorData.of(new byte[8])));
        assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("y", GgmlType.F32, new long[] {2}, TensorData.of(new byte[7])));
        assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("y", GgmlType.F32, new long[] {}, TensorData.zeros()));
        assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("y", GgmlType.F32, new long[] {1, 1, 1, 1, 1}, TensorData.zeros()));
        assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("y", GgmlType.F32, new long[] {4, 0}, TensorData.zeros()));
        assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("y", GgmlType.Q4_0, new long[] {16, 2}, TensorData.zeros()));
        assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("y", GgmlType.F32, new long[] {1L << 32, 1L << 32}, TensorData.zeros()));
        assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("y", GgmlType.F32, new long[] {1L << 62}, TensorData.zeros()));
        assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("n".repeat(64), GgmlType.F32, new long[] {1}, TensorData.zeros()));
        w.addTensor("n".repeat(63), GgmlType.F32, new long[] {1}, TensorData.zeros());
        assertEquals(2, w.tensorInfos().size());
    }

    @Test
    void aProducerThatMiscountsLeavesNoFileBehind() throws IOException {
        Path path = dir.resolve("bad.gguf");
        GgufWriter few = new GgufWriter().addTensor("x", GgmlType.F32, new long[] {4},
                TensorData.streamed(out -> out.write(new byte[15])));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> few.write(path));
        assertTrue(e.getMessage().contains("wrote 15 bytes, expected 16"), e.getMessage());
        GgufWriter many = new GgufWriter().addTensor("x", GgmlType.F32, new long[] {4},
                TensorData.streamed(out -> out.write(new byte[17])));
        assertThrows(IllegalStateException.class, () -> many.write(path));
        assertFalse(Files.exists(path));
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "the .partial file is deleted");
        }
    }

    @Test
    void aFailedRewriteKeepsTheOldFile() throws IOException {
        Path path = dir.resolve("model.gguf");
        everything().write(path);
        byte[] before = Files.readAllBytes(path);
        GgufWriter failing = new GgufWriter().addTensor("x", GgmlType.F32, new long[] {4},
                TensorData.streamed(out -> {
                    throw new IOException("disk full");
                }));
        assertThrows(IOException.class, () -> failing.write(path));
        assertArrayEquals(before, Files.readAllBytes(path));
    }

    @Test
    void copiesSegmentsOfAnotherMapping() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(3 * 1024 * 1024); // larger than the writer's buffer
            for (long i = 0; i < seg.byteSize(); i++) {
                seg.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31));
            }
            Path path = dir.resolve("big.gguf");
            new GgufWriter().addTensor("big", GgmlType.I8, new long[] {seg.byteSize()}, TensorData.of(seg))
                    .addTensor("small", GgmlType.I8, new long[] {3}, TensorData.of(new byte[] {1, 2, 3}))
                    .write(path);
            try (GgufFile f = GgufFile.open(path)) {
                assertEquals(-1L, f.tensorData(f.tensor("big").orElseThrow()).mismatch(seg));
                assertArrayEquals(new byte[] {1, 2, 3},
                        f.tensorData(f.tensor("small").orElseThrow()).toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }

    @Test
    void copiesLargeHeapSegmentsOverNonByteArrays() throws IOException {
        float[] weights = new float[400_000]; // 1.6 MB, more than the writer's buffer
        for (int i = 0; i < weights.length; i++) {
            weights[i] = i * 0.5f;
        }
        Path path = dir.resolve("floats.gguf");
        new GgufWriter().addTensor("w", GgmlType.F32, new long[] {weights.length},
                TensorData.of(MemorySegment.ofArray(weights))).write(path);
        try (GgufFile f = GgufFile.open(path)) {
            float[] back = f.tensorData(f.tensor("w").orElseThrow())
                    .toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
            assertArrayEquals(weights, back);
        }
    }

    /** A channel the caller opened (maybe for APPEND, where a seek is ignored) gets every zero written. */
    @Test
    void writesZerosIntoACallersChannel() throws IOException {
        Path path = dir.resolve("appended.gguf");
        Files.write(path, new byte[] {1, 2, 3});
        GgufWriter w = new GgufWriter()
                .addTensor("zeros", GgmlType.I8, new long[] {1 << 20}, TensorData.zeros())
                .addTensor("tail", GgmlType.I8, new long[] {2}, TensorData.of(new byte[] {7, 9}));
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.APPEND)) {
            w.write(channel);
        }
        byte[] all = Files.readAllBytes(path);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(new byte[] {1, 2, 3});
        w.write(expected);
        assertArrayEquals(expected.toByteArray(), all);
    }

    /**
     * Every shared model, read and written again: same metadata (values, types and order), same
     * tensor table, bit-identical tensor data. The fixtures were written by ggml (models) and gguf-py
     * (vocab-only files), which lay files out exactly as this writer does, so the whole files come
     * out identical too.
     */
    @ParameterizedTest
    @ValueSource(strings = {"models/stories260k.gguf", "models/llama2-tiny-random-f16.gguf",
            "models/derived/stories260k-f16.gguf", "models/derived/stories260k-q5_0-mixed.gguf",
            "models/derived/stories260k-q8_0-mixed.gguf", "models/vocab-only/ggml-vocab-gpt-2.gguf",
            "models/vocab-only/ggml-vocab-llama-spm.gguf"})
    void rewritingASharedModelChangesNothing(String fixture) throws IOException {
        Path source = SharedFixtures.file(fixture);
        Path copy = dir.resolve("copy.gguf");
        try (GgufFile in = GgufFile.open(source)) {
            GgufWriter w = new GgufWriter().putAll(in.metadata());
            for (GgufTensorInfo t : in.tensors()) {
                w.addTensor(t, TensorData.of(in.tensorData(t)));
            }
            w.write(copy);
            try (GgufFile out = GgufFile.open(copy)) {
                assertEquals(in.metadata(), out.metadata());
                assertEquals(in.tensors(), out.tensors());
                assertEquals(in.dataOffset(), out.dataOffset());
                for (GgufTensorInfo t : in.tensors()) {
                    assertEquals(-1L, in.tensorData(t).mismatch(out.tensorData(t)), t.name());
                }
            }
        }
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(copy));
    }

    @Test
    void metadataEqualityIsDeepAndOrdered() {
        GgufMetadata a = new GgufWriter().putArray("x", GgufArray.ofFloat32(1, 2)).putString("y", "z").metadata();
        GgufMetadata b = new GgufWriter().putArray("x", GgufArray.ofFloat32(1, 2)).putString("y", "z").metadata();
        Map<String, GgufMetadata.Entry> swapped = new LinkedHashMap<>();
        swapped.put("y", b.entry("y").orElseThrow());
        swapped.put("x", b.entry("x").orElseThrow());
        GgufMetadata reordered = GgufMetadata.of(swapped);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertFalse(a.equals(reordered));
    }
}
