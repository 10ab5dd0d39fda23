package lucid.engine.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import lucid.engine.tensor.GgmlType;

/**
 * Reads the header of a GGUF file (everything before the tensor data) from its mapping, checking
 * every count, length and offset against the bytes that are really there, so a corrupt or
 * truncated file fails with a message instead of an out-of-memory error or a crash later.
 * The layout is documented on {@link GgufFile}.
 */
final class GgufParser {

    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    /** Arrays nested deeper than this are refused; real files nest at most once. */
    static final int MAX_NESTING = 8;
    /** The largest general.alignment accepted. */
    static final int MAX_ALIGNMENT = 1 << 30;
    /**
     * The most bytes the header (magic to the last tensor info) may take. Every count and length is
     * checked against the bytes left before this limit, not only before the end of the file: in a
     * file of many gigabytes a corrupt length would otherwise pass and ask for an array too large
     * for the heap. Real headers, even with vocabularies of 256k tokens and their merges, are a few
     * MiB.
     */
    static final long MAX_HEADER_BYTES = 128L << 20;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    record Header(int version, GgufMetadata metadata, List<GgufTensorInfo> tensors, int alignment, long dataOffset) {
    }

    private static final int MIN_KV_BYTES = 8 + 4 + 1;
    private static final int MIN_TENSOR_INFO_BYTES = 8 + 4 + 8 + 4 + 8;

    private final Path path;
    private final MemorySegment bytes;
    private final long size;
    /** Where the header must end at the latest: the end of the file or {@link #MAX_HEADER_BYTES}. */
    private final long limit;
    private long pos;

    GgufParser(Path path, MemorySegment bytes) {
        this.path = path;
        this.bytes = bytes;
        this.size = bytes.byteSize();
        this.limit = Math.min(size, MAX_HEADER_BYTES);
    }

    Header parse() throws GgufFormatException {
        if (size < 4) {
            throw error("file is " + size + " bytes long, too short to be a GGUF file");
        }
        int magic = bytes.get(U32, 0);
        if (magic != MAGIC) {
            throw error(String.format("not a GGUF file (bad magic 0x%08x, expected \"GGUF\")", magic));
        }
        pos = 4;
        int version = readU32AsInt("version");
        if (version == 1) {
            throw error("GGUF version 1 is not supported (it predates GGUF v2 from 2023); "
                    + "convert the model again with a current llama.cpp");
        }
        if (version != 2 && version != 3) {
            if (Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3) {
                throw error("big-endian GGUF files are not supported");
            }
            throw error("unsupported GGUF version " + Integer.toUnsignedString(version) + " (supported: 2, 3)");
        }
        long tensorCount = readU64("tensor count");
        long kvCount = readU64("metadata key count");
        // Each key/value takes at least 8 (key length) + 4 (type) + 1 bytes, each tensor info at least
        // 8 (name length) + 4 (n_dims) + 8 (ne0) + 4 (type) + 8 (offset): a count that cannot fit in
        // what is left is corrupt, whatever it says, and must not size an allocation.
        if (kvCount < 0 || kvCount > (limit - pos) / MIN_KV_BYTES) {
            throw error("metadata key count " + Long.toUnsignedString(kvCount) + " is impossible: "
                    + beyond(kvCount, MIN_KV_BYTES));
        }
        Map<String, GgufMetadata.Entry> entries = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = readString("metadata key #" + i);
            int typeId = readU32AsInt("type of key '" + key + "'");
            GgufValueType type = GgufValueType.fromId(Integer.toUnsignedLong(typeId))
                    .orElseThrow(() -> error("metadata key '" + key + "' has unknown value type "
                            + Integer.toUnsignedString(typeId)));
            Object value = readValue(type, key, 0);
            if (entries.putIfAbsent(key, new GgufMetadata.Entry(key, type, value)) != null) {
                throw error("metadata key '" + key + "' appears twice");
            }
        }
        GgufMetadata metadata = new GgufMetadata(entries);

        int alignment = readAlignment(metadata);
        if (tensorCount < 0 || tensorCount > (limit - pos) / MIN_TENSOR_INFO_BYTES) {
            throw error("tensor count " + Long.toUnsignedString(tensorCount) + " is impossible: "
                    + beyond(tensorCount, MIN_TENSOR_INFO_BYTES));
        }
        List<GgufTensorInfo> tensors = new ArrayList<>((int) tensorCount);
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            GgufTensorInfo info = readTensorInfo(i, alignment);
            if (!names.add(info.name())) {
                throw error("tensor '" + info.name() + "' appears twice");
            }
            tensors.add(info);
        }

        long dataOffset = tensorCount == 0 ? pos : alignUp(pos, alignment);
        for (GgufTensorInfo t : tensors) {
            long end = dataOffset + t.offset() + t.byteSize();
            if (t.offset() > size || end > size || end < 0) {
                throw error("tensor '" + t.name() + "' (" + t.byteSize() + " bytes at data offset " + t.offset()
                        + ") extends past the end of the file (" + size + " bytes); the file is truncated or corrupt");
            }
        }
        return new Header(version, metadata, tensors, alignment, dataOffset);
    }

    private int readAlignment(GgufMetadata metadata) throws GgufFormatException {
        var entry = metadata.entry("general.alignment");
        if (entry.isEmpty()) {
            return GgufFile.DEFAULT_ALIGNMENT;
        }
        long a = entry.get().value() instanceof Number n ? n.longValue() : -1;
        if (!entry.get().type().isInteger() || a <= 0 || a > MAX_ALIGNMENT || Long.bitCount(a) != 1) {
            throw error("general.alignment must be an integer power of two up to " + MAX_ALIGNMENT + ", got " + entry.get().type() + " "
                    + entry.get().value());
        }
        return (int) a;
    }

    private GgufTensorInfo readTensorInfo(long index, int alignment) throws GgufFormatException {
        String name = readString("name of tensor #" + index);
        int nDims = readU32AsInt("dimension count of tensor '" + name + "'");
        if (nDims < 1 || nDims > GgufFile.MAX_DIMS) {
            throw error("tensor '" + name + "' has " + Integer.toUnsignedString(nDims)
                    + " dimensions (1 to " + GgufFile.MAX_DIMS + " allowed)");
        }
        long[] dims = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            dims[d] = readU64("dimension " + d + " of tensor '" + name + "'");
            if (dims[d] <= 0) {
                throw error("tensor '" + name + "' has dimension " + d + " = " + Long.toUnsignedString(dims[d]));
            }
            try {
                elements = Math.multiplyExact(elements, dims[d]);
            } catch (ArithmeticException e) {
                throw error("tensor '" + name + "' has an absurd element count (overflows 64 bits)");
            }
        }
        int typeId = readU32AsInt("type of tensor '" + name + "'");
        GgmlType type = GgmlType.fromId(Integer.toUnsignedLong(typeId))
                .orElseThrow(() -> error("tensor '" + name + "' has unknown type id " + Integer.toUnsignedString(typeId)));
        if (dims[0] % type.blockSize() != 0) {
            throw error("tensor '" + name + "' of type " + type + " has a row of " + dims[0]
                    + " elements, not a multiple of the block size " + type.blockSize());
        }
        long offset = readU64("data offset of tensor '" + name + "'");
        if (offset < 0 || offset % alignment != 0) {
            throw error("tensor '" + name + "' data offset " + Long.toUnsignedString(offset)
                    + " is not a multiple of the alignment " + alignment);
        }
        if (elements / type.blockSize() > Long.MAX_VALUE / type.typeSize()) {
            throw error("tensor '" + name + "' is absurdly large");
        }
        return new GgufTensorInfo(name, dims, type, offset);
    }

    private Object readValue(GgufValueType type, String key, int depth) throws GgufFormatException {
        String what = "value of '" + key + "'";
        return switch (type) {
            case UINT8 -> Byte.toUnsignedInt(readByte(what));
            case INT8 -> (int) readByte(what);
            case UINT16 -> Short.toUnsignedInt(readShort(what));
            case INT16 -> (int) readShort(what);
            case UINT32 -> Integer.toUnsignedLong(readU32AsInt(what));
            case INT32 -> readU32AsInt(what);
            case UINT64, INT64 -> readU64(what);
            case FLOAT32 -> {
                need(4, what);
                float f = bytes.get(F32, pos);
                pos += 4;
                yield f;
            }
            case FLOAT64 -> {
                need(8, what);
                double d = bytes.get(F64, pos);
                pos += 8;
                yield d;
            }
            case BOOL -> {
                byte b = readByte(what);
                if (b != 0 && b != 1) {
                    throw error("boolean " + what + " is " + b + " (must be 0 or 1)");
                }
                yield b == 1;
            }
            case STRING -> readString(what);
            case ARRAY -> readArray(key, depth);
        };
    }

    private GgufArray readArray(String key, int depth) throws GgufFormatException {
        if (depth >= MAX_NESTING) {
            throw error("array '" + key + "' is nested more than " + MAX_NESTING + " levels deep");
        }
        int typeId = readU32AsInt("element type of array '" + key + "'");
        GgufValueType type = GgufValueType.fromId(Integer.toUnsignedLong(typeId))
                .orElseThrow(() -> error("array '" + key + "' has unknown element type " + Integer.toUnsignedString(typeId)));
        long count = readU64("length of array '" + key + "'");
        if (count < 0 || count > (limit - pos) / type.minBytes()) {
            throw error("array '" + key + "' claims " + Long.toUnsignedString(count) + " elements of type "
                    + type + ": " + beyond(count, type.minBytes()));
        }
        int n = (int) count;
        // Arrays of numbers and booleans are checked once and copied in a tight loop; descriptions for
        // error messages are built only on failure, since vocabularies hold hundreds of thousands of
        // elements.
        long start = pos;
        int width = type.minBytes();
        if (type != GgufValueType.STRING && type != GgufValueType.ARRAY) {
            need((long) width * n, "array '" + key + "'");
            pos += (long) width * n;
        }
        Object values = switch (type) {
            case UINT8, INT8, UINT16, INT16, INT32 -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) {
                    long at = start + (long) i * width;
                    a[i] = switch (type) {
                        case UINT8 -> Byte.toUnsignedInt(bytes.get(ValueLayout.JAVA_BYTE, at));
                        case INT8 -> bytes.get(ValueLayout.JAVA_BYTE, at);
                        case UINT16 -> Short.toUnsignedInt(bytes.get(U16, at));
                        case INT16 -> bytes.get(U16, at);
                        default -> bytes.get(U32, at);
                    };
                }
                yield a;
            }
            case UINT32 -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) {
                    a[i] = Integer.toUnsignedLong(bytes.get(U32, start + 4L * i));
                }
                yield a;
            }
            case UINT64, INT64 -> {
                long[] a = new long[n];
                MemorySegment.copy(bytes, U64, start, a, 0, n);
                yield a;
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                MemorySegment.copy(bytes, F32, start, a, 0, n);
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                MemorySegment.copy(bytes, F64, start, a, 0, n);
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    byte b = bytes.get(ValueLayout.JAVA_BYTE, start + i);
                    if (b != 0 && b != 1) {
                        throw error("boolean element " + i + " of array '" + key + "' is " + b + " (must be 0 or 1)");
                    }
                    a[i] = b == 1;
                }
                yield a;
            }
            case STRING -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) {
                    a[i] = readString(key, i);
                }
                yield a;
            }
            case ARRAY -> {
                GgufArray[] a = new GgufArray[n];
                for (int i = 0; i < n; i++) {
                    a[i] = readArray(key, depth + 1);
                }
                yield a;
            }
        };
        return new GgufArray(type, values);
    }

    private String readString(String what) throws GgufFormatException {
        return readString(what, -1);
    }

    /** A gguf_string; {@code index} ≥ 0 makes it element {@code index} of array {@code what}. */
    private String readString(String what, int index) throws GgufFormatException {
        if (8 > limit - pos) {
            need(8, "length of " + describe(what, index));
        }
        long len = bytes.get(U64, pos);
        pos += 8;
        if (len < 0 || len > limit - pos) {
            throw error("length of " + describe(what, index) + " is " + Long.toUnsignedString(len) + " bytes: "
                    + beyond(len, 1));
        }
        byte[] b = new byte[(int) len];
        MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, pos, b, 0, b.length);
        pos += len;
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String describe(String what, int index) {
        return index < 0 ? what : "element " + index + " of array '" + what + "'";
    }

    private byte readByte(String what) throws GgufFormatException {
        need(1, what);
        return bytes.get(ValueLayout.JAVA_BYTE, pos++);
    }

    private short readShort(String what) throws GgufFormatException {
        need(2, what);
        short s = bytes.get(U16, pos);
        pos += 2;
        return s;
    }

    private int readU32AsInt(String what) throws GgufFormatException {
        need(4, what);
        int v = bytes.get(U32, pos);
        pos += 4;
        return v;
    }

    private long readU64(String what) throws GgufFormatException {
        need(8, what);
        long v = bytes.get(U64, pos);
        pos += 8;
        return v;
    }

    private void need(long n, String what) throws GgufFormatException {
        if (n > limit - pos) {
            if (limit < size) {
                throw error("the header is larger than " + (MAX_HEADER_BYTES >> 20) + " MiB (reading " + what
                        + " at byte " + pos + "); the file is corrupt");
            }
            throw error("truncated: the file ends at byte " + size + " while reading " + what + " at byte " + pos);
        }
    }

    /** Why {@code count} items of at least {@code itemBytes} each cannot be where the parser is. */
    private String beyond(long count, long itemBytes) {
        if (Long.compareUnsigned(count, (size - pos) / itemBytes) > 0) {
            return "needs more than the " + (size - pos) + " bytes left in the file; the file is truncated or corrupt";
        }
        return "needs more than a GGUF header may take (" + (MAX_HEADER_BYTES >> 20) + " MiB); the file is corrupt";
    }

    private static long alignUp(long offset, int alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    private GgufFormatException error(String problem) {
        return new GgufFormatException(path, problem);
    }
}
