package lucid.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * RoPE angles against values worked out by hand from the formulas (no golden file has RoPE scaling).
 * Head of 8 dimensions, base 10000: pair i turns by pos * 10000^(-i/4), i.e. pos * {1, 0.1, 0.01, 0.001}.
 */
class RopeTest {

    static final float EPS = 2e-6f;

    static void assertAngles(Rope rope, int pos, double magnitude, double... expectedAngles) {
        float[] cos = new float[expectedAngles.length];
        float[] sin = new float[expectedAngles.length];
        rope.angles(pos, cos, sin);
        for (int i = 0; i < expectedAngles.length; i++) {
            assertEquals(magnitude * Math.cos(expectedAngles[i]), cos[i], EPS, "cos of pair " + i);
            assertEquals(magnitude * Math.sin(expectedAngles[i]), sin[i], EPS, "sin of pair " + i);
        }
    }

    static RopeConfig config(RopeScaling scaling) {
        return new RopeConfig(10_000f, 8, RopeType.NEOX, scaling, 1f);
    }

    @Test
    void plainAnglesArePositionTimesInverseFrequency() {
        assertAngles(new Rope(8, 8, 10_000f, RopeType.NORMAL), 3, 1, 3, 0.3, 0.03, 0.003);
        assertAngles(new Rope(8, 8, 10_000f, RopeType.NORMAL), 0, 1, 0, 0, 0, 0);
    }

    @Test
    void linearScalingDividesEveryAngleByTheFactor() {
        assertAngles(new Rope(8, config(new RopeScaling.Linear(4f)), null), 8, 1, 2, 0.2, 0.02, 0.002);
    }

    @Test
    void frequencyFactorsDivideEachPairsAngle() {
        // llama 3's rope_freqs: long wavelengths slowed by up to the factor, short ones untouched.
        Rope rope = new Rope(8, config(new RopeScaling.None()), new float[] {1f, 2f, 4f, 8f});
        assertAngles(rope, 40, 1, 40, 2, 0.1, 0.005);
    }

    @Test
    void yarnCorrectionDimsFollowGgml() {
        // corr_dim(beta) = 8 ln(64 / (beta 2 pi)) / (2 ln 10000): beta 32 -> -0.497 -> floor -1 -> 0;
        // beta 1 -> 1.008 -> ceil 2.
        assertArrayEquals(new float[] {0f, 2f}, Rope.yarnCorrectionDims(8, 64, 10_000f, 32f, 1f));
        // A longer original context moves both ends up: 4096 -> 8 ln(20.37)/18.42 = 1.31 -> 1, 8 ln(651.9)/18.42 = 2.81 -> 3.
        assertArrayEquals(new float[] {1f, 3f}, Rope.yarnCorrectionDims(8, 4096, 10_000f, 32f, 1f));
    }

    @Test
    void yarnRampsFromExtrapolationToInterpolationAndScalesMagnitude() {
        // Ramp over pairs 0..2: pair 0 keeps its angle, pair 1 takes the mean of kept and divided,
        // pairs 2 and 3 are divided by 4; cos and sin carry 1 + 0.1 ln 4.
        Rope rope = new Rope(8, config(new RopeScaling.Yarn(4f, 64, 1f, 32f, 1f, 0f)), null);
        double m = 1 + 0.1 * Math.log(4);
        assertAngles(rope, 5, m, 5, 0.5 * (0.5 + 0.125), 0.05 / 4, 0.005 / 4);
    }

    @Test
    void yarnWithoutExtrapolationIsLinearInterpolationWithoutMagnitudeCorrection() {
        Rope rope = new Rope(8, config(new RopeScaling.Yarn(4f, 64, 0f, 32f, 1f, 0f)), null);
        assertAngles(rope, 8, 1, 2, 0.2, 0.02, 0.002);
    }

    @Test
    void yarnLogMultiplierDividesTheMagnitude() {
        Rope rope = new Rope(8, config(new RopeScaling.Yarn(4f, 64, 1f, 32f, 1f, 0.5f)), null);
        double m = (1 + 0.1 * Math.log(4)) / (1 + 0.05 * Math.log(4));
        assertAngles(rope, 5, m, 5, 0.5 * (0.5 + 0.125), 0.05 / 4, 0.005 / 4);
    }

    @Test
    void attnFactorScalesCosAndSin() {
        Rope rope = new Rope(8, new RopeConfig(10_000f, 8, RopeType.NEOX, new RopeScaling.None(), 1.25f), null);
        assertAngles(rope, 3, 1.25, 3, 0.3, 0.03, 0.003);
    }

    @Test
    void normalRotatesAdjacentPairsAndNeoxRotatesHalves() {
        float[] cos = {0f, 1f};
        float[] sin = {1f, 0f}; // pair 0 turns by 90 degrees, pair 1 not at all
        float[] v = {1, 2, 3, 4};
        new Rope(4, 4, 10_000f, RopeType.NORMAL).rotate(v, 0, 1, cos, sin);
        assertArrayEquals(new float[] {-2, 1, 3, 4}, v); // (v0, v1) turned
        float[] w = {1, 2, 3, 4};
        new Rope(4, 4, 10_000f, RopeType.NEOX).rotate(w, 0, 1, cos, sin);
        assertArrayEquals(new float[] {-3, 2, 1, 4}, w); // (w0, w2) turned
    }

    @Test
    void onlyTheLeadingRotatedDimsTurn() {
        float[] cos = {0f};
        float[] sin = {1f};
        float[] v = {1, 2, 3, 4, 5, 6, 7, 8}; // two heads of 4, 2 rotated dims each
        new Rope(4, RopeConfig.plain(10_000f, 2, RopeType.NEOX), null).rotate(v, 0, 2, cos, sin);
        assertArrayEquals(new float[] {-2, 1, 3, 4, -6, 5, 7, 8}, v);
    }
}
