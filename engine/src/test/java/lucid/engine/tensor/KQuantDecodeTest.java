package lucid.engine.tensor;

import static lucid.engine.tensor.KnownWeights.assertWeights;
import static lucid.engine.tensor.KnownWeights.concat;
import static lucid.engine.tensor.KnownWeights.inPairs;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/**
 * K-quant super-blocks built by hand, with the scale bytes packed by hand (worked out in the
 * comments) and weights written out as scale × quant lists. Each block gives every sub-block a
 * different scale (and minimum), so a weight read from the wrong sub-block, or a scale unpacked
 * from the wrong bits, changes the expected value.
 */
class KQuantDecodeTest {

    /** The 16 quants of a sub-block that climbs 0..7 twice: q - 4 for Q3_K. */
    private static final int[] Q3_CLIMB = {-4, -3, -2, -1, 0, 1, 2, 3, -4, -3, -2, -1, 0, 1, 2, 3};

    /** The 16 quants of a sub-block that climbs 0..7 in pairs: q - 4 for Q3_K. */
    private static final int[] Q3_PAIRS = {-4, -4, -3, -3, -2, -2, -1, -1, 0, 0, 1, 1, 2, 2, 3, 3};

    @Test
    void q4_KSubBlocksFourToSevenTakeTheHighBitsOfTheirScalesFromTheFirstEightBytes() {
        ByteBuffer bytes = TensorBytes.block(144);
        bytes.putShort((short) 0x3800).putShort((short) 0x3400); // d = 0.5, dmin = 0.25
        // sc = {1, 63, 2, 40, 17, 33, 48, 63}, m = {0, 63, 5, 12, 20, 40, 63, 1}:
        //   bytes 0-3:  sc[0..3] | (sc[4..7] >> 4) << 6 = 1|1<<6, 63|2<<6, 2|3<<6, 40|3<<6
        //   bytes 4-7:  m[0..3] | (m[4..7] >> 4) << 6   = 0|1<<6, 63|2<<6, 5|3<<6, 12|0<<6
        //   bytes 8-11: (sc[4..7] & 15) | (m[4..7] & 15) << 4 = 1|4<<4, 1|8<<4, 0|15<<4, 15|1<<4
        bytes.put(bytes(0x41, 0xBF, 0xC2, 0xE8, 0x40, 0xBF, 0xC5, 0x0C, 0x41, 0x81, 0xF0, 0x1F));
        // Each of the four runs of 32 bytes: byte l has low nibble l / 2 and high nibble 15 - l / 2.
        for (int run = 0; run < 4; run++) {
            for (int l = 0; l < 32; l++) {
                bytes.put((byte) (l / 2 | (15 - l / 2) << 4));
            }
        }
        assertWeights(GgmlType.Q4_K, bytes, concat(
                inPairs(0f, 0.5f, 32),          // sub-block 0: 0.5·1·(l/2) − 0.25·0
                inPairs(456.75f, -31.5f, 32),   // 1: 0.5·63·(15 − l/2) − 0.25·63
                inPairs(-1.25f, 1f, 32),        // 2: 0.5·2·(l/2) − 0.25·5
                inPairs(297f, -20f, 32),        // 3: 0.5·40·(15 − l/2) − 0.25·12
                inPairs(-5f, 8.5f, 32),         // 4: 0.5·17·(l/2) − 0.25·20
                inPairs(237.5f, -16.5f, 32),    // 5: 0.5·33·(15 − l/2) − 0.25·40
                inPairs(-15.75f, 24f, 32),      // 6: 0.5·48·(l/2) − 0.25·63
                inPairs(472.25f, -31.5f, 32))); // 7: 0.5·63·(15 − l/2) − 0.25·1
    }

    @Test
    void q5_KFifthBitOfWeight32sPlusLIsBitSOfQhL() {
        ByteBuffer bytes = TensorBytes.block(176);
        bytes.putShort((short) 0x3800).putShort((short) 0x3400); // d = 0.5, dmin = 0.25
        // The same scales and minimums as the Q4_K block above.
        bytes.put(bytes(0x41, 0xBF, 0xC2, 0xE8, 0x40, 0xBF, 0xC5, 0x0C, 0x41, 0x81, 0xF0, 0x1F));
        // qh: 0x0F for l < 16 and 0xF0 for l >= 16, so weights 0-15 of sub-blocks 0-3 and weights
        // 16-31 of sub-blocks 4-7 have their fifth bit (+16).
        for (int l = 0; l < 32; l++) {
            bytes.put((byte) (l < 16 ? 0x0F : 0xF0));
        }
        for (int run = 0; run < 4; run++) {
            for (int l = 0; l < 32; l++) {
                bytes.put((byte) (l / 2 | (15 - l / 2) << 4));
            }
        }
        assertWeights(GgmlType.Q5_K, bytes, concat(
                inPairs(8f, 0.5f, 16), inPairs(4f, 0.5f, 16),               // 0.5·(l/2 + 16), then 0.5·(l/2)
                inPairs(960.75f, -31.5f, 16), inPairs(204.75f, -31.5f, 16), // 31.5·(31 − l/2) − 15.75, then 31.5·(15 − l/2) − 15.75
                inPairs(14.75f, 1f, 16), inPairs(6.75f, 1f, 16),            // 1·(l/2 + 16) − 1.25, then 1·(l/2) − 1.25
                inPairs(617f, -20f, 16), inPairs(137f, -20f, 16),           // 20·(31 − l/2) − 3, then 20·(15 − l/2) − 3
                inPairs(-5f, 8.5f, 16), inPairs(199f, 8.5f, 16),            // 8.5·(l/2) − 5, then 8.5·(l/2 + 16) − 5
                inPairs(237.5f, -16.5f, 16), inPairs(369.5f, -16.5f, 16),   // 16.5·(15 − l/2) − 10, then 16.5·(31 − l/2) − 10
                inPairs(-15.75f, 24f, 16), inPairs(560.25f, 24f, 16),       // 24·(l/2) − 15.75, then 24·(l/2 + 16) − 15.75
                inPairs(472.25f, -31.5f, 16), inPairs(724.25f, -31.5f, 16))); // 31.5·(15 − l/2) − 0.25, then 31.5·(31 − l/2) − 0.25
    }

    @Test
    void q6_KWeightJHasSignedScaleJOver16() {
        // Quant of weight j = j % 64, so weight j is d · scales[j / 16] · (j % 64 − 32).
        int[] quants = new int[256];
        for (int j = 0; j < 256; j++) {
            quants[j] = j % 64;
        }
        ByteBuffer bytes = TensorBytes.block(210);
        bytes.put(q6Bits(quants));
        int[] scales = {1, -1, 2, -128, 127, 3, -3, 10, 5, -7, 64, -64, 0, 1, 100, -2};
        for (int scale : scales) {
            bytes.put((byte) scale);
        }
        bytes.putShort((short) 0x3400); // d = 0.25
        float[][] subBlocks = new float[16][];
        for (int s = 0; s < 16; s++) {
            // Quants 16·(s % 4) .. 16·(s % 4) + 15, minus 32. Scale 0 gives -0.0 for negative quants.
            subBlocks[s] = scaled(0.25f * scales[s], climb(16 * (s % 4) - 32, 16));
        }
        assertWeights(GgmlType.Q6_K, bytes, concat(subBlocks));
    }

    @Test
    void q3_KScalesAreSixBitsWithABiasOf32AndAClearThirdBitMeansMinusFour() {
        // Scales (value + 32): {-32, 31, 1, -1, 0, 17, -17, 16, -16, 5, 9, -9, 30, -30, 2, 15}
        //   biased:            { 0, 63, 33, 31, 32, 49, 15, 48, 16, 37, 41, 23, 62,  2, 34, 47}
        //   bytes 0-7:  low nibble of s[0..7] | low nibble of s[8..15] << 4
        //               = 0|0<<4, 15|5<<4, 1|9<<4, 15|7<<4, 0|14<<4, 1|2<<4, 15|2<<4, 0|15<<4
        //   bytes 8-11: byte 8 + i holds bits 4-5 of s[i], s[4 + i], s[8 + i], s[12 + i] at bits 0, 2, 4, 6
        //               = 0|2<<2|1<<4|3<<6, 3|3<<2|2<<4|0<<6, 2|0<<2|2<<4|2<<6, 1|3<<2|1<<4|2<<6
        byte[] scales = bytes(0x00, 0x5F, 0x91, 0x7F, 0xE0, 0x21, 0x2F, 0xF0, 0xD8, 0x2F, 0xA2, 0x9D);
        int[] values = {-32, 31, 1, -1, 0, 17, -17, 16, -16, 5, 9, -9, 30, -30, 2, 15};
        ByteBuffer bytes = TensorBytes.block(2 * 110);
        // Block 0: d = 0.5, every sub-block's quants climb 0..7 twice; block 1: d = -0.25, in pairs.
        putQ3Block(bytes, Q3_CLIMB, scales, (short) 0x3800);
        putQ3Block(bytes, Q3_PAIRS, scales, (short) 0xB400);
        float[][] subBlocks = new float[32][];
        for (int s = 0; s < 16; s++) {
            subBlocks[s] = scaled(0.5f * values[s], Q3_CLIMB);
            subBlocks[16 + s] = scaled(-0.25f * values[s], Q3_PAIRS);
        }
        assertWeights(GgmlType.Q3_K, bytes, concat(subBlocks));
    }

    @Test
    void q2_KEachScaleByteIsAScaleNibbleAndAMinimumNibble() {
        // Byte s = scale[s] | min[s] << 4; (scale, min) = (1,0) (15,15) (2,1) (0,2) (15,3) (3,15) (5,7)
        // (10,5) (12,0) (0,12) (9,9) (8,1) (1,8) (14,4) (4,14) (6,6).
        byte[] scales = bytes(0x01, 0xFF, 0x12, 0x20, 0x3F, 0xF3, 0x75, 0x5A, 0x0C, 0xC0, 0x99, 0x18, 0x81, 0x4E, 0xE4,
                0x66);
        int[] scale = {1, 15, 2, 0, 15, 3, 5, 10, 12, 0, 9, 8, 1, 14, 4, 6};
        int[] min = {0, 15, 1, 2, 3, 15, 7, 5, 0, 12, 9, 1, 8, 4, 14, 6};
        int[] climb = {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3};
        int[] inFours = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3};
        ByteBuffer bytes = TensorBytes.block(2 * 84);
        // Block 0: d = 0.5, dmin = 0.25, quants 0..3 climbing; block 1: d = 1, dmin = -0.5, in fours.
        bytes.put(scales).put(q2Bits(repeatPerSubBlock(climb))).putShort((short) 0x3800).putShort((short) 0x3400);
        bytes.put(scales).put(q2Bits(repeatPerSubBlock(inFours))).putShort((short) 0x3C00).putShort((short) 0xB800);
        float[][] subBlocks = new float[32][];
        for (int s = 0; s < 16; s++) {
            subBlocks[s] = affine(0.5f * scale[s], 0.25f * min[s], climb);
            subBlocks[16 + s] = affine(scale[s], -0.5f * min[s], inFours);
        }
        assertWeights(GgmlType.Q2_K, bytes, concat(subBlocks));
    }

    @Test
    void q8_KHasAnF32ScaleAndItsGroupSumsAreNotPartOfTheWeights() {
        ByteBuffer bytes = TensorBytes.block(292);
        bytes.putFloat(-0.125f);
        for (int j = 0; j < 256; j++) {
            bytes.put((byte) (j - 128));
        }
        for (int group = 0; group < 16; group++) {
            bytes.putShort((short) 0x7FFF); // deliberately wrong sums: decoding must not read them
        }
        assertWeights(GgmlType.Q8_K, bytes, scaled(-0.125f, climb(-128, 256)));
    }

    /**
     * One Q3_K super-block whose 16 sub-blocks all have the quants {@code pattern} (q − 4). Weight
     * 128h + 32g + l keeps its low 2 bits at bits 2g of qs[32h + l] and its third bit at bit 4h + g
     * of hmask[l], as the class comment of {@link Q3_KTensor} describes.
     */
    private static void putQ3Block(ByteBuffer out, int[] pattern, byte[] scales, short d) {
        int[] quants = repeatPerSubBlock(pattern);
        byte[] hmask = new byte[32];
        for (int j = 0; j < 256; j++) {
            int q = quants[j] + 4;
            hmask[j % 32] |= (byte) ((q >> 2) << (j / 32));
            quants[j] = q & 3;
        }
        out.put(hmask).put(q2Bits(quants)).put(scales).putShort(d);
    }

    /** 2-bit quants (0..3) of 256 weights in the Q2_K/Q3_K order: weight 128h + 32g + l at bits 2g of byte 32h + l. */
    private static byte[] q2Bits(int[] quants) {
        byte[] qs = new byte[64];
        for (int j = 0; j < 256; j++) {
            qs[j / 128 * 32 + j % 32] |= (byte) (quants[j] << (2 * (j % 128 / 32)));
        }
        return qs;
    }

    /**
     * ql and qh of 6-bit quants (0..63) in the Q6_K order: weight 128h + 32g + l has its low nibble
     * in ql[64h + l + 32(g & 1)] (low half for g < 2) and its top 2 bits at bits 2g of qh[32h + l].
     */
    private static byte[] q6Bits(int[] quants) {
        byte[] bits = new byte[128 + 64];
        for (int j = 0; j < 256; j++) {
            int half = j / 128;
            int g = j % 128 / 32;
            int l = j % 32;
            bits[64 * half + l + 32 * (g & 1)] |= (byte) ((quants[j] & 0x0F) << (g < 2 ? 0 : 4));
            bits[128 + 32 * half + l] |= (byte) ((quants[j] >> 4) << (2 * g));
        }
        return bits;
    }

    private static int[] repeatPerSubBlock(int[] pattern) {
        int[] all = new int[256];
        for (int j = 0; j < 256; j++) {
            all[j] = pattern[j % 16];
        }
        return all;
    }

    /** {@code scale · q} for each quant: how the symmetric types decode (the sign of a zero included). */
    private static float[] scaled(float scale, int... quants) {
        float[] weights = new float[quants.length];
        for (int i = 0; i < quants.length; i++) {
            weights[i] = scale * quants[i];
        }
        return weights;
    }

    /** {@code scale · q − min} for each quant: how the types with a minimum decode. */
    private static float[] affine(float scale, float min, int... quants) {
        float[] weights = new float[quants.length];
        for (int i = 0; i < quants.length; i++) {
            weights[i] = scale * quants[i] - min;
        }
        return weights;
    }

    private static int[] climb(int first, int count) {
        int[] values = new int[count];
        for (int i = 0; i < count; i++) {
            values[i] = first + i;
        }
        return values;
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }
}
