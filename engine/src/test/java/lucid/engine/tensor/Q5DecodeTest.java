package lucid.engine.tensor;

import static lucid.engine.tensor.KnownWeights.assertWeights;
import static lucid.engine.tensor.KnownWeights.concat;
import static lucid.engine.tensor.KnownWeights.repeat;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/**
 * Q5_0 and Q5_1 blocks built by hand. The fifth bits are set in an irregular pattern (bits 0, 1,
 * 16 and 31 of qh) so that taking weight j's bit from anywhere but bit j of the little-endian
 * uint32 shows up.
 */
class Q5DecodeTest {

    /** qs for the irregular block: byte j has nibble j in both halves, so weights j and j + 16 share a nibble. */
    private static void putSameNibbles(ByteBuffer bytes) {
        for (int j = 0; j < 16; j++) {
            bytes.put((byte) (j | j << 4));
        }
    }

    @Test
    void q5_0FifthBitOfWeightJIsBitJOfQh() {
        ByteBuffer bytes = TensorBytes.block(2 * 22);
        // Block 0: d = 1; qh bits 0, 1, 16, 31.
        bytes.putShort((short) 0x3C00).putInt(0x8001_0003);
        putSameNibbles(bytes);
        // Block 1: d = -0.5; all nibbles 15; fifth bits only on weights 16..31.
        bytes.putShort((short) 0xB800).putInt(0xFFFF_0000);
        for (int j = 0; j < 16; j++) {
            bytes.put((byte) 0xFF);
        }
        assertWeights(GgmlType.Q5_0, bytes, concat(
                // (nibble | bit << 4) - 16: weights 0 and 1 have the bit, 2..15 do not.
                new float[] {0, 1, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1},
                // Weight 16 (nibble 0) and 31 (nibble 15) have the bit, 17..30 do not.
                new float[] {0, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, 15},
                repeat(0.5f, 16),      // (15 - 16) * -0.5
                repeat(-7.5f, 16)));   // (31 - 16) * -0.5
    }

    @Test
    void q5_1WeightsAreFiveBitQuantTimesScalePlusMinimum() {
        ByteBuffer bytes = TensorBytes.block(2 * 24);
        // Block 0: d = 0.5, m = 2; same qh and nibbles as the Q5_0 block above.
        bytes.putShort((short) 0x3800).putShort((short) 0x4000).putInt(0x8001_0003);
        putSameNibbles(bytes);
        // Block 1: d = 2^-24 (smallest f16 subnormal), m = -0.0; nibbles 0; fifth bit on even weights.
        bytes.putShort((short) 0x0001).putShort((short) 0x8000).putInt(0x5555_5555);
        for (int j = 0; j < 16; j++) {
            bytes.put((byte) 0);
        }
        float[] alternating = new float[32];
        for (int j = 0; j < 32; j += 2) {
            alternating[j] = 0x1p-20f;   // 16 * 2^-24 + -0.0
            // odd j: 0 * 2^-24 + -0.0 = +0.0, the array's default
        }
        assertWeights(GgmlType.Q5_1, bytes, concat(
                // q * 0.5 + 2 with q = 16, 17, 2, 3, ... 15
                new float[] {10, 10.5f, 3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7, 7.5f, 8, 8.5f, 9, 9.5f},
                // q = 16, 1, 2, 3, ... 14, 31
                new float[] {10, 2.5f, 3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7, 7.5f, 8, 8.5f, 9, 17.5f},
                alternating));
    }
}
