package lucid.engine.model;

/**
 * How a model stretches RoPE past the context it was first trained on, read from
 * {@code <arch>.rope.scaling.*}. Every kind but {@link None} divides the rotation angles by
 * {@code factor} ({@code freq_scale = 1 / factor} in llama.cpp); YaRN then mixes the divided and
 * undivided angle per dimension and scales the attention logits.
 */
public sealed interface RopeScaling {

    /** Multiplier of every angle before any per-dimension correction. */
    float frequencyScale();

    /** llama.cpp's {@code ext_factor}: how much of YaRN's per-dimension ramp applies (0 = none). */
    default float extrapolationFactor() {
        return 0f;
    }

    /** Name as {@code rope.scaling.type} spells it. */
    String typeName();

    /** Positions are used as they are. */
    record None() implements RopeScaling {
        @Override
        public float frequencyScale() {
            return 1f;
        }

        @Override
        public String typeName() {
            return "none";
        }
    }

    /** Position interpolation: every angle divided by {@code factor}. */
    record Linear(float factor) implements RopeScaling {
        public Linear {
            requirePositive(factor);
        }

        @Override
        public float frequencyScale() {
            return 1f / factor;
        }

        @Override
        public String typeName() {
            return "linear";
        }
    }

    /**
     * YaRN (Peng et al. 2023) as ggml computes it: dimensions that turn fewer than
     * {@code betaSlow} times over {@code originalContext} positions are interpolated, those that turn
     * more than {@code betaFast} times keep their angle, with a linear ramp between; cos and sin are
     * multiplied by {@code 1 + 0.1 ln(factor)} so the attention logits keep their sharpness.
     *
     * @param extFactor     weight of the ramp (llama.cpp's {@code ext_factor}; 1 unless the file says)
     * @param logMultiplier {@code rope.scaling.yarn_log_multiplier}; when set, the magnitude correction
     *                      is divided by {@code 1 + 0.1 * logMultiplier * ln(factor)} as llama.cpp does
     */
    record Yarn(float factor, int originalContext, float extFactor, float betaFast, float betaSlow,
                float logMultiplier) implements RopeScaling {
        public Yarn {
            requirePositive(factor);
            if (originalContext <= 0) {
                throw new UnsupportedModelException("rope.scaling.original_context_length must be positive, got "
                        + originalContext);
            }
        }

        @Override
        public float frequencyScale() {
            return 1f / factor;
        }

        @Override
        public float extrapolationFactor() {
            return extFactor;
        }

        @Override
        public String typeName() {
            return "yarn";
        }
    }

    /**
     * Phi-3's LongRoPE: per-dimension factors from the tensors {@code rope_factors_short} and
     * {@code rope_factors_long}. Lucid uses the short factors, so such a model runs at its original
     * context (see {@link ModelConfig#contextLength()}).
     */
    record LongRope(float factor, int originalContext) implements RopeScaling {
        public LongRope {
            requirePositive(factor);
        }

        @Override
        public float frequencyScale() {
            return 1f / factor;
        }

        @Override
        public String typeName() {
            return "longrope";
        }
    }

    private static void requirePositive(float factor) {
        if (!(factor > 0) || !Float.isFinite(factor)) {
            throw new UnsupportedModelException("rope.scaling.factor must be a positive number, got " + factor);
        }
    }
}
