package lucid.engine.model;

import lucid.engine.backend.Backend;

/**
 * Causal multi-head self-attention with grouped-query heads and RoPE, for one new position at a time.
 * Query head {@code h} reads KV head {@code h / kvGroupSize}.
 */
public final class Attention {

    private final Linear wq;   // (queryDim, dim)
    private final Linear wk;   // (kvDim, dim)
    private final Linear wv;   // (kvDim, dim)
    private final Linear wo;   // (dim, queryDim)
    private final Rope rope;
    private final int headCount;
    private final int headCountKv;
    private final int headDim;
    private final float scale;

    public Attention(ModelConfig c, Linear wq, Linear wk, Linear wv, Linear wo, Rope rope) {
        this.wq = wq;
        this.wk = wk;
        this.wv = wv;
        this.wo = wo;
        this.rope = rope;
        this.headCount = c.headCount();
        this.headCountKv = c.headCountKv();
        this.headDim = c.headDim();
        this.scale = (float) (1.0 / Math.sqrt(headDim));
    }

    /**
     * Reads the normalized input from {@code s.xb}, appends this position's key and value to the
     * cache of {@code layer}, and leaves the projected output in {@code s.xb2}.
     */
    public void forward(Backend backend, ForwardState s, KvCache cache, int layer, int pos) {
        wq.apply(backend, s.xb, s.q);
        wk.apply(backend, s.xb, s.k);
        wv.apply(backend, s.xb, s.v);
        rope.rotate(s.q, 0, headCount, s.ropeCos, s.ropeSin);
        rope.rotate(s.k, 0, headCountKv, s.ropeCos, s.ropeSin);

        int kvDim = cache.kvDim();
        float[] keys = cache.keys(layer);
        float[] values = cache.values(layer);
        System.arraycopy(s.k, 0, keys, pos * kvDim, kvDim);
        System.arraycopy(s.v, 0, values, pos * kvDim, kvDim);

        int group = headCount / headCountKv;
        int stride = cache.capacity();
        backend.parallelFor(headCount, h -> {
            int kvOffset = (h / group) * headDim;
            int qOffset = h * headDim;
            int scoreOffset = h * stride;
            float max = Float.NEGATIVE_INFINITY;
            for (int t = 0; t <= pos; t++) {
                float dot = 0f;
                int kBase = t * kvDim + kvOffset;
                for (int i = 0; i < headDim; i++) {
                    dot += s.q[qOffset + i] * keys[kBase + i];
                }
                float score = dot * scale;
                s.scores[scoreOffset + t] = score;
                max = Math.max(max, score);
            }
            float sum = 0f;
            for (int t = 0; t <= pos; t++) {
                float e = (float) Math.exp(s.scores[scoreOffset + t] - max);
                s.scores[scoreOffset + t] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int i = 0; i < headDim; i++) {
                s.attnOut[qOffset + i] = 0f;
            }
            for (int t = 0; t <= pos; t++) {
                float w = s.scores[scoreOffset + t] * inv;
                s.scores[scoreOffset + t] = w;
                int vBase = t * kvDim + kvOffset;
                for (int i = 0; i < headDim; i++) {
                    s.attnOut[qOffset + i] += w * values[vBase + i];
                }
            }
        });
        wo.apply(backend, s.attnOut, s.xb2);
    }
}
