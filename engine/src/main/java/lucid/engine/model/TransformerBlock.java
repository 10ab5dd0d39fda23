package lucid.engine.model;

import lucid.engine.backend.Backend;

/**
 * One decoder block: {@code x = x + post(attn(norm(x))); x = x + post(ffn(norm(x)))}, where the
 * post-norms exist only in some architectures (Gemma 2, 3).
 */
public final class TransformerBlock {

    private final int layer;
    private final BlockNorms norms;
    private final Attention attention;
    private final FeedForward feedForward;

    public TransformerBlock(int layer, BlockNorms norms, Attention attention, FeedForward feedForward) {
        this.layer = layer;
        this.norms = norms;
        this.attention = attention;
        this.feedForward = feedForward;
    }

    public void forward(Backend backend, ForwardState s, KvCache cache, int pos) {
        norms.attention().apply(s.xb, s.x);
        attention.forward(backend, s, cache, layer, pos);
        if (norms.postAttention() != null) {
            norms.postAttention().apply(s.xb2, s.xb2);
        }
        addInPlace(s.x, s.xb2);
        norms.feedForward().apply(s.xb, s.x);
        feedForward.forward(backend, s);
        if (norms.postFeedForward() != null) {
            norms.postFeedForward().apply(s.xb2, s.xb2);
        }
        addInPlace(s.x, s.xb2);
    }

    private static void addInPlace(float[] x, float[] delta) {
        for (int i = 0; i < x.length; i++) {
            x[i] += delta[i];
        }
    }
}
