package lucid.engine.tensor;

import static lucid.engine.tensor.KnownWeights.assertWeights;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;

/** F32, F16 and BF16 bit patterns with values worked out by hand, including the edge cases of each format. */
class PlainDecodeTest {

    @Test
    void f32IsLittleEndianIeeeSingle() {
        float[] values = {1.5f, -0f, Float.MIN_VALUE, -Float.MAX_VALUE, 0x1.921fb6p1f, 1e-3f, -7f, 0f, 42f, -0.25f, 3f};
        ByteBuffer bytes = TensorBytes.block(values.length * 4);
        for (float v : values) {
            bytes.putFloat(v);
        }
        assertWeights(GgmlType.F32, bytes, values);
    }

    @Test
    void f16NormalsSubnormalsAndZeros() {
        short[] bits = {
                0x3C00, (short) 0xC000, 0x3555, 0x7BFF, 0x0400, 0x03FF, 0x0001, (short) 0x8001, 0x0000,
                (short) 0x8000, 0x3800, (short) 0x8200, 0x5640, (short) 0xE400, 0x1400, 0x0155, 0x2E66,
                (short) 0xBC01, 0x4900};
        float[] expected = {
                1f, -2f, 0x1.554p-2f, 65504f, 0x1p-14f, 1023 * 0x1p-24f, 0x1p-24f, -0x1p-24f, 0f,
                -0f, 0.5f, -0x1p-15f, 100f, -1024f, 0x1p-10f, 341 * 0x1p-24f, 0x1.998p-4f,
                -0x1.004p0f, 10f};
        ByteBuffer bytes = TensorBytes.block(bits.length * 2);
        for (short b : bits) {
            bytes.putShort(b);
        }
        assertWeights(GgmlType.F16, bytes, expected);
    }

    /** Inf and NaN cannot go through a one-hot dot (inf * 0 is NaN), so they get sums of their own. */
    @Test
    void f16InfinitiesAndNanSurviveTheVectorPath() {
        assertEquals(Float.POSITIVE_INFINITY, sumOfHalves((short) 0x7C00));
        assertEquals(Float.NEGATIVE_INFINITY, sumOfHalves((short) 0xFC00));
        assertEquals(Float.NaN, sumOfHalves((short) 0x7E00));
        assertEquals(Float.NaN, sumOfHalves((short) 0xFC01));
    }

    /**
     * Sum of 32 copies of one f16, checked equal on every path. 32 is a whole number of vector loads
     * at every width, so no scalar tail can put the special value back.
     */
    private static float sumOfHalves(short bits) {
        int n = 32;
        ByteBuffer bytes = TensorBytes.block(n * 2);
        for (int i = 0; i < n; i++) {
            bytes.putShort(bits);
        }
        float[] ones = KnownWeights.repeat(1f, n);
        try (Arena arena = Arena.ofConfined()) {
            FloatTensor tensor = FloatTensor.wrap(GgmlType.F16, TensorBytes.place(arena, bytes.array(), 1), n);
            float vector = tensor.dotVector(0, ones, 0, n);
            assertEquals(tensor.dotReference(0, ones, 0, n), vector);
            assertEquals(vector, tensor.dotScalar(0, ones, 0, n));
            assertEquals(Float.float16ToFloat(bits), tensor.getFloat(0));
            return vector;
        }
    }

    @Test
    void bf16IsTheUpperHalfOfAnF32() {
        short[] bits = {
                0x3F80, (short) 0xC040, 0x3EAB, 0x7F7F, 0x0080, 0x0001, (short) 0x8000, 0x4049, 0x0000,
                (short) 0xBF00, 0x4780};
        float[] expected = {
                1f, -3f, 0x1.56p-2f, 0x1.FEp127f, 0x1p-126f, 0x1p-133f, -0f, 0x1.92p1f, 0f,
                -0.5f, 65536f};
        ByteBuffer bytes = TensorBytes.block(bits.length * 2);
        for (short b : bits) {
            bytes.putShort(b);
        }
        assertWeights(GgmlType.BF16, bytes, expected);
    }
}
