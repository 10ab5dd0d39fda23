package lucid.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;

/** Checks hand-built tensor bytes against weights worked out by hand, on every decoding path. */
final class KnownWeights {

    private KnownWeights() {
    }

    /**
     * Wraps {@code bytes} (placed at an odd address) as {@code type} and checks that weight i is
     * {@code expected[i]}: through getFloat and dequantize bit for bit (so -0.0 is not 0.0), and
     * through the vector and scalar dot with a one-hot x, which gives exactly that weight.
     */
    static void assertWeights(GgmlType type, ByteBuffer bytes, float... expected) {
        try (Arena arena = Arena.ofConfined()) {
            FloatTensor tensor = FloatTensor.wrap(type, TensorBytes.place(arena, bytes.array(), 1), expected.length);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], tensor.getFloat(i), type + " getFloat(" + i + ")");
            }
            float[] decoded = new float[expected.length];
            tensor.dequantize(0, decoded, 0, expected.length);
            assertArrayEquals(expected, decoded, type + " dequantize");

            float[] x = new float[expected.length];
            for (int i = 0; i < expected.length; i++) {
                x[i] = 1f;
                assertEquals(expected[i], tensor.dotVector(0, x, 0, x.length), 0f, type + " dotVector, one-hot " + i);
                assertEquals(expected[i], tensor.dotScalar(0, x, 0, x.length), 0f, type + " dotScalar, one-hot " + i);
                assertEquals(expected[i], tensor.dot(0, x, 0, x.length), 0f, type + " dot, one-hot " + i);
                x[i] = 0f;
            }
        }
    }

    /** Weights {@code first, first + step, ...}, {@code count} of them, for runs that are easy to check by eye. */
    static float[] run(float first, float step, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = first + i * step;
        }
        return values;
    }

    /** Weights {@code first, first, first + step, first + step, ...}: each value twice, {@code count} in all. */
    static float[] inPairs(float first, float step, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = first + i / 2 * step;
        }
        return values;
    }

    static float[] concat(float[]... parts) {
        int length = 0;
        for (float[] part : parts) {
            length += part.length;
        }
        float[] all = new float[length];
        int at = 0;
        for (float[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    static float[] repeat(float value, int count) {
        return run(value, 0f, count);
    }
}
