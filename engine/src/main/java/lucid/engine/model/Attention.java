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

        cache.put(layer, pos, s.k, 0, s.v, 0);
        attendOne(backend, s, cache, layer, pos);
    }

    /**
     * The query in {@code s.q} (rotated) at {@code pos}, whose key and value are already cached,
     * attends over the cache; its projected output goes to {@code s.xb2}.
     */
    private void attendOne(Backend backend, ForwardState s, KvCache cache, int layer, int pos) {
        // One task per KV head and slice of the visible positions (reused: no closure per layer).
        ForwardObserver observer = s.observer;
        boolean watched = observer != null && observer.wantsAttention(layer, pos);
        int first = window > 0 ? Math.max(0, pos - window + 1) : 0;
        DecodeJob job = s.decodeJob;
        job.set(this, s.q, cache, layer, s.scores, s.attnOut, first, pos, splits(backend.threads(), pos - first + 1));
        try {
            backend.parallelFor(job.tasks(), job);
            job.finish(watched);
        } finally {
            job.clear();
        }
        if (watched) {
            for (int h = 0; h < headCount; h++) {
                observer.onAttention(layer, h, pos, s.scores, h * cache.paddedCapacity());
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
        cacheBatch(backend, bs, cache, layer, firstPos, batch);
        attendBatch(backend, s, bs, cache, layer, firstPos, batch);
        w.output().applyBatch(backend, bs.attnOut, bs.xb2, batch);
    }

    /**
     * A prompt's last block when nothing watches and only the last token's output is wanted (what
     * llama.cpp also does): every token's key and value go to the cache, but only the last token
     * attends, as a decode step would, leaving its projected output in {@code s.xb2}. With
     * {@code last} false (a chunk before the prompt's last) no token attends at all.
     */
    public void forwardBatchLast(Backend backend, ForwardState s, BatchState bs, KvCache cache, int layer,
                                 int firstPos, int batch, boolean last) {
        cacheBatch(backend, bs, cache, layer, firstPos, batch);
        if (last) {
            int queryDim = headCount * headDim;
            System.arraycopy(bs.q, (batch - 1) * queryDim, s.q, 0, queryDim);
            attendOne(backend, s, cache, layer, firstPos + batch - 1);
        }
    }

    // Queries (rotated) into bs.q; keys and values of every row into the cache.
    private void cacheBatch(Backend backend, BatchState bs, KvCache cache, int layer, int firstPos, int batch) {
        int queryDim = headCount * headDim;
        int kvDim = cache.kvDim();
        Linear.applyBatchSameInput(backend, bs.xb, batch, w.query(), bs.q, w.key(), bs.k, w.value(), bs.v);
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
        for (int b = 0; b < batch; b++) {
            cache.put(layer, firstPos + b, bs.k, b * kvDim, bs.v, b * kvDim);
        }
    }

    // Every row's query attends (causally) into bs.attnOut.
    private void attendBatch(Backend backend, ForwardState s, BatchState bs, KvCache cache, int layer, int firstPos,
                             int batch) {
        int queryDim = headCount * headDim;
        int stride = cache.paddedCapacity();
        BatchJob job = bs.attentionJob;
        job.set(this, bs.q, cache, layer, s.scores, bs.attnOut, queryDim, firstPos);
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
    }

    /**
     * Softmax attention of query head {@code h} at {@code pos} over the cached keys, written to
     * {@code out[outOffset .. outOffset + headDim)}; its weights stay in {@code scores[scoreOffset + t]}
     * for {@code t <= pos} (0 outside the window).
     */
    private void attendHead(int h, float[] q, int qOffset, KvCache cache, float[] keys, float[] values, int pos,
                            float[] scores, int scoreOffset, float[] out, int outOffset) {
        int g = h / (headCount / headCountKv);
        // A key at distance >= window from the query is masked (llama.cpp's standard sliding window).
        int first = window > 0 ? Math.max(0, pos - window + 1) : 0;
        scoreKeys(q, qOffset, 1, cache, keys, g, first, pos, scores, scoreOffset, 0);
        int count = pos - first + 1;
        float max = max(scores, scoreOffset + first, count);
        float sum = expShifted(scores, scoreOffset + first, count, max);
        // Masked positions weigh exactly 0, so that anyone reading the weights sees a full row.
        Arrays.fill(scores, scoreOffset, scoreOffset + first, 0f);
        scale(scores, scoreOffset + first, count, 1f / sum);
        weightedSum(scores, scoreOffset, first, pos, values, headDim, cache.valueBase(g), out, outOffset, headDim);
    }

    /**
     * Scores of {@code heads} query heads ({@code q[qo + j * headDim ..]}) against KV head g's keys at
     * positions {@code lo..hi}: {@code softcap(scale * q . k_t)} into {@code s[so + j * sStride + t]}.
     * With vectors, whole key blocks ({@link KvCache#BLOCK} positions) are scored, so entries of the
     * blocks that hold lo and hi but lie outside lo..hi are written too: the caller owns them. The
     * blocks go by four at a time, and every head of the group takes its turn on the same four
     * blocks while they are in the L1 cache.
     */
    void scoreKeys(float[] q, int qo, int heads, KvCache cache, float[] keys, int g, int lo, int hi, float[] s, int so,
                   int sStride) {
        if (lo > hi) {
            return;
        }
        if (!VectorSupport.ENABLED) {
            for (int t = lo; t <= hi; t++) {
                int k = cache.keyIndex(g, t);
                for (int j = 0; j < heads; j++) {
                    float sum = 0f;
                    for (int d = 0; d < headDim; d++) {
                        sum += q[qo + j * headDim + d] * keys[k + d * KvCache.BLOCK];
                    }
                    s[so + j * sStride + t] = capped(sum * scale);
                }
            }
            return;
        }
        int block = KvCache.BLOCK;
        int step = block * headDim;
        int b = lo / block;
        int last = hi / block;
        int kb = cache.keyIndex(g, b * block);
        for (; b + 4 <= last + 1; b += 4, kb += 4 * step) {
            for (int j = 0; j < heads; j++) {
                scoreFour(q, qo + j * headDim, keys, kb, step, s, so + j * sStride + b * block);
            }
        }
        for (; b <= last; b++, kb += step) {
            for (int j = 0; j < heads; j++) {
                scoreOne(q, qo + j * headDim, keys, kb, s, so + j * sStride + b * block);
            }
        }
        if (softcap > 0f) {
            int from = lo / block * block;
            int to = (last + 1) * block;
            for (int j = 0; j < heads; j++) {
                for (int t = from; t < to; t++) {
                    int at = so + j * sStride + t;
                    s[at] = softcap * (float) Math.tanh(s[at] / softcap);
                }
            }
        }
    }

    private float capped(float score) {
        return softcap > 0f ? softcap * (float) Math.tanh(score / softcap) : score;
    }

    // Four key blocks starting at keys[kb], kb + step, ...: eight running sums (even and odd
    // dimensions apart), so that the multiply-adds do not wait on each other.
    private void scoreFour(float[] q, int qo, float[] keys, int kb, int step, float[] s, int at) {
        int block = KvCache.BLOCK;
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = FloatVector.zero(SPECIES);
        FloatVector a2 = FloatVector.zero(SPECIES);
        FloatVector a3 = FloatVector.zero(SPECIES);
        FloatVector b0 = FloatVector.zero(SPECIES);
        FloatVector b1 = FloatVector.zero(SPECIES);
        FloatVector b2 = FloatVector.zero(SPECIES);
        FloatVector b3 = FloatVector.zero(SPECIES);
        int d = 0;
        for (; d + 2 <= headDim; d += 2) {
            FloatVector x = FloatVector.broadcast(SPECIES, q[qo + d]);
            FloatVector y = FloatVector.broadcast(SPECIES, q[qo + d + 1]);
            int k = kb + d * block;
            a0 = FloatVector.fromArray(SPECIES, keys, k).fma(x, a0);
            a1 = FloatVector.fromArray(SPECIES, keys, k + step).fma(x, a1);
            a2 = FloatVector.fromArray(SPECIES, keys, k + 2 * step).fma(x, a2);
            a3 = FloatVector.fromArray(SPECIES, keys, k + 3 * step).fma(x, a3);
            b0 = FloatVector.fromArray(SPECIES, keys, k + block).fma(y, b0);
            b1 = FloatVector.fromArray(SPECIES, keys, k + block + step).fma(y, b1);
            b2 = FloatVector.fromArray(SPECIES, keys, k + block + 2 * step).fma(y, b2);
            b3 = FloatVector.fromArray(SPECIES, keys, k + block + 3 * step).fma(y, b3);
        }
        if (d < headDim) {
            FloatVector x = FloatVector.broadcast(SPECIES, q[qo + d]);
            int k = kb + d * block;
            a0 = FloatVector.fromArray(SPECIES, keys, k).fma(x, a0);
            a1 = FloatVector.fromArray(SPECIES, keys, k + step).fma(x, a1);
            a2 = FloatVector.fromArray(SPECIES, keys, k + 2 * step).fma(x, a2);
            a3 = FloatVector.fromArray(SPECIES, keys, k + 3 * step).fma(x, a3);
        }
        a0.add(b0).mul(scale).intoArray(s, at);
        a1.add(b1).mul(scale).intoArray(s, at + block);
        a2.add(b2).mul(scale).intoArray(s, at + 2 * block);
        a3.add(b3).mul(scale).intoArray(s, at + 3 * block);
    }

    private void scoreOne(float[] q, int qo, float[] keys, int kb, float[] s, int at) {
        int block = KvCache.BLOCK;
        FloatVector a = FloatVector.zero(SPECIES);
        FloatVector b = FloatVector.zero(SPECIES);
        int d = 0;
        for (; d + 2 <= headDim; d += 2) {
            a = FloatVector.fromArray(SPECIES, keys, kb + d * block).fma(FloatVector.broadcast(SPECIES, q[qo + d]), a);
            b = FloatVector.fromArray(SPECIES, keys, kb + (d + 1) * block)
                    .fma(FloatVector.broadcast(SPECIES, q[qo + d + 1]), b);
        }
        if (d < headDim) {
            a = FloatVector.fromArray(SPECIES, keys, kb + d * block).fma(FloatVector.broadcast(SPECIES, q[qo + d]), a);
        }
        a.add(b).mul(scale).intoArray(s, at);
    }

    /**
     * Slices of the visible positions per KV head in a decode step: enough tasks (KV heads times
     * slices) to split evenly over the threads, e.g. 3 KV heads on 2 threads take 2 slices each;
     * one slice when the positions are too few for the split to matter.
     */
    int splits(int threads, int positions) {
        if (threads <= 1) {
            return 1;
        }
        int splits = threads / gcd(headCountKv, threads);
        return Math.max(1, Math.min(splits, positions / MIN_SLICE));
    }

    // Fewer positions than this per slice: one task per KV head (the work is too small to balance).
    private static final int MIN_SLICE = 32;

    private static int gcd(int a, int b) {
        while (b != 0) {
            int r = a % b;
            a = b;
            b = r;
        }
        return a;
    }

    /**
     * Attention of the query heads that share KV head {@code g}, over positions {@code lo..hi} (all
     * visible ones, or a slice of them): each key and value row is read once for the whole group.
     * For query head {@code h = g * group + j}, {@code scores[h * stride + t]} becomes
     * {@code exp(s_t - m)} with m the largest score of the slice, {@code stats[so + 2j]} m and
     * {@code stats[so + 2j + 1]} the sum of those exponentials, and {@code out[o + j * headDim ..]} the
     * sum of the values weighted by them (not yet divided by the sum).
     */
    private void attendGroup(int g, float[] q, KvCache cache, float[] keys, float[] values, int lo, int hi,
                             float[] scores, int stride, float[] out, int o, float[] stats, int so) {
        int group = headCount / headCountKv;
        int h0 = g * group;
        if (lo > hi) {
            // An empty slice: it counts for nothing in the combination.
            for (int j = 0; j < group; j++) {
                stats[so + 2 * j] = Float.NEGATIVE_INFINITY;
                stats[so + 2 * j + 1] = 0f;
            }
            Arrays.fill(out, o, o + group * headDim, 0f);
            return;
        }
        scoreKeys(q, h0 * headDim, group, cache, keys, g, lo, hi, scores, h0 * stride, stride);
        int count = hi - lo + 1;
        for (int j = 0; j < group; j++) {
            int from = (h0 + j) * stride + lo;
            float max = max(scores, from, count);
            stats[so + 2 * j] = max;
            stats[so + 2 * j + 1] = expShifted(scores, from, count, max);
        }
        weightedSumGroup(scores, h0 * stride, stride, group, lo, hi, values, headDim, cache.valueBase(g), out, o,
                headDim, headDim);
    }

    /** The largest of {@code a[from .. from + n)}; -infinity when n = 0. */
    static float max(float[] a, int from, int n) {
        int i = 0;
        float max = Float.NEGATIVE_INFINITY;
        if (VectorSupport.ENABLED && n >= SPECIES.length()) {
            int upper = SPECIES.loopBound(n);
            FloatVector m = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
            for (; i < upper; i += SPECIES.length()) {
                m = m.max(FloatVector.fromArray(SPECIES, a, from + i));
            }
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            max = Math.max(max, a[from + i]);
        }
        return max;
    }

    /**
     * {@link #weightedSum} for {@code heads} rows of weights ({@code w[wo + j * wStride + t]}) against
     * the same values, into {@code out[oo + j * outStride ..]}: two heads at a time share each loaded
     * value vector, and their eight running sums keep the multiply-add units busy where one head's
     * four would wait on each other.
     */
    static void weightedSumGroup(float[] w, int wo, int wStride, int heads, int first, int last, float[] v, int stride,
                                 int vo, float[] out, int oo, int outStride, int n) {
        int j = 0;
        for (; j + 2 <= heads; j += 2) {
            weightedSumPair(w, wo + j * wStride, wo + (j + 1) * wStride, first, last, v, stride, vo,
                    out, oo + j * outStride, oo + (j + 1) * outStride, n);
        }
        if (j < heads) {
            weightedSum(w, wo + j * wStride, first, last, v, stride, vo, out, oo + j * outStride, n);
        }
    }

    private static void weightedSumPair(float[] w, int wa, int wb, int first, int last, float[] v, int stride, int vo,
                                        float[] out, int oa, int ob, int n) {
        int d = 0;
        if (VectorSupport.ENABLED) {
            int lanes = SPECIES.length();
            int upper = SPECIES.loopBound(n);
            for (; d + 4 * lanes <= upper; d += 4 * lanes) {
                FloatVector a0 = FloatVector.zero(SPECIES);
                FloatVector a1 = FloatVector.zero(SPECIES);
                FloatVector a2 = FloatVector.zero(SPECIES);
                FloatVector a3 = FloatVector.zero(SPECIES);
                FloatVector b0 = FloatVector.zero(SPECIES);
                FloatVector b1 = FloatVector.zero(SPECIES);
                FloatVector b2 = FloatVector.zero(SPECIES);
                FloatVector b3 = FloatVector.zero(SPECIES);
                for (int t = first; t <= last; t++) {
                    FloatVector x = FloatVector.broadcast(SPECIES, w[wa + t]);
                    FloatVector y = FloatVector.broadcast(SPECIES, w[wb + t]);
                    int row = t * stride + vo + d;
                    FloatVector v0 = FloatVector.fromArray(SPECIES, v, row);
                    FloatVector v1 = FloatVector.fromArray(SPECIES, v, row + lanes);
                    FloatVector v2 = FloatVector.fromArray(SPECIES, v, row + 2 * lanes);
                    FloatVector v3 = FloatVector.fromArray(SPECIES, v, row + 3 * lanes);
                    a0 = v0.fma(x, a0);
                    a1 = v1.fma(x, a1);
                    a2 = v2.fma(x, a2);
                    a3 = v3.fma(x, a3);
                    b0 = v0.fma(y, b0);
                    b1 = v1.fma(y, b1);
                    b2 = v2.fma(y, b2);
                    b3 = v3.fma(y, b3);
                }
                a0.intoArray(out, oa + d);
                a1.intoArray(out, oa + d + lanes);
                a2.intoArray(out, oa + d + 2 * lanes);
                a3.intoArray(out, oa + d + 3 * lanes);
                b0.intoArray(out, ob + d);
                b1.intoArray(out, ob + d + lanes);
                b2.intoArray(out, ob + d + 2 * lanes);
                b3.intoArray(out, ob + d + 3 * lanes);
            }
            for (; d < upper; d += lanes) {
                FloatVector a = FloatVector.zero(SPECIES);
                FloatVector b = FloatVector.zero(SPECIES);
                for (int t = first; t <= last; t++) {
                    FloatVector vt = FloatVector.fromArray(SPECIES, v, t * stride + vo + d);
                    a = vt.fma(FloatVector.broadcast(SPECIES, w[wa + t]), a);
                    b = vt.fma(FloatVector.broadcast(SPECIES, w[wb + t]), b);
                }
                a.intoArray(out, oa + d);
                b.intoArray(out, ob + d);
            }
        }
        for (; d < n; d++) {
            float a = 0f;
            float b = 0f;
            for (int t = first; t <= last; t++) {
                float vt = v[t * stride + vo + d];
                a += w[wa + t] * vt;
                b += w[wb + t] * vt;
            }
            out[oa + d] = a;
            out[ob + d] = b;
        }
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
        private KvCache cache;
        private float[] keys;
        private float[] values;
        private float[] scores;   // (headCount, stride)
        private int stride;
        private float[] out;      // (batch, queryDim)
        private int queryDim;
        private int firstPos;
        private int from;
        private int to;

        void set(Attention attention, float[] q, KvCache cache, int layer, float[] scores, float[] out, int queryDim,
                 int firstPos) {
            this.attention = attention;
            this.q = q;
            this.cache = cache;
            this.keys = cache.keys(layer);
            this.values = cache.values(layer);
            this.scores = scores;
            this.stride = cache.paddedCapacity();
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
            cache = null;
            q = keys = values = scores = out = null;
        }

        @Override
        public void run(int h) {
            int headDim = attention.headDim;
            for (int b = from; b < to; b++) {
                int row = b * queryDim + h * headDim;
                attention.attendHead(h, q, row, cache, keys, values, firstPos + b, scores, h * stride, out, row);
            }
        }
    }

    /**
     * A decode step's attention as a reusable task (held by {@link ForwardState}): task
     * {@code g * splits + k} is KV head g's query group over the k-th slice of the visible positions
     * ({@link #attendGroup}). With one slice, a task finishes its heads itself; with more, each slice
     * leaves its weighted sum, largest score and sum of exponentials in {@code partial}, and
     * {@link #finish} combines the slices on the calling thread: slice k counts with weight
     * {@code exp(m_k - M) / sum_i exp(m_i - M) S_i}, M the largest m (the split softmax of
     * "flash decoding").
     */
    static final class DecodeJob implements Backend.IntTask {
        private Attention attention;
        private float[] q;        // (queryDim)
        private KvCache cache;
        private float[] keys;
        private float[] values;
        private float[] scores;   // (headCount, stride)
        private int stride;
        private float[] out;      // (queryDim)
        private int first;
        private int pos;
        private int splits;
        // (tasks * group, headDim): each slice's weighted sums, when splits > 1
        private float[] partial = new float[0];
        // (tasks * group, 2): each slice's largest score and sum of exponentials
        private float[] stats = new float[0];

        void set(Attention attention, float[] q, KvCache cache, int layer, float[] scores, float[] out, int first,
                 int pos, int splits) {
            this.attention = attention;
            this.q = q;
            this.cache = cache;
            this.keys = cache.keys(layer);
            this.values = cache.values(layer);
            this.scores = scores;
            this.stride = cache.paddedCapacity();
            this.out = out;
            this.first = first;
            this.pos = pos;
            this.splits = splits;
            int rows = attention.headCount * splits;
            if (stats.length < 2 * rows) {
                stats = new float[2 * rows];
            }
            if (splits > 1 && partial.length < rows * attention.headDim) {
                partial = new float[rows * attention.headDim];
            }
        }

        int tasks() {
            return attention.headCountKv * splits;
        }

        void clear() {
            attention = null;
            cache = null;
            q = keys = values = scores = out = null;
        }

        // Positions first .. pos, cut into `splits` slices: slice k is [lo(k), lo(k + 1)). Inner
        // boundaries fall on whole key blocks, so that no two slices score the same block (an
        // inner slice may come out empty when there are few positions).
        private int lo(int k) {
            if (k == 0) {
                return first;
            }
            if (k == splits) {
                return pos + 1;
            }
            int even = first + (int) ((long) k * (pos - first + 1) / splits);
            return Math.max(first, even / KvCache.BLOCK * KvCache.BLOCK);
        }

        @Override
        public void run(int task) {
            Attention a = attention;
            int group = a.headCount / a.headCountKv;
            int g = task / splits;
            int k = task % splits;
            int lo = lo(k);
            int hi = lo(k + 1) - 1;
            int so = 2 * task * group;
            if (splits == 1) {
                int o = g * group * a.headDim;
                a.attendGroup(g, q, cache, keys, values, lo, hi, scores, stride, out, o, stats, so);
                for (int j = 0; j < group; j++) {
                    scale(out, o + j * a.headDim, a.headDim, 1f / stats[so + 2 * j + 1]);
                }
            } else {
                a.attendGroup(g, q, cache, keys, values, lo, hi, scores, stride, partial, task * group * a.headDim,
                        stats, so);
            }
        }

        /**
         * Combines the slices into {@code out} (when there are several) and, when {@code weights},
         * turns {@code scores} into each head's softmax weights (0 before the window).
         */
        void finish(boolean weights) {
            if (splits == 1 && !weights) {
                return; // each task has already divided its heads' sums
            }
            Attention a = attention;
            int group = a.headCount / a.headCountKv;
            int headDim = a.headDim;
            for (int h = 0; h < a.headCount; h++) {
                int g = h / group;
                int j = h % group;
                float max = Float.NEGATIVE_INFINITY;
                for (int k = 0; k < splits; k++) {
                    max = Math.max(max, stats[2 * ((g * splits + k) * group + j)]);
                }
                float total = 0f;
                for (int k = 0; k < splits; k++) {
                    int at = 2 * ((g * splits + k) * group + j);
                    total += (float) Math.exp(stats[at] - max) * stats[at + 1];
                }
                for (int k = 0; k < splits; k++) {
                    int row = (g * splits + k) * group + j;
                    // This slice's exponentials times this factor are the head's softmax weights.
                    float factor = splits == 1 ? 1f / stats[2 * row + 1]
                            : (float) Math.exp(stats[2 * row] - max) / total;
                    if (splits > 1) {
                        if (k == 0) {
                            Arrays.fill(out, h * headDim, (h + 1) * headDim, 0f);
                        }
                        addScaled(partial, row * headDim, out, h * headDim, headDim, factor);
                    }
                    if (weights) {
                        scale(scores, h * stride + lo(k), lo(k + 1) - lo(k), factor);
                    }
                }
                if (weights) {
                    Arrays.fill(scores, h * stride, h * stride + first, 0f);
                }
            }
        }
    }

    /** {@code a[from .. from + n) *= factor}. */
    static void scale(float[] a, int from, int n, float factor) {
        int i = 0;
        if (VectorSupport.ENABLED) {
            int upper = SPECIES.loopBound(n);
            for (; i < upper; i += SPECIES.length()) {
                FloatVector.fromArray(SPECIES, a, from + i).mul(factor).intoArray(a, from + i);
            }
        }
        for (; i < n; i++) {
            a[from + i] *= factor;
        }
    }

    /** {@code out[oo + i] += factor * a[ao + i]} for {@code i < n}. */
    static void addScaled(float[] a, int ao, float[] out, int oo, int n, float factor) {
        int i = 0;
        if (VectorSupport.ENABLED) {
            int upper = SPECIES.loopBound(n);
            for (; i < upper; i += SPECIES.length()) {
                FloatVector.fromArray(SPECIES, a, ao + i).fma(FloatVector.broadcast(SPECIES, factor), FloatVector.fromArray(SPECIES, out, oo + i))
                        .intoArray(out, oo + i);
            }
        }
        for (; i < n; i++) {
            out[oo + i] += factor * a[ao + i];
        }
    }
}
