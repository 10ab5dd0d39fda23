package lucid.engine.model;

/**
 * Rotary position embedding as a file describes it.
 *
 * @param theta      frequency base ({@code rope.freq_base})
 * @param dimensions leading dimensions of each head that are rotated ({@code rope.dimension_count})
 * @param type       which pairs are rotated together
 * @param scaling    how positions are stretched past the original context
 * @param attnFactor {@code rope.scaling.attn_factor}: ggml multiplies cos and sin by it (1 for most models)
 */
public record RopeConfig(float theta, int dimensions, RopeType type, RopeScaling scaling, float attnFactor) {

    public RopeConfig {
        if (!(theta > 0) || !Float.isFinite(theta)) {
            throw new UnsupportedModelException("rope.freq_base must be a positive number, got " + theta);
        }
        if (!(attnFactor > 0) || !Float.isFinite(attnFactor)) {
            throw new UnsupportedModelException("rope.scaling.attn_factor must be a positive number, got " + attnFactor);
        }
    }

    /** Plain RoPE: no scaling. */
    public static RopeConfig plain(float theta, int dimensions, RopeType type) {
        return new RopeConfig(theta, dimensions, type, new RopeScaling.None(), 1f);
    }

    /** The same rotation with another base and no scaling: Gemma 3's sliding-window layers. */
    public RopeConfig unscaledWithBase(float base) {
        return new RopeConfig(base, dimensions, type, new RopeScaling.None(), 1f);
    }
}
