package lucid.engine.model;

/**
 * How attention scores are formed: {@code score = softcap(q . k * queryScale)}, then masked by the
 * causal mask and the sliding window.
 *
 * @param queryScale    multiplier of q . k (1 / sqrt(head_dim) for most models)
 * @param logitSoftcap  c in {@code c * tanh(score / c)} (Gemma 2's attn_logit_softcapping); 0 = none
 * @param slidingWindow which layers see only recent keys
 */
public record AttentionConfig(float queryScale, float logitSoftcap, SlidingWindow slidingWindow) {

    public AttentionConfig {
        if (!(queryScale > 0) || !Float.isFinite(queryScale)) {
            throw new UnsupportedModelException("attention scale must be a positive number, got " + queryScale);
        }
        if (logitSoftcap < 0 || !Float.isFinite(logitSoftcap)) {
            throw new UnsupportedModelException("attn_logit_softcapping must not be negative, got " + logitSoftcap);
        }
    }

    public static AttentionConfig standard(int headDim) {
        return new AttentionConfig((float) (1.0 / Math.sqrt(headDim)), 0f, SlidingWindow.NONE);
    }

    public AttentionConfig withQueryScale(float scale) {
        return new AttentionConfig(scale, logitSoftcap, slidingWindow);
    }

    public AttentionConfig withLogitSoftcap(float cap) {
        return new AttentionConfig(queryScale, cap, slidingWindow);
    }

    public AttentionConfig withSlidingWindow(SlidingWindow window) {
        return new AttentionConfig(queryScale, logitSoftcap, window);
    }
}
