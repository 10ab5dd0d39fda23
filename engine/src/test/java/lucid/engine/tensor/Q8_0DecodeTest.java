package lucid.engine.tensor;

import static lucid.engine.tensor.KnownWeights.assertWeights;
import static lucid.engine.tensor.KnownWeights.concat;
import static lucid.engine.tensor.KnownWeights.run;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/** Q8_0 blocks built by hand, with weights worked out by hand. */
class Q8_0DecodeTest {

    @Test
    void weightsAreSignedBytesTimesScale() {
        ByteBuffer bytes = TensorBytes.block(2 * 34);
        // Block 0: d = 0.125; q_j = 8j - 128, so weight j = j - 16.
        bytes.putShort((short) 0x3000);
        for (int j = 0; j < 32; j++) {
            bytes.put((byte) (8 * j - 128));
        }
        // Block 1: d = -1023 * 2^-24, the largest negative f16 subnormal; q alternates 127, -128.
        bytes.putShort((short) 0x83FF);
        float[] extremes = new float[32];
        for (int j = 0; j < 32; j++) {
            bytes.put((byte) (j % 2 == 0 ? 127 : -128));
            extremes[j] = j % 2 == 0 ? -129921 * 0x1p-24f : 130944 * 0x1p-24f; // 127 * -1023, -128 * -1023
        }
        assertWeights(GgmlType.Q8_0, bytes, concat(run(-16f, 1f, 32), extremes));
    }
}
