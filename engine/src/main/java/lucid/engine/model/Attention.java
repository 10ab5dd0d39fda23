package lucid.engine.model;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import lucid.engine.backend.Backend;
import lucid.engine.tensor.VectorSupport;

/**
 * Causal multi-head self-attention with grouped-query heads and RoPE, for one new position at a time
 * ({@link #forward}) or a chunk of consecutive prompt positions ({@link #forwardBatch}).
 * Query head {@code h} reads KV head {@code h / kvGroupSize}. Options, each from the model's
 * configuration or tensors: biases on the projections, RMSNorm of each query and key head before
 * RoPE, soft-capping of the scores ({@code c * tanh(s / c)}, Gemma 2) and a sliding window.
 */
public final class Attention {

    private static final VectorSpecies<Float> SPECIES = VectorSupport.FLOAT_SPECIES;

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
        Linear.applySameInput(backend, s.xb, w.query(), s.q, w.key(), s.k, w.value(), s.v);
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

        // The batched task with a batch of one query at pos: no closure allocated per layer.
        BatchJob job = s.attentionJob;
        job.set(this, s.q, keys, values, kvDim, s.scores, cache.capacity(), s.attnOut, headCount * headDim, pos);
        job.range(0, 1);
        try {
            backend.parallelFor(headCount, job);
        } finally {
            job.clear();
        }
        ForwardObserver observer = s.observer;
        if (observer != null && observer.wantsAttention(layer, pos)) {
            for (int h = 0; h < headCount; h++) {
                observer.onAttention(layer, h, pos, s.scores, h * cache.capacity());
            }
        }
        w.output().apply(backend, s.attnOut, s.xb2);
    }

    /**
     * The batched form of {@link #forward}: reads {@code bs.xb} (batch, dim) for the tokens at
     * {@code firstPos .. firstPos + batch - 1}, appends their keys and values to the cache, and
     * leaves the projected outputs in {@code bs.xb2} (batch, dim). Token {@code b} sees cache
     * positions up to {@code firstPos + b}: causal inside the batch as across batches.
     */
    public void forwardBatch(Backend backend, ForwardState s, BatchState bs, KvCache cache, int layer, int firstPos,
                             int batch) {
        int queryDim = headCount * headDim;
        int kvDim = cache.kvDim();
        w.query().applyBatch(backend, bs.xb, bs.q, batch);
        w.key().applyBatch(backend, bs.xb, bs.k, batch);
        w.value().applyBatch(backend, bs.xb, bs.v, batch);
        float[] cos = bs.ropeCos[ropeTable];
        float[] sin = bs.ropeSin[ropeTable];
        for (int b = 0; b < batch; b++) {
            int qRow = b * queryDim;
            int kRow = b * kvDim;
            if (w.queryNorm() != null) {
                for (int h = 0; h < headCount; h++) {
                    w.queryNorm().apply(bs.q, qRow + h * headDim, bs.q, qRow + h * headDim);
                }
                for (int h = 0; h < headCountKv; h++) {
                    w.keyNorm().apply(bs.k, kRow + h * headDim, bs.k, kRow + h * headDim);
                }
            }
            rope.rotate(bs.q, qRow, headCount, cos, sin, b * bs.ropeHalf);
            rope.rotate(bs.k, kRow, headCountKv, cos, sin, b * bs.ropeHalf);
        }
        // Rows of the batch are consecutive positions, and so are rows of the cache.
        float[] keys = cache.keys(layer);
        float[] values = cache.values(layer);
        System.arraycopy(bs.k, 0, keys, firstPos * kvDim, batch * kvDim);
        System.arraycopy(bs.v, 0, values, firstPos * kvDim, batch * kvDim);

        int stride = cache.capacity();
        BatchJob job = bs.attentionJob;
        job.set(this, bs.q, keys, values, kvDim, s.scores, stride, bs.attnOut, queryDim, firstPos);
        ForwardObserver observer = s.observer;
        boolean watched = false;
        for (int b = 0; observer != null && b < batch && !watched; b++) {
            watched = observer.wantsAttention(layer, firstPos + b);
        }
        try {
            if (!watched) {
                // Each head walks the whole batch, reusing its row of s.scores for every query.
                job.range(0, batch);
                backend.parallelFor(headCount, job);
            } else {
                // An observer reads each query's weights before the next overwrites them: one query at a time.
                for (int b = 0; b < batch; b++) {
                    job.range(b, b + 1);
                    backend.parallelFor(headCount, job);
                    int pos = firstPos + b;
                    if (observer.wantsAttention(layer, pos)) {
                        for (int h = 0; h < headCount; h++) {
                            observer.onAttention(layer, h, pos, s.scores, h * stride);
                        }
                    }
                }
            }
        } finally {
            job.clear();
        }
        w.output().applyBatch(backend, bs.attnOut, bs.xb2, batch);
    }

    /**
     * Softmax attention of query head {@code h} at {@code pos} over the cached keys, written to
     * {@code out[outOffset .. outOffset + headDim)}; its weights stay in {@code scores[scoreOffset + t]}
     * for {@code t <= pos} (0 outside the window).
     */
    private void attendHead(int h, float[] q, int qOffset, float[] keys, float[] values, int kvDim, int pos,
                            float[] scores, int scoreOffset, float[] out, int outOffset) {
        int kvOffset = (h / (headCount / headCountKv)) * headDim;
        // A key at distance >= window from the query is masked (llama.cpp's standard sliding window).
        int first = window > 0 ? Math.max(0, pos - window + 1) : 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int t = first; t <= pos; t++) {
            float score = dot(q, qOffset, keys, t * kvDim + kvOffset, headDim) * scale;
            if (softcap > 0f) {
                score = softcap * (float) Math.tanh(score / softcap);
            }
            scores[scoreOffset + t] = score;
            max = Math.max(max, score);
        }
        float sum = expShifted(scores, scoreOffset + first, pos - first + 1, max);
        float inv = 1f / sum;
        // Masked positions weigh exactly 0, so that anyone reading the weights sees a full row.
        Arrays.fill(scores, scoreOffset, scoreOffset + first, 0f);
        for (int t = first; t <= pos; t++) {
            scores[scoreOffset + t] *= inv;
        }
        weightedSum(scores, scoreOffset, first, pos, values, kvDim, kvOffset, out, outOffset, headDim);
    }

    /**
     * {@code out[oo + d] = sum over t in [first, last] of w[wo + t] * v[t * stride + vo + d]} for
     * {@code d < n}. Up to four vector-wide slices of the output are summed in registers while the
     * positions go by, so consecutive positions do not wait on each other through memory (as
     * adding each position into {@code out} would: a store, then a load of the same place, per position).
     */
    static void weightedSum(float[] w, int wo, int first, int last, float[] v, int stride, int vo, float[] out, int oo,
                            int n) {
        int d = 0;
        if (VectorSupport.ENABLED) {
            int lanes = SPECIES.length();
            int upper = SPECIES.loopBound(n);
            for (; d + 4 * lanes <= upper; d += 4 * lanes) {
                FloatVector a0 = FloatVector.zero(SPECIES);
                FloatVector a1 = FloatVector.zero(SPECIES);
                FloatVector a2 = FloatVector.zero(SPECIES);
                FloatVector a3 = FloatVector.zero(SPECIES);
                for (int t = first; t <= last; t++) {
                    FloatVector wt = FloatVector.broadcast(SPECIES, w[wo + t]);
                    int row = t * stride + vo + d;
                    a0 = FloatVector.fromArray(SPECIES, v, row).fma(wt, a0);
                    a1 = FloatVector.fromArray(SPECIES, v, row + lanes).fma(wt, a1);
                    a2 = FloatVector.fromArray(SPECIES, v, row + 2 * lanes).fma(wt, a2);
                    a3 = FloatVector.fromArray(SPECIES, v, row + 3 * lanes).fma(wt, a3);
                }
                a0.intoArray(out, oo + d);
                a1.intoArray(out, oo + d + lanes);
                a2.intoArray(out, oo + d + 2 * lanes);
                a3.intoArray(out, oo + d + 3 * lanes);
            }
            for (; d < upper; d += lanes) {
                FloatVector a = FloatVector.zero(SPECIES);
                for (int t = first; t <= last; t++) {
                    a = FloatVector.fromArray(SPECIES, v, t * stride + vo + d).fma(FloatVector.broadcast(SPECIES, w[wo + t]), a);
                }
                a.intoArray(out, oo + d);
            }
        }
        for (; d < n; d++) {
            float sum = 0f;
            for (int t = first; t <= last; t++) {
                sum += w[wo + t] * v[t * stride + vo + d];
            }
            out[oo + d] = sum;
        }
    }

    /**
     * {@code sum(a[ao + i] * b[bo + i])}: vector lanes then a scalar tail when the Vector API is on.
     * A head is 64 to 256 wide, so this and {@link #weightedSum} are where a long prompt's attention
     * spends its time; a one-accumulator scalar loop waits on each addition.
     */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int i = 0;
        float sum = 0f;
        if (VectorSupport.ENABLED) {
            int upper = SPECIES.loopBound(n);
            FloatVector acc = FloatVector.zero(SPECIES);
            for (; i < upper; i += SPECIES.length()) {
                acc = FloatVector.fromArray(SPECIES, a, ao + i).fma(FloatVector.fromArray(SPECIES, b, bo + i), acc);
            }
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            sum += a[ao + i] * b[bo + i];
        }
        return sum;
    }

    /**
     * {@code a[from + i] = exp(a[from + i] - shift)} for {@code i < n}, returning their sum: a
     * softmax's exponentials, in vector lanes (the Vector API's exp, within an ulp or two of
     * {@link Math#exp}) when the Vector API is on.
     */
    static float expShifted(float[] a, int from, int n, float shift) {
        int i = 0;
        float sum = 0f;
        if (VectorSupport.ENABLED) {
            int upper = SPECIES.loopBound(n);
            FloatVector total = FloatVector.zero(SPECIES);
            for (; i < upper; i += SPECIES.length()) {
                FloatVector e = FloatVector.fromArray(SPECIES, a, from + i).sub(shift).lanewise(VectorOperators.EXP);
                e.intoArray(a, from + i);
                total = total.add(e);
            }
            sum = total.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            float e = (float) Math.exp(a[from + i] - shift);
            a[from + i] = e;
            sum += e;
        }
        return sum;
    }

    /**
     * One batch's attention as a reusable task over heads (held by {@link BatchState}), so that a
     * chunk allocates no closures: head {@code h} handles queries {@code from .. to - 1}.
     */
    static final class BatchJob implements Backend.IntTask {
        private Attention attention;
        private float[] q;        // (batch, queryDim)
        private float[] keys;     // (capacity, kvDim)
        private float[] values;   // (capacity, kvDim)
        private int kvDim;
        private float[] scores;   // (headCount, stride)
        private int stride;
        private float[] out;      // (batch, queryDim)
        private int queryDim;
        private int firstPos;
        private int from;
        private int to;

        void set(Attention attention, float[] q, float[] keys, float[] values, int kvDim, float[] scores, int stride,
                 float[] out, int queryDim, int firstPos) {
            this.attention = attention;
            this.q = q;
            this.keys = keys;
            this.values = values;
            this.kvDim = kvDim;
            this.scores = scores;
            this.stride = stride;
            this.out = out;
            this.queryDim = queryDim;
            this.firstPos = firstPos;
        }

        void range(int from, int to) {
            this.from = from;
            this.to = to;
        }

        void clear() {
            attention = null;
            q = keys = values = scores = out = null;
        }

        @Override
        public void run(int h) {
            int headDim = attention.headDim;
            for (int b = from; b < to; b++) {
                int row = b * queryDim + h * headDim;
                attention.attendHead(h, q, row, keys, values, kvDim, firstPos + b, scores, h * stride, out, row);
            }
        }
    }
}
