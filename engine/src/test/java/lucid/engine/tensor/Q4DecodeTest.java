package lucid.engine.tensor;

import static lucid.engine.tensor.KnownWeights.assertWeights;
import static lucid.engine.tensor.KnownWeights.concat;
import static lucid.engine.tensor.KnownWeights.repeat;
import static lucid.engine.tensor.KnownWeights.run;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/** Q4_0 and Q4_1 blocks built by hand, with weights worked out by hand. */
class Q4DecodeTest {

    @Test
    void q4_0NibblesAreCentredOnEightAndHighNibblesAreTheSecondHalf() {
        ByteBuffer bytes = TensorBytes.block(2 * 18);
        // Block 0: d = 0.5; byte j = low nibble j, high nibble 15 - j.
        bytes.putShort((short) 0x3800);
        for (int j = 0; j < 16; j++) {
            bytes.put((byte) (j | (15 - j) << 4));
        }
        // Block 1: d = -2^-24, the smallest negative f16 subnormal; low nibbles 0, high nibbles 15.
        bytes.putShort((short) 0x8001);
        for (int j = 0; j < 16; j++) {
            bytes.put((byte) 0xF0);
        }
        assertWeights(GgmlType.Q4_0, bytes, concat(
                run(-4.0f, 0.5f, 16),           // (j - 8) * 0.5: -4.0, -3.5, ... 3.5
                run(3.5f, -0.5f, 16),           // (7 - j) * 0.5: 3.5, 3.0, ... -4.0
                repeat(0x1p-21f, 16),           // (0 - 8) * -2^-24
                repeat(-7 * 0x1p-24f, 16)));    // (15 - 8) * -2^-24
    }

    @Test
    void q4_1WeightsAreNibbleTimesScalePlusMinimum() {
        ByteBuffer bytes = TensorBytes.block(2 * 20);
        // Block 0: d = 0.25, m = -1.0; byte j = low nibble j, high nibble 15 - j.
        bytes.putShort((short) 0x3400).putShort((short) 0xBC00);
        for (int j = 0; j < 16; j++) {
            bytes.put((byte) (j | (15 - j) << 4));
        }
        // Block 1: d = 2^-15 (an f16 subnormal, 0x200 * 2^-24), m = -2^-14; low nibbles 15, high 2.
        bytes.putShort((short) 0x0200).putShort((short) 0x8400);
        for (int j = 0; j < 16; j++) {
            bytes.put((byte) 0x2F);
        }
        assertWeights(GgmlType.Q4_1, bytes, concat(
                run(-1.0f, 0.25f, 16),          // j * 0.25 - 1: -1.0, -0.75, ... 2.75
                run(2.75f, -0.25f, 16),         // (15 - j) * 0.25 - 1: 2.75 ... -1.0
                repeat(13 * 0x1p-15f, 16),      // 15 * 2^-15 - 2 * 2^-15
                repeat(0f, 16)));               // 2 * 2^-15 - 2 * 2^-15
    }
}
