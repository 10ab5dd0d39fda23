package lucid.engine.model;

import java.util.Arrays;

import lucid.engine.backend.Backend;

/**
 * Causal multi-head self-attention with grouped-query heads and RoPE, for one new position at a time.
 * Query head {@code h} reads KV head {@code h / kvGroupSize}. Options, each from the model's
 * configuration or tensors: biases on the projections, RMSNorm of each query and key head before
 * RoPE, soft-capping of the scores ({@code c * tanh(s / c)}, Gemma 2) and a sliding window.
 */
public final class Attention {

    private final AttentionWeights w;
    private final Rope rope;
    private final int ropeTable;   // which of the state's cos/sin tables this layer's rope fills
    private final int headCount;
    private final int headCountKv;
    private final int headDim;
    private final float scale;
    private final float softcap;   // 0 = none
    private final int window;      // 0 = every earlier position is visible

    /**
     * @param layer      index of the block, which decides whether it slides
     * @param rope       this layer's RoPE; its angles are in table {@code ropeTable} of the state
     */
    public Attention(ModelConfig c, int layer, AttentionWeights weights, Rope rope, int ropeTable) {
        this.w = weights;
        this.rope = rope;
        this.ropeTable = ropeTable;
        this.headCount = c.headCount();
        this.headCountKv = c.headCountKv();
        this.headDim = c.headDim();
        AttentionConfig a = c.attention();
        this.scale = a.queryScale();
        this.softcap = a.logitSoftcap();
        this.window = a.slidingWindow().slides(layer) ? a.slidingWindow().size() : 0;
    }

    /** Positions a query sees: all earlier ones, or the last {@code window} in a sliding layer. */
    public int window() {
        return window;
    }

    /**
     * Reads the normalized input from {@code s.xb}, appends this position's key and value to the
     * cache of {@code layer}, and leaves the projected output in {@code s.xb2}.
     */
    public void forward(Backend backend, ForwardState s, KvCache cache, int layer, int pos) {
        w.query().apply(backend, s.xb, s.q);
        w.key().apply(backend, s.xb, s.k);
        w.value().apply(backend, s.xb, s.v);
        if (w.queryNorm() != null) {
            for (int h = 0; h < headCount; h++) {
                w.queryNorm().apply(s.q, h * headDim, s.q, h * headDim);
            }
            for (int h = 0; h < headCountKv; h++) {
                w.keyNorm().apply(s.k, h * headDim, s.k, h * headDim);
            }
        }
        float[] cos = s.ropeCos[ropeTable];
        float[] sin = s.ropeSin[ropeTable];
        rope.rotate(s.q, 0, headCount, cos, sin);
        rope.rotate(s.k, 0, headCountKv, cos, sin);

        int kvDim = cache.kvDim();
        float[] keys = cache.keys(layer);
        float[] values = cache.values(layer);
        System.arraycopy(s.k, 0, keys, pos * kvDim, kvDim);
        System.arraycopy(s.v, 0, values, pos * kvDim, kvDim);

        int group = headCount / headCountKv;
        int stride = cache.capacity();
        // A key at distance >= window from the query is masked (llama.cpp's standard sliding window).
        int first = window > 0 ? Math.max(0, pos - window + 1) : 0;
        backend.parallelFor(headCount, h -> {
            int kvOffset = (h / group) * headDim;
            int qOffset = h * headDim;
            int scoreOffset = h * stride;
            float max = Float.NEGATIVE_INFINITY;
            for (int t = first; t <= pos; t++) {
                float dot = 0f;
                int kBase = t * kvDim + kvOffset;
                for (int i = 0; i < headDim; i++) {
                    dot += s.q[qOffset + i] * keys[kBase + i];
                }
                float score = dot * scale;
                if (softcap > 0f) {
                    score = softcap * (float) Math.tanh(score / softcap);
                }
                s.scores[scoreOffset + t] = score;
                max = Math.max(max, score);
            }
            float sum = 0f;
            for (int t = first; t <= pos; t++) {
                float e = (float) Math.exp(s.scores[scoreOffset + t] - max);
                s.scores[scoreOffset + t] = e;
                sum += e;
            }
            float inv = 1f / sum;
            // Masked positions weigh exactly 0, so that anyone reading the weights sees a full row.
            Arrays.fill(s.scores, scoreOffset, scoreOffset + first, 0f);
            Arrays.fill(s.attnOut, qOffset, qOffset + headDim, 0f);
            for (int t = first; t <= pos; t++) {
                float wt = s.scores[scoreOffset + t] * inv;
                s.scores[scoreOffset + t] = wt;
                int vBase = t * kvDim + kvOffset;
                for (int i = 0; i < headDim; i++) {
                    s.attnOut[qOffset + i] += wt * values[vBase + i];
                }
            }
        });
        ForwardObserver observer = s.observer;
        if (observer != null && observer.wantsAttention(layer, pos)) {
            for (int h = 0; h < headCount; h++) {
                observer.onAttention(layer, h, pos, s.scores, h * stride);
            }
        }
        w.output().apply(backend, s.attnOut, s.xb2);
    }
}
