package lucid.engine.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * The attention's vector helpers against plain loops, at every width the build forces (the
 * *ParityTest executions), over head sizes with and without a scalar tail.
 *
 * <p>Tolerance: {@link Attention#dot} reorders a float sum of n products, so it is within
 * {@code 2 gamma(n) sum|a_i b_i|} of the loop (gamma(n) = n u / (1 - n u), u = 2^-24);
 * {@link Attention#addScaled} fuses one multiply-add, which rounds once instead of twice: at most
 * {@code u |w v| + 2 u |out + w v|} apart per element (the loop rounds the product, then the sum;
 * the fused form rounds the exact sum once).
 */
class AttentionKernelsParityTest {

    private static final double U = 0x1p-24;

    @Test
    void dotAndAddScaledMatchPlainLoops() {
        SplittableRandom random = new SplittableRandom(11);
        for (int n : new int[] {1, 3, 16, 64, 80, 128, 250, 256}) {
            float[] a = new float[n + 5];
            float[] b = new float[n + 7];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) random.nextGaussian();
            }
            float loop = 0f;
            double magnitude = 0;
            for (int i = 0; i < n; i++) {
                loop += a[5 + i] * b[7 + i];
                magnitude += Math.abs((double) a[5 + i] * b[7 + i]);
            }
            double gamma = n * U / (1 - n * U);
            float fast = Attention.dot(a, 5, b, 7, n);
            assertTrue(Math.abs(fast - loop) <= 2 * gamma * magnitude + Float.MIN_NORMAL,
                    "dot of " + n + ": " + fast + " vs " + loop);

            float w = (float) random.nextGaussian();
            float[] out = a.clone();
            float[] expected = a.clone();
            Attention.addScaled(out, 5, b, 7, w, n);
            for (int i = 0; i < n; i++) {
                expected[5 + i] += w * b[7 + i];
            }
            for (int i = 0; i < out.length; i++) {
                double product = Math.abs((double) w * (i >= 5 && i < 5 + n ? b[2 + i] : 0));
                double bound = U * (product + 2 * Math.abs(expected[i])) + Float.MIN_NORMAL;
                assertTrue(Math.abs(out[i] - expected[i]) <= bound,
                        "addScaled of " + n + " at " + i + ": " + out[i] + " vs " + expected[i]);
            }
        }
    }
}
