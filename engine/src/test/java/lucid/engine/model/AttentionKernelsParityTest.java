package lucid.engine.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * The attention's vector helpers against plain loops, at every width the build forces (the
 * *ParityTest executions), over head sizes with and without a scalar tail.
 *
 * <p>Tolerance: {@link Attention#weightedSum} sums the same products per output as the loop, in
 * another order and with fused multiply-adds, so it is within {@code 2 gamma(rows) sum|w_t v_t|} of
 * it (gamma(n) = n u / (1 - n u), u = 2^-24). The scores are checked with the whole decode step in
 * {@link DecodeAttentionParityTest}.
 */
class AttentionKernelsParityTest {

    private static final double U = 0x1p-24;

    @Test
    void weightedSumMatchesPlainLoops() {
        SplittableRandom random = new SplittableRandom(11);
        for (int n : new int[] {1, 3, 16, 64, 80, 128, 250, 256}) {
            // Weighted sum of 7 rows of width n (stride n + 3), weights from position 2 on.
            int rows = 7;
            int stride = n + 3;
            float[] v = new float[rows * stride + 1];
            float[] w = new float[rows + 2];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) random.nextDouble();
            }
            float[] out = new float[n + 4];
            java.util.Arrays.fill(out, 42f);
            Attention.weightedSum(w, 2, 0, rows - 1, v, stride, 1, out, 3, n);
            double rowGamma = rows * U / (1 - rows * U);
            for (int i = 0; i < out.length; i++) {
                if (i < 3 || i >= 3 + n) {
                    assertTrue(out[i] == 42f, "weightedSum wrote outside its range at " + i);
                    continue;
                }
                float expected = 0f;
                double mag = 0;
                for (int t = 0; t < rows; t++) {
                    expected += w[2 + t] * v[t * stride + 1 + i - 3];
                    mag += Math.abs((double) w[2 + t] * v[t * stride + 1 + i - 3]);
                }
                assertTrue(Math.abs(out[i] - expected) <= 2 * rowGamma * mag + Float.MIN_NORMAL,
                        "weightedSum of " + n + " at " + i + ": " + out[i] + " vs " + expected);
            }
        }
    }

    /**
     * The softmax exponentials and the gated activations in vector lanes against {@link Math}: the
     * Vector API's exp and tanh are allowed an ulp or two, so each value is checked to a relative
     * 1e-6 (about 8 ulps of a float), over lengths with and without a scalar tail.
     */
    @Test
    void exponentialsAndActivationsMatchMath() {
        SplittableRandom random = new SplittableRandom(5);
        for (int n : new int[] {1, 7, 16, 33, 64, 250}) {
            float[] a = new float[n + 3];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextDouble(-30, 5);
            }
            float shift = 4.5f;
            float[] e = a.clone();
            float sum = Attention.expShifted(e, 3, n, shift);
            double want = 0;
            for (int i = 0; i < a.length; i++) {
                if (i < 3) {
                    assertTrue(e[i] == a[i], "expShifted wrote before its range at " + i);
                    continue;
                }
                double x = Math.exp(a[i] - shift);
                want += x;
                assertTrue(Math.abs(e[i] - x) <= 1e-6 * x + Float.MIN_NORMAL, "exp at " + i + ": " + e[i] + " vs " + x);
            }
            assertTrue(Math.abs(sum - want) <= 1e-5 * want, "sum " + sum + " vs " + want);

            for (GatedFeedForward.Activation act : GatedFeedForward.Activation.values()) {
                float[] gate = new float[n + 3];
                float[] up = new float[n + 3];
                for (int i = 0; i < gate.length; i++) {
                    gate[i] = (float) random.nextDouble(-12, 12);
                    up[i] = (float) random.nextGaussian();
                }
                float[] got = gate.clone();
                act.applyGated(got, up, 2, 2 + n);
                for (int i = 0; i < gate.length; i++) {
                    float expected = i >= 2 && i < 2 + n ? act.apply(gate[i]) * up[i] : gate[i];
                    assertTrue(Math.abs(got[i] - expected) <= 1e-6 * Math.abs(expected) + 1e-12,
                            act + " at " + i + ": " + got[i] + " vs " + expected);
                }
            }
        }
    }
}
