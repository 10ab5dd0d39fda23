package lucid.engine.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Byte surgery on GGUF files for tests: find a field by the name in front of it, overwrite it.
 * Corrupt files are made by writing a valid file and then patching exactly the field under test,
 * so each test shows which one field is wrong. Instances are immutable: a patch returns a copy.
 */
final class GgufBytes {

    private final byte[] bytes;

    GgufBytes(byte[] bytes) {
        this.bytes = bytes.clone();
    }

    static GgufBytes of(GgufWriter writer) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.write(out);
        return new GgufBytes(out.toByteArray());
    }

    /** Raw little-endian bytes for handcrafted files the writer would refuse to make. */
    static byte[] raw(RawBody body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        GgufOutput o = new GgufOutput(Channels.newChannel(out));
        body.write(o);
        o.finish();
        return out.toByteArray();
    }

    @FunctionalInterface
    interface RawBody {
        void write(GgufOutput out) throws IOException;
    }

    byte[] bytes() {
        return bytes.clone();
    }

    int length() {
        return bytes.length;
    }

    /** Offset just after the one gguf_string holding {@code name} (a key or a tensor name). */
    int after(String name) {
        byte[] needle = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(needle.length);
        byte[] withLength = new byte[8 + needle.length];
        System.arraycopy(len.array(), 0, withLength, 0, 8);
        System.arraycopy(needle, 0, withLength, 8, needle.length);
        int found = -1;
        for (int i = 0; i + withLength.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + withLength.length, withLength, 0, withLength.length)) {
                if (found >= 0) {
                    throw new IllegalArgumentException("'" + name + "' occurs twice");
                }
                found = i;
            }
        }
        if (found < 0) {
            throw new IllegalArgumentException("'" + name + "' not found");
        }
        return found + withLength.length;
    }

    int u32(int offset) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(offset);
    }

    long u64(int offset) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(offset);
    }

    GgufBytes u8(int offset, int value) {
        GgufBytes copy = new GgufBytes(bytes);
        copy.bytes[offset] = (byte) value;
        return copy;
    }

    GgufBytes u32(int offset, int value) {
        GgufBytes copy = new GgufBytes(bytes);
        ByteBuffer.wrap(copy.bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
        return copy;
    }

    GgufBytes u64(int offset, long value) {
        GgufBytes copy = new GgufBytes(bytes);
        ByteBuffer.wrap(copy.bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(offset, value);
        return copy;
    }

    /** The byte at {@code offset}, unsigned. */
    int u8(int offset) {
        return bytes[offset] & 0xFF;
    }

    /** Offset of field {@code field} of the tensor info of {@code name}: n_dims, ne[i], type, offset. */
    int tensorField(String name, String field) {
        int at = after(name);
        int nDims = u32(at);
        return switch (field) {
            case "n_dims" -> at;
            case "ne0" -> at + 4;
            case "ne1" -> at + 12;
            case "type" -> at + 4 + 8 * nDims;
            case "offset" -> at + 8 + 8 * nDims;
            default -> throw new IllegalArgumentException(field);
        };
    }

    GgufBytes truncate(int length) {
        return new GgufBytes(Arrays.copyOf(bytes, length));
    }
}
