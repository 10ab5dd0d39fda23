package lucid.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import lucid.engine.backend.Backend;
import lucid.engine.gguf.GgufWriter;

/**
 * A decode step's attention ({@link Attention.DecodeJob}: one task per KV head and slice of the
 * positions, slices combined by their largest score and sum of exponentials) against softmax
 * attention written out in doubles, head by head: outputs and the weights an observer reads, over
 * group sizes 1 to 6, head sizes with and without a vector tail, a sliding window, soft-capping, and
 * 1 to 7 slices run on 1 to 3 threads.
 *
 * <p>Tolerance: a score is a float dot product of {@code headDim} terms (relative error about
 * {@code headDim * 2^-24}), the exponentials are within a few ulps, and each output sums at most a few
 * hundred weighted values in float: 2e-5 of {@code sum_t p_t |v_t|} is more than 10 times what those
 * errors reach, and far below what a wrong slice, head or position would change (order 1e-2 and more).
 */
class DecodeAttentionParityTest {

    private static final Backend ONE = Backend.open(null, 1);
    private static final Backend TWO = Backend.open(null, 2);
    private static final Backend THREE = Backend.open(null, 3);

    @AfterAll
    static void close() {
        ONE.close();
        TWO.close();
        THREE.close();
    }

    private static Attention attention(int heads, int kvHeads, int headDim, float softcap, int window) {
        ModelConfig base = ModelConfig.fromMetadata(new GgufWriter().putString("general.architecture", "llama")
                .putUInt32("llama.context_length", 4096).putUInt32("llama.embedding_length", heads * headDim)
                .putUInt32("llama.block_count", 1).putUInt32("llama.feed_forward_length", 64)
                .putUInt32("llama.attention.head_count", heads).putUInt32("llama.attention.head_count_kv", kvHeads)
                .metadata(), "llama", 32, RopeType.NORMAL);
        AttentionConfig a = new AttentionConfig(base.attention().queryScale(), softcap,
                window > 0 ? SlidingWindow.everyLayer(window) : SlidingWindow.NONE);
        ModelConfig c = new ModelConfig(base.architecture(), base.embeddingLength(), base.feedForwardLength(),
                base.blockCount(), heads, kvHeads, headDim, base.vocabSize(), base.contextLength(), base.rmsEps(),
                base.rope(), a, base.experts(), 1f, 0f);
        return new Attention(c, 0, null, null, 0);
    }

    @Test
    void slicesAndGroupsMatchSoftmaxAttention() {
        int[][] shapes = {{4, 2, 64}, {9, 3, 64}, {6, 1, 72}, {8, 8, 32}, {12, 2, 128}, {3, 3, 6}};
        SplittableRandom random = new SplittableRandom(5);
        int capacity = 401;
        for (int[] shape : shapes) {
            int heads = shape[0];
            int kvHeads = shape[1];
            int headDim = shape[2];
            int kvDim = kvHeads * headDim;
            float[] keys = gaussian(random, capacity * kvDim);
            float[] values = gaussian(random, capacity * kvDim);
            float[] q = gaussian(random, heads * headDim);
            for (float softcap : new float[] {0f, 2f}) {
                for (int window : new int[] {0, 50}) {
                    Attention attention = attention(heads, kvHeads, headDim, softcap, window);
                    assertEquals(window, attention.window());
                    for (int pos : new int[] {0, 6, 99, 333}) {
                        int first = window > 0 ? Math.max(0, pos - window + 1) : 0;
                        double[][] weights = new double[heads][];
                        double[][] expected = reference(q, keys, values, heads, kvHeads, headDim, pos, first,
                                softcap, scaleOf(headDim), weights);
                        for (int splits : new int[] {1, 2, 3, 7}) {
                            if (splits > pos - first + 1) {
                                continue;
                            }
                            for (Backend backend : new Backend[] {ONE, TWO, THREE}) {
                                String where = heads + "/" + kvHeads + " heads of " + headDim + ", softcap " + softcap
                                        + ", window " + window + ", pos " + pos + ", " + splits + " slices on "
                                        + backend.threads() + " threads";
                                check(attention, backend, q, keys, values, kvDim, capacity, heads, headDim, first,
                                        pos, splits, expected, weights, where);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void slicesSplitTheThreadsEvenly() {
        // 3 KV heads on 2 threads: 2 slices each, 6 tasks; 8 KV heads: 1 slice, 8 tasks.
        assertEquals(2, attention(9, 3, 64, 0f, 0).splits(2, 500));
        assertEquals(1, attention(32, 8, 64, 0f, 0).splits(2, 500));
        assertEquals(3, attention(32, 8, 64, 0f, 0).splits(3, 500));
        assertEquals(2, attention(14, 2, 64, 0f, 0).splits(4, 500));
        assertEquals(1, attention(9, 3, 64, 0f, 0).splits(1, 500));
        // Too few positions to be worth a split.
        assertEquals(1, attention(9, 3, 64, 0f, 0).splits(2, 40));
    }

    private static void check(Attention attention, Backend backend, float[] q, float[] keys, float[] values, int kvDim,
                              int capacity, int heads, int headDim, int first, int pos, int splits,
                              double[][] expected, double[][] weights, String where) {
        KvCache cache = new KvCache(1, capacity, kvDim / headDim, headDim);
        for (int t = 0; t < capacity; t++) {
            cache.put(0, t, keys, t * kvDim, values, t * kvDim);
        }
        int stride = cache.paddedCapacity();
        float[] scores = new float[heads * stride];
        java.util.Arrays.fill(scores, Float.NaN);
        float[] out = new float[heads * headDim];
        Attention.DecodeJob job = new Attention.DecodeJob();
        job.set(attention, q, cache, 0, scores, out, first, pos, splits);
        backend.parallelFor(job.tasks(), job);
        job.finish(true);
        job.clear();
        int group = heads / (kvDim / headDim);
        for (int h = 0; h < heads; h++) {
            for (int d = 0; d < headDim; d++) {
                double magnitude = 0;
                for (int t = first; t <= pos; t++) {
                    magnitude += weights[h][t] * Math.abs(values[t * kvDim + h / group * headDim + d]);
                }
                double error = Math.abs(out[h * headDim + d] - expected[h][d]);
                assertTrue(error <= 2e-5 * magnitude + 1e-6,
                        where + ": head " + h + " dim " + d + ": " + out[h * headDim + d] + " vs " + expected[h][d]);
            }
            for (int t = 0; t <= pos; t++) {
                double error = Math.abs(scores[h * stride + t] - weights[h][t]);
                assertTrue(error <= 1e-5 * weights[h][t] + 1e-7,
                        where + ": weight of head " + h + " at " + t + ": " + scores[h * stride + t] + " vs "
                                + weights[h][t]);
            }
        }
    }

    private static double scaleOf(int headDim) {
        return 1 / Math.sqrt(headDim);
    }

    private static double[][] reference(float[] q, float[] keys, float[] values, int heads, int kvHeads, int headDim,
                                        int pos, int first, float softcap, double scale, double[][] weights) {
        int kvDim = kvHeads * headDim;
        double[][] out = new double[heads][headDim];
        for (int h = 0; h < heads; h++) {
            int kv = h / (heads / kvHeads) * headDim;
            double[] p = new double[pos + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int t = first; t <= pos; t++) {
                double s = 0;
                for (int d = 0; d < headDim; d++) {
                    s += (double) q[h * headDim + d] * keys[t * kvDim + kv + d];
                }
                s *= (float) scale;
                if (softcap > 0) {
                    s = softcap * Math.tanh(s / softcap);
                }
                p[t] = s;
                max = Math.max(max, s);
            }
            double sum = 0;
            for (int t = first; t <= pos; t++) {
                p[t] = Math.exp(p[t] - max);
                sum += p[t];
            }
            for (int t = first; t <= pos; t++) {
                p[t] /= sum;
                for (int d = 0; d < headDim; d++) {
                    out[h][d] += p[t] * values[t * kvDim + kv + d];
                }
            }
            weights[h] = p;
        }
        return out;
    }

    private static float[] gaussian(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian();
        }
        return a;
    }
}
