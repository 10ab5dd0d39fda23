package lucid.engine.tensor;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The two ways K-quants pack sixteen 6-bit numbers into 12 bytes (ggml's {@code get_scale_min_k4}
 * and the {@code aux} shuffle of {@code dequantize_row_q3_K}). Reading them is where K-quant decoders
 * usually go wrong, so both directions live here, next to each other.
 *
 * <p><b>Q4_K / Q5_K</b>: eight scales {@code sc[0..7]} and eight minimums {@code m[0..7]}, one pair
 * per 32-weight sub-block:
 * <pre>
 * byte  0..3   bits 0-5: sc[0..3]            bits 6-7: bits 4-5 of sc[4..7]
 * byte  4..7   bits 0-5: m[0..3]             bits 6-7: bits 4-5 of m[4..7]
 * byte  8..11  bits 0-3: bits 0-3 of sc[4..7] bits 4-7: bits 0-3 of m[4..7]
 * </pre>
 *
 * <p><b>Q3_K</b>: sixteen scales {@code s[0..15]}, one per 16-weight sub-block, stored with a bias
 * of 32 (the value is {@code s - 32}, -32..31):
 * <pre>
 * byte  0..7   bits 0-3: bits 0-3 of s[0..7]  bits 4-7: bits 0-3 of s[8..15]
 * byte  8..11  bits 2k..2k+1 of byte 8 + i: bits 4-5 of s[4k + i]   (i, k = 0..3)
 * </pre>
 */
final class PackedScales {

    /** Bytes taken by either packing. */
    static final int BYTES = 12;

    private PackedScales() {
    }

    /** Q4_K/Q5_K scale of sub-block {@code j} (0..7) from the 12 bytes at {@code at}: 0..63. */
    static int scaleK4(MemorySegment data, long at, int j) {
        if (j < 4) {
            return data.get(JAVA_BYTE, at + j) & 63;
        }
        return (data.get(JAVA_BYTE, at + j + 4) & 0x0F) | (data.get(JAVA_BYTE, at + j - 4) & 0xC0) >>> 2;
    }

    /** Q4_K/Q5_K minimum of sub-block {@code j} (0..7) from the 12 bytes at {@code at}: 0..63. */
    static int minK4(MemorySegment data, long at, int j) {
        if (j < 4) {
            return data.get(JAVA_BYTE, at + j + 4) & 63;
        }
        return (data.get(JAVA_BYTE, at + j + 4) & 0xF0) >>> 4 | (data.get(JAVA_BYTE, at + j) & 0xC0) >>> 2;
    }

    /**
     * The 12 bytes at {@code at} as two little-endian words, for {@link #scaleK4(long, int, int)} and
     * {@link #minK4(long, int, int)}: a kernel reads them once per super-block and unpacks all sixteen
     * numbers in registers instead of reading memory for each.
     */
    static long lowWordK4(MemorySegment data, long at) {
        return data.get(FloatTensor.LONG_LE, at);
    }

    /** Bytes 8..11 of the packing at {@code at}; see {@link #lowWordK4}. */
    static int highWordK4(MemorySegment data, long at) {
        return data.get(FloatTensor.INT_LE, at + 8);
    }

    /** {@link #scaleK4(MemorySegment, long, int)} from the two words: equal for every j. */
    static int scaleK4(long low, int high, int j) {
        if (j < 4) {
            return (int) (low >>> (8 * j)) & 63;
        }
        int k = j - 4;
        return (high >>> (8 * k)) & 0x0F | ((int) (low >>> (8 * k + 6)) & 3) << 4;
    }

    /** {@link #minK4(MemorySegment, long, int)} from the two words: equal for every j. */
    static int minK4(long low, int high, int j) {
        if (j < 4) {
            return (int) (low >>> (32 + 8 * j)) & 63;
        }
        int k = j - 4;
        return (high >>> (8 * k + 4)) & 0x0F | ((int) (low >>> (32 + 8 * k + 6)) & 3) << 4;
    }

    /**
     * All eight {@link #scaleK4(long, int, int)} of the two words at once, scale j in byte j of the
     * result: a few word operations instead of a shift and mask per scale.
     */
    static long scalesK4(long low, int high) {
        int first = (int) low & 0x3F3F3F3F;
        int second = high & 0x0F0F0F0F | ((int) (low >>> 6) & 0x03030303) << 4;
        return first & 0xFFFFFFFFL | (long) second << 32;
    }

    /** All eight {@link #minK4(long, int, int)} at once, minimum j in byte j; see {@link #scalesK4}. */
    static long minsK4(long low, int high) {
        int first = (int) (low >>> 32) & 0x3F3F3F3F;
        int second = (high >>> 4) & 0x0F0F0F0F | ((int) (low >>> 38) & 0x03030303) << 4;
        return first & 0xFFFFFFFFL | (long) second << 32;
    }

    /** Writes eight scales and eight minimums (each 0..63) in the Q4_K/Q5_K packing. */
    static void packK4(int[] scales, int[] mins, ByteBuffer out, int at) {
        for (int j = 0; j < 4; j++) {
            out.put(at + j, (byte) (scales[j] | (scales[j + 4] >> 4) << 6));
            out.put(at + j + 4, (byte) (mins[j] | (mins[j + 4] >> 4) << 6));
            out.put(at + j + 8, (byte) ((scales[j + 4] & 0x0F) | (mins[j + 4] & 0x0F) << 4));
        }
    }

    /** Q3_K scale of sub-block {@code j} (0..15) from the 12 bytes at {@code at}, bias removed: -32..31. */
    static int scaleQ3(MemorySegment data, long at, int j) {
        int low = (data.get(JAVA_BYTE, at + (j & 7)) & 0xFF) >>> (j < 8 ? 0 : 4) & 0x0F;
        int high = (data.get(JAVA_BYTE, at + 8 + (j & 3)) & 0xFF) >>> (2 * (j >> 2)) & 3;
        return (low | high << 4) - 32;
    }

    /** Writes sixteen biased scales (each 0..63, i.e. value + 32) in the Q3_K packing. */
    static void packQ3(int[] biased, ByteBuffer out, int at) {
        byte[] packed = new byte[BYTES];
        for (int j = 0; j < 16; j++) {
            int l = biased[j];
            packed[j & 7] |= (byte) ((l & 0x0F) << (j < 8 ? 0 : 4));
            packed[8 + (j & 3)] |= (byte) ((l >> 4) << (2 * (j >> 2)));
        }
        out.put(at, packed);
    }
}
