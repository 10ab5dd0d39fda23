package lucid.engine.gguf;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Array;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import lucid.engine.tensor.GgmlType;

/**
 * Writes GGUF version 3 files: metadata, a tensor table and tensor data, in the layout
 * {@link GgufFile} reads and the way ggml writes it, so that a file read and written again comes
 * out byte for byte the same:
 * <pre>
 *  1. magic "GGUF", version 3, tensor_count, metadata_kv_count
 *  2. metadata_kv     in the order they were put; each value with the type it was declared with
 *  3. tensor_infos    in the order tensors were added; offset = previous offset + previous size
 *                     rounded up to the alignment (the first tensor at 0)
 *  4. padding         zeros up to a multiple of the alignment; none when there are no tensors
 *  5. tensor_data     each tensor followed by zeros up to a multiple of the alignment
 * </pre>
 * (ggml pads a file without tensors too, gguf-py does not; the vocab-only files llama.cpp ships
 * come from gguf-py, and without a data section the padding has nothing to align.)
 * The alignment is the value of general.alignment (a UINT32 power of two) when it is put, else 32.
 *
 * <p>Tensor data comes from a byte array, a memory segment (for example a tensor of another open
 * {@link GgufFile}), a {@link Producer} that streams it while the file is written, or
 * {@link TensorData#zeros()}; nothing is held in memory beyond what the caller supplies, and runs of
 * zeros written to a {@link Path} become holes in the file. A writer is a description of a file: it
 * can write it several times (as long as its producers can run again), and is not thread-safe.
 *
 * <p>Every check the reader makes is made here first, as an {@link IllegalArgumentException} at the
 * call that breaks it, so a writer never produces a file that {@link GgufFile#open} refuses.
 */
public final class GgufWriter {

    public static final int VERSION = 3;
    /** ggml's GGML_MAX_NAME: llama.cpp refuses tensor names of this many UTF-8 bytes or more. */
    public static final int MAX_TENSOR_NAME_BYTES = 64;

    /** Streams the bytes of one tensor; it must write exactly the tensor's byte size. */
    @FunctionalInterface
    public interface Producer {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Where a tensor's bytes come from. */
    public sealed interface TensorData {

        /** The bytes themselves (not copied: do not change the array before writing). */
        static TensorData of(byte[] bytes) {
            return new Bytes(bytes);
        }

        /** The bytes of a segment, read when the file is written (the segment must stay alive until then). */
        static TensorData of(MemorySegment segment) {
            return new Segment(segment);
        }

        /** Bytes produced while the file is written, so that large tensors need not be in memory. */
        static TensorData streamed(Producer producer) {
            return new Streamed(producer);
        }

        /** All zeros; a hole when written to a {@link Path} on a file system that has them. */
        static TensorData zeros() {
            return new Zeros();
        }
    }

    private record Bytes(byte[] bytes) implements TensorData {
        private Bytes {
            Objects.requireNonNull(bytes, "bytes");
        }
    }

    private record Segment(MemorySegment segment) implements TensorData {
        private Segment {
            Objects.requireNonNull(segment, "segment");
        }
    }

    private record Streamed(Producer producer) implements TensorData {
        private Streamed {
            Objects.requireNonNull(producer, "producer");
        }
    }

    private record Zeros() implements TensorData {
    }

    private record PendingTensor(String name, byte[] utf8Name, long[] dims, GgmlType type, long byteSize,
                                 TensorData data) {
    }

    private final Map<String, GgufMetadata.Entry> metadata = new LinkedHashMap<>();
    private final Map<String, PendingTensor> tensors = new LinkedHashMap<>();

    // ---- metadata -------------------------------------------------------------------------------

    public GgufWriter putUInt8(String key, int value) {
        return put(key, GgufValueType.UINT8, value);
    }

    public GgufWriter putInt8(String key, int value) {
        return put(key, GgufValueType.INT8, value);
    }

    public GgufWriter putUInt16(String key, int value) {
        return put(key, GgufValueType.UINT16, value);
    }

    public GgufWriter putInt16(String key, int value) {
        return put(key, GgufValueType.INT16, value);
    }

    /** {@code value} must be in [0, 2^32). */
    public GgufWriter putUInt32(String key, long value) {
        return put(key, GgufValueType.UINT32, value);
    }

    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValueType.INT32, value);
    }

    /** {@code bits} is read as unsigned: -1 is 2^64 - 1. */
    public GgufWriter putUInt64(String key, long bits) {
        return put(key, GgufValueType.UINT64, bits);
    }

    public GgufWriter putInt64(String key, long value) {
        return put(key, GgufValueType.INT64, value);
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValueType.FLOAT32, value);
    }

    public GgufWriter putFloat64(String key, double value) {
        return put(key, GgufValueType.FLOAT64, value);
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValueType.BOOL, value);
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValueType.STRING, value);
    }

    public GgufWriter putArray(String key, GgufArray value) {
        return put(key, GgufValueType.ARRAY, value);
    }

    /**
     * Adds a key, or replaces the value of a key already put (it keeps its place in the order).
     * The value must be held as {@link GgufMetadata} documents for its type, within the type's range.
     */
    public GgufWriter put(GgufMetadata.Entry entry) {
        Objects.requireNonNull(entry, "entry");
        return put(entry.key(), entry.type(), entry.value());
    }

    /** Copies every entry of {@code source}, in its order. */
    public GgufWriter putAll(GgufMetadata source) {
        for (GgufMetadata.Entry e : source.entries().values()) {
            put(e);
        }
        return this;
    }

    public GgufWriter remove(String key) {
        metadata.remove(key);
        return this;
    }

    /** What has been put so far, in order. */
    public GgufMetadata metadata() {
        return new GgufMetadata(metadata);
    }

    private GgufWriter put(String key, GgufValueType type, Object value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(type, "type");
        requireWellFormed(key, "key");
        checkValue(key, type, value, 0);
        if (key.equals(ALIGNMENT_KEY)) {
            alignmentOf(type, value);
        }
        metadata.put(key, new GgufMetadata.Entry(key, type, value));
        return this;
    }

    // ---- tensors --------------------------------------------------------------------------------

    /**
     * Adds a tensor after those already added.
     *
     * @param dims sizes in GGUF order (dims[0] fastest-varying), 1 to 4 of them, each positive,
     *             dims[0] a multiple of the type's block size
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] dims, TensorData data) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        requireWellFormed(name, "tensor name");
        byte[] utf8Name = name.getBytes(StandardCharsets.UTF_8);
        if (utf8Name.length >= MAX_TENSOR_NAME_BYTES) {
            throw new IllegalArgumentException("tensor name '" + name + "' is " + utf8Name.length
                    + " bytes; llama.cpp accepts at most " + (MAX_TENSOR_NAME_BYTES - 1));
        }
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor '" + name + "' was already added");
        }
        long byteSize = byteSize(name, type, dims.clone());
        long given = switch (data) {
            case Bytes b -> b.bytes().length;
            case Segment s -> s.segment().byteSize();
            case Streamed st -> byteSize;
            case Zeros z -> byteSize;
        };
        if (given != byteSize) {
            throw new IllegalArgumentException("tensor '" + name + "' (" + type + ", " + Arrays.toString(dims)
                    + ") takes " + byteSize + " bytes, but its data has " + given);
        }
        tensors.put(name, new PendingTensor(name, utf8Name, dims.clone(), type, byteSize, data));
        return this;
    }

    /** Adds a tensor with the name, type and shape of {@code like} (its offset is recomputed). */
    public GgufWriter addTensor(GgufTensorInfo like, TensorData data) {
        return addTensor(like.name(), like.type(), like.dims(), data);
    }

    /** The tensor table as it will be written, with the offsets the current alignment gives. */
    public List<GgufTensorInfo> tensorInfos() {
        List<GgufTensorInfo> infos = new ArrayList<>(tensors.size());
        int alignment = alignment();
        long offset = 0;
        for (PendingTensor t : tensors.values()) {
            infos.add(new GgufTensorInfo(t.name(), t.dims(), t.type(), offset));
            offset = alignUp(offset + t.byteSize(), alignment);
        }
        return infos;
    }

    /** The alignment of the data section: general.alignment if put, else {@value GgufFile#DEFAULT_ALIGNMENT}. */
    public int alignment() {
        GgufMetadata.Entry e = metadata.get(ALIGNMENT_KEY);
        return e == null ? GgufFile.DEFAULT_ALIGNMENT : alignmentOf(e.type(), e.value());
    }

    // ---- writing --------------------------------------------------------------------------------

    /**
     * Writes the file to {@code path}, replacing it only once the whole file is written: the bytes go
     * to {@code <name>.partial} beside it first, which is renamed over {@code path} at the end and
     * deleted on failure, so an interrupted write never leaves a truncated model behind.
     */
    public void write(Path path) throws IOException {
        Path partial = path.resolveSibling(path.getFileName() + ".partial");
        Files.deleteIfExists(partial);
        try {
            // SPARSE only hints on file systems that need it (NTFS); Linux makes holes anyway.
            try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, StandardOpenOption.SPARSE)) {
                write(new GgufOutput(channel));
            }
            try {
                Files.move(partial, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Writes the file to a stream, which stays open. */
    public void write(OutputStream out) throws IOException {
        write(Channels.newChannel(out));
        out.flush();
    }

    /**
     * Writes the file to a channel from its current position; the channel stays open. Every byte is
     * written (only {@link #write(Path)} leaves holes for zeros, in a file it opened itself).
     */
    public void write(WritableByteChannel channel) throws IOException {
        write(new GgufOutput(channel));
    }

    private void write(GgufOutput out) throws IOException {
        int alignment = alignment();
        List<GgufTensorInfo> infos = tensorInfos();

        out.u32(GgufParser.MAGIC);
        out.u32(VERSION);
        out.u64(tensors.size());
        out.u64(metadata.size());
        for (GgufMetadata.Entry e : metadata.values()) {
            out.string(e.key().getBytes(StandardCharsets.UTF_8));
            out.u32(e.type().id());
            writeValue(out, e.type(), e.value());
        }
        int i = 0;
        for (PendingTensor t : tensors.values()) {
            out.string(t.utf8Name());
            out.u32(t.dims().length);
            for (long d : t.dims()) {
                out.u64(d);
            }
            out.u32(t.type().id());
            out.u64(infos.get(i++).offset());
        }
        if (!tensors.isEmpty()) {
            out.pad(alignment);
        }

        long dataStart = out.position();
        i = 0;
        for (PendingTensor t : tensors.values()) {
            long offset = infos.get(i++).offset();
            if (out.position() - dataStart != offset) {
                throw new IllegalStateException("tensor '" + t.name() + "' landed at " + (out.position() - dataStart)
                        + " instead of " + offset);
            }
            writeData(out, t);
            out.pad(alignment);
        }
        out.finish();
    }

    private static void writeData(GgufOutput out, PendingTensor t) throws IOException {
        switch (t.data()) {
            case Bytes b -> out.bytes(b.bytes(), 0, b.bytes().length);
            case Segment s -> {
                if (s.segment().byteSize() != t.byteSize()) {
                    throw new IllegalStateException("tensor '" + t.name() + "': its segment changed size");
                }
                out.segment(s.segment());
            }
            case Zeros z -> out.zeros(t.byteSize());
            case Streamed st -> {
                ExactStream exact = new ExactStream(out.asStream(), t.name(), t.byteSize());
                st.producer().writeTo(exact);
                exact.requireComplete();
            }
        }
    }

    private static void writeValue(GgufOutput out, GgufValueType type, Object value) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.u8((Integer) value);
            case UINT16, INT16 -> out.u16((Integer) value);
            case UINT32 -> out.u32((int) (long) (Long) value);
            case INT32 -> out.u32((Integer) value);
            case UINT64, INT64 -> out.u64((Long) value);
            case FLOAT32 -> out.f32((Float) value);
            case FLOAT64 -> out.f64((Double) value);
            case BOOL -> out.u8((Boolean) value ? 1 : 0);
            case STRING -> out.string(((String) value).getBytes(StandardCharsets.UTF_8));
            case ARRAY -> writeArray(out, (GgufArray) value);
        }
    }

    private static void writeArray(GgufOutput out, GgufArray array) throws IOException {
        GgufValueType type = array.elementType();
        out.u32(type.id());
        out.u64(array.length());
        switch (array.values()) {
            case int[] a -> {
                for (int v : a) {
                    writeValue(out, type, v);
                }
            }
            case long[] a -> {
                for (long v : a) {
                    writeValue(out, type, v);
                }
            }
            case float[] a -> {
                for (float v : a) {
                    out.f32(v);
                }
            }
            case double[] a -> {
                for (double v : a) {
                    out.f64(v);
                }
            }
            case boolean[] a -> {
                for (boolean v : a) {
                    out.u8(v ? 1 : 0);
                }
            }
            case String[] a -> {
                for (String v : a) {
                    out.string(v.getBytes(StandardCharsets.UTF_8));
                }
            }
            case GgufArray[] a -> {
                for (GgufArray v : a) {
                    writeArray(out, v);
                }
            }
            default -> throw new IllegalStateException("unreachable: " + array.values().getClass());
        }
    }

    // ---- checks ---------------------------------------------------------------------------------

    private static final String ALIGNMENT_KEY = "general.alignment";

    private static int alignmentOf(GgufValueType type, Object value) {
        // ggml reads general.alignment with gguf_get_val_u32, which aborts on any other type.
        if (type != GgufValueType.UINT32) {
            throw new IllegalArgumentException(ALIGNMENT_KEY + " must be a UINT32, not " + type);
        }
        long a = (Long) value;
        if (a <= 0 || a > GgufParser.MAX_ALIGNMENT || Long.bitCount(a) != 1) {
            throw new IllegalArgumentException(ALIGNMENT_KEY + " must be a power of two up to "
                    + GgufParser.MAX_ALIGNMENT + ", got " + a);
        }
        return (int) a;
    }

    private static long byteSize(String name, GgmlType type, long[] dims) {
        if (dims.length < 1 || dims.length > GgufFile.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + dims.length + " dimensions (1 to "
                    + GgufFile.MAX_DIMS + " allowed)");
        }
        long elements = 1;
        for (long d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a dimension of " + d);
            }
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("tensor '" + name + "' has more than 2^63 elements");
            }
        }
        if (dims[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "' of type " + type + " has rows of " + dims[0]
                    + " elements, not a multiple of the block size " + type.blockSize());
        }
        if (elements / type.blockSize() > Long.MAX_VALUE / type.typeSize()) {
            throw new IllegalArgumentException("tensor '" + name + "' takes more than 2^63 bytes");
        }
        return type.byteSize(elements);
    }

    private static void checkValue(String key, GgufValueType type, Object value, int depth) {
        Objects.requireNonNull(value, () -> "value of '" + key + "'");
        boolean ok = switch (type) {
            case UINT8 -> value instanceof Integer i && i >= 0 && i <= 0xFF;
            case INT8 -> value instanceof Integer i && i >= Byte.MIN_VALUE && i <= Byte.MAX_VALUE;
            case UINT16 -> value instanceof Integer i && i >= 0 && i <= 0xFFFF;
            case INT16 -> value instanceof Integer i && i >= Short.MIN_VALUE && i <= Short.MAX_VALUE;
            case UINT32 -> value instanceof Long l && l >= 0 && l <= 0xFFFF_FFFFL;
            case INT32 -> value instanceof Integer;
            case UINT64, INT64 -> value instanceof Long;
            case FLOAT32 -> value instanceof Float;
            case FLOAT64 -> value instanceof Double;
            case BOOL -> value instanceof Boolean;
            case STRING -> value instanceof String;
            case ARRAY -> value instanceof GgufArray;
        };
        if (!ok) {
            throw new IllegalArgumentException("value of '" + key + "' does not fit its type " + type + ": " + value
                    + " (" + value.getClass().getSimpleName() + ")");
        }
        switch (value) {
            case String s -> requireWellFormed(s, "value of '" + key + "'");
            case GgufArray a -> checkArray(key, a, depth);
            default -> { }
        }
    }

    private static void checkArray(String key, GgufArray array, int depth) {
        if (depth >= GgufParser.MAX_NESTING) {
            throw new IllegalArgumentException("array '" + key + "' is nested more than " + GgufParser.MAX_NESTING
                    + " levels deep");
        }
        GgufValueType type = array.elementType();
        switch (array.values()) {
            case float[] f -> { }
            case double[] d -> { }
            case boolean[] b -> { }
            case GgufArray[] nested -> {
                for (GgufArray a : nested) {
                    checkValue(key, GgufValueType.ARRAY, a, depth + 1);
                }
            }
            default -> {
                int n = Array.getLength(array.values());
                for (int i = 0; i < n; i++) {
                    checkValue(key, type, Array.get(array.values(), i), depth + 1);
                }
            }
        }
    }

    /** Java strings can hold lone surrogates, which have no UTF-8 form and would be written as '?'. */
    private static void requireWellFormed(String s, String what) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(what + " has a lone surrogate at index " + i
                        + " and cannot be written as UTF-8");
            }
        }
    }

    private static long alignUp(long offset, int alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    /** Passes a producer's bytes on, and fails when it writes more or fewer than the tensor's size. */
    private static final class ExactStream extends OutputStream {
        private final OutputStream out;
        private final String name;
        private final long expected;
        private long written;

        ExactStream(OutputStream out, String name, long expected) {
            this.out = out;
            this.name = name;
            this.expected = expected;
        }

        @Override
        public void write(int b) throws IOException {
            count(1);
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            count(len);
            out.write(b, off, len);
        }

        private void count(long n) {
            if (written + n > expected) {
                throw new IllegalStateException("the producer of tensor '" + name + "' wrote more than its "
                        + expected + " bytes");
            }
            written += n;
        }

        void requireComplete() {
            if (written != expected) {
                throw new IllegalStateException("the producer of tensor '" + name + "' wrote " + written
                        + " bytes, expected " + expected);
            }
        }
    }
}
