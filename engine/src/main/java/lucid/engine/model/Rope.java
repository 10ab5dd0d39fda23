package lucid.engine.model;

/**
 * Rotary position embedding. Within each head, the first {@code rotatedDims} dimensions are split
 * into pairs and pair {@code i} is rotated by an angle that grows with the position; which
 * dimensions form a pair depends on the {@link RopeType}.
 *
 * <p>The angles are computed the way ggml's {@code ggml_rope_cache_init} computes them, so that they
 * stay bit-close to llama.cpp: {@code theta} starts at the position and is multiplied by
 * {@code base^(-2/rotatedDims)} once per pair (in float); pair {@code i} uses {@code theta / ff[i]}
 * (llama 3's {@code rope_freqs} or Phi-3's LongRoPE factors, else 1), divided by the scaling factor
 * and, for YaRN, blended back toward the undivided angle by a per-dimension ramp. cos and sin carry
 * the magnitude correction (llama.cpp's {@code mscale}), so they scale q and k, and the attention
 * logits by its square.
 */
public final class Rope {

    private final int headDim;
    private final int rotatedDims;
    private final RopeType type;
    private final float thetaScale;
    private final float frequencyScale;
    private final float extFactor;
    private final float rampLow;           // YaRN correction dims: below, the angle is kept
    private final float rampHigh;          // above, the angle is fully interpolated
    private final float magnitude;         // mscale
    private final float[] frequencyFactors; // (rotatedDims / 2), or null

    /** Plain RoPE with the given base. */
    public Rope(int headDim, int rotatedDims, float base, RopeType type) {
        this(headDim, RopeConfig.plain(base, rotatedDims, type), null);
    }

    /**
     * @param frequencyFactors (rotatedDims / 2) per-pair divisors of the angle, or null
     */
    public Rope(int headDim, RopeConfig config, float[] frequencyFactors) {
        this.headDim = headDim;
        this.rotatedDims = config.dimensions();
        this.type = config.type();
        if (frequencyFactors != null && frequencyFactors.length != rotatedDims / 2) {
            throw new UnsupportedModelException("RoPE frequency factors have " + frequencyFactors.length
                    + " entries, expected " + rotatedDims / 2);
        }
        this.frequencyFactors = frequencyFactors == null ? null : frequencyFactors.clone();
        this.thetaScale = (float) Math.pow(config.theta(), -2.0 / rotatedDims);
        RopeScaling scaling = config.scaling();
        this.frequencyScale = scaling.frequencyScale();
        this.extFactor = scaling.extrapolationFactor();
        float mscale = config.attnFactor();
        if (scaling instanceof RopeScaling.Yarn y) {
            float[] corr = yarnCorrectionDims(rotatedDims, y.originalContext(), config.theta(), y.betaFast(), y.betaSlow());
            rampLow = corr[0];
            rampHigh = corr[1];
            if (extFactor != 0f) {
                // llama.cpp's net magnitude: its context sets the attention factor to mscale(f, 1)
                // [/ mscale(f, log_mul)] and divides out the 1 + 0.1 ln(f) its rope kernel multiplies back in.
                mscale *= y.logMultiplier() != 0f
                        ? yarnMagnitude(y.factor(), 1f) / yarnMagnitude(y.factor(), y.logMultiplier())
                        : yarnMagnitude(y.factor(), 1f);
            }
        } else {
            rampLow = 0f;
            rampHigh = 0f;
        }
        this.magnitude = mscale;
    }

    /** YaRN's {@code get_mscale}: 1 + 0.1 * m * ln(scale) for scale above 1. */
    static float yarnMagnitude(float scale, float m) {
        return scale <= 1f ? 1f : 0.1f * m * (float) Math.log(scale) + 1f;
    }

    /**
     * ggml's {@code ggml_rope_yarn_corr_dims}: the dimensions whose wavelength fits {@code betaFast}
     * and {@code betaSlow} turns into the original context, floored/ceiled and clamped to the head.
     */
    static float[] yarnCorrectionDims(int dims, int originalContext, float base, float betaFast, float betaSlow) {
        float start = (float) Math.floor(yarnCorrectionDim(dims, originalContext, betaFast, base));
        float end = (float) Math.ceil(yarnCorrectionDim(dims, originalContext, betaSlow, base));
        return new float[] {Math.max(0f, start), Math.min(dims - 1, end)};
    }

    /** The dimension at which a pair turns {@code rotations} times over {@code originalContext} positions. */
    private static float yarnCorrectionDim(int dims, int originalContext, float rotations, float base) {
        return dims * (float) Math.log(originalContext / (rotations * 2 * (float) Math.PI)) / (2 * (float) Math.log(base));
    }

    public int rotatedDims() {
        return rotatedDims;
    }

    /** Fills {@code cos} and {@code sin} (each rotatedDims / 2) for one position; shared by all heads. */
    public void angles(int pos, float[] cos, float[] sin) {
        float theta = pos;
        int half = rotatedDims / 2;
        for (int i = 0; i < half; i++) {
            float extrapolated = frequencyFactors == null ? theta : theta / frequencyFactors[i];
            float interpolated = frequencyScale * extrapolated;
            float angle = interpolated;
            if (extFactor != 0f) {
                float rampMix = ramp(i) * extFactor;
                angle = interpolated * (1 - rampMix) + extrapolated * rampMix;
            }
            cos[i] = (float) Math.cos(angle) * magnitude;
            sin[i] = (float) Math.sin(angle) * magnitude;
            theta *= thetaScale;
        }
    }

    /** YaRN's ramp for pair {@code i}: 1 below the low correction dim, 0 above the high one. */
    private float ramp(int i) {
        float y = (i - rampLow) / Math.max(0.001f, rampHigh - rampLow);
        return 1 - Math.min(1, Math.max(0, y));
    }

    /** Rotates {@code heads} consecutive heads of {@code v} starting at {@code offset}, in place. */
    public void rotate(float[] v, int offset, int heads, float[] cos, float[] sin) {
        rotate(v, offset, heads, cos, sin, 0);
    }

    /**
     * As {@link #rotate(float[], int, int, float[], float[])} with the angles at
     * {@code cos[angleOffset ..]} and {@code sin[angleOffset ..]}: how a batch gives each token its own.
     */
    public void rotate(float[] v, int offset, int heads, float[] cos, float[] sin, int angleOffset) {
        int half = rotatedDims / 2;
        for (int h = 0; h < heads; h++) {
            int base = offset + h * headDim;
            for (int i = 0; i < half; i++) {
                int a;
                int b;
                if (type == RopeType.NORMAL) {
                    a = base + 2 * i;
                    b = a + 1;
                } else {
                    a = base + i;
                    b = base + i + half;
                }
                float x0 = v[a];
                float x1 = v[b];
                float c = cos[angleOffset + i];
                float sn = sin[angleOffset + i];
                v[a] = x0 * c - x1 * sn;
                v[b] = x0 * sn + x1 * c;
            }
        }
    }
}
