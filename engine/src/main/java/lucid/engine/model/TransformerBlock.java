package lucid.engine.model;

import lucid.engine.backend.Backend;

/**
 * One decoder block: {@code x = x + post(attn(norm(x))); x = x + post(ffn(norm(x)))}, where the
 * post-norms exist only in some architectures (Gemma 2, 3). {@link #forward} runs one token (decode),
 * {@link #forwardBatch} a chunk of prompt tokens with the same arithmetic per row.
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
        finish(backend, s);
    }

    // The rest of the block for one token whose attention output is in s.xb2 and residual in s.x.
    private void finish(Backend backend, ForwardState s) {
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

    /**
     * The same block for {@code batch} consecutive tokens at once: rows of {@code bs.x} (batch, dim)
     * are the tokens at {@code firstPos ..}.
     */
    public void forwardBatch(Backend backend, ForwardState s, BatchState bs, KvCache cache, int firstPos, int batch) {
        int dim = norms.attention().dim();
        normRows(norms.attention(), bs.xb, bs.x, batch, dim);
        attention.forwardBatch(backend, s, bs, cache, layer, firstPos, batch);
        if (norms.postAttention() != null) {
            normRows(norms.postAttention(), bs.xb2, bs.xb2, batch, dim);
        }
        addInPlace(bs.x, bs.xb2, batch * dim);
        normRows(norms.feedForward(), bs.xb, bs.x, batch, dim);
        feedForward.forwardBatch(backend, s, bs, batch);
        if (norms.postFeedForward() != null) {
            normRows(norms.postFeedForward(), bs.xb2, bs.xb2, batch, dim);
        }
        addInPlace(bs.x, bs.xb2, batch * dim);
    }

    /**
     * A prompt's last block when nothing watches it and only the last token's output is wanted: every
     * row's key and value are cached, and, when {@code last}, the last token alone goes on through
     * attention and the feed-forward as a decode step ({@link Attention#forwardBatchLast}), leaving its
     * output in {@code s.x}. Rows of {@code bs} are not updated.
     */
    public void forwardBatchLast(Backend backend, ForwardState s, BatchState bs, KvCache cache, int firstPos,
                                 int batch, boolean last) {
        int dim = norms.attention().dim();
        normRows(norms.attention(), bs.xb, bs.x, batch, dim);
        attention.forwardBatchLast(backend, s, bs, cache, layer, firstPos, batch, last);
        if (last) {
            System.arraycopy(bs.x, (batch - 1) * dim, s.x, 0, dim);
            finish(backend, s);
        }
    }

    private static void normRows(RmsNorm norm, float[] out, float[] x, int batch, int dim) {
        for (int b = 0; b < batch; b++) {
            norm.apply(out, b * dim, x, b * dim);
        }
    }

    private static void addInPlace(float[] x, float[] delta) {
        addInPlace(x, delta, x.length);
    }

    private static void addInPlace(float[] x, float[] delta, int n) {
        for (int i = 0; i < n; i++) {
            x[i] += delta[i];
        }
    }
}
