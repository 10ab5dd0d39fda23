package lucid.engine.inspect;

import java.util.Arrays;
import java.util.function.IntConsumer;

import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.model.ForwardObserver;
import lucid.engine.model.ModelConfig;

/**
 * Attention weights captured on demand: the token sequence is run again in a fresh session with an
 * observer that copies only the chosen layers (and heads), so a chat never stores layer × head ×
 * position² weights. The forward pass is deterministic, so the recomputed weights are the ones the
 * model used.
 */
public final class AttentionCapture {

    /**
     * Weights of one layer.
     *
     * @param heads   the captured query heads
     * @param weights (heads.length, tokens, tokens) row q = query position q over keys; keys after q are 0
     * @param kvHeads for each captured head, the KV head it reads (grouped-query attention)
     */
    public record LayerAttention(int layer, int[] heads, int[] kvHeads, float[][][] weights) {

        /** The rows of one captured head, by its head number. */
        public float[][] head(int head) {
            for (int i = 0; i < heads.length; i++) {
                if (heads[i] == head) {
                    return weights[i];
                }
            }
            throw new IllegalArgumentException("head " + head + " was not captured");
        }

        /** Mean over the captured heads: (tokens, tokens). */
        public float[][] meanOverHeads() {
            int n = weights[0].length;
            float[][] mean = new float[n][n];
            for (float[][] h : weights) {
                for (int q = 0; q < n; q++) {
                    for (int k = 0; k <= q; k++) {
                        mean[q][k] += h[q][k] / weights.length;
                    }
                }
            }
            return mean;
        }

        /** Elementwise maximum over the captured heads: (tokens, tokens). */
        public float[][] maxOverHeads() {
            int n = weights[0].length;
            float[][] max = new float[n][n];
            for (float[][] h : weights) {
                for (int q = 0; q < n; q++) {
                    for (int k = 0; k <= q; k++) {
                        max[q][k] = Math.max(max[q][k], h[q][k]);
                    }
                }
            }
            return max;
        }
    }

    private AttentionCapture() {
    }

    /** Which KV head each query head reads under grouped-query attention. */
    public static int kvHeadOf(ModelConfig c, int head) {
        return head / c.kvGroupSize();
    }

    /**
     * Runs {@code tokens} and captures the given layers, all heads.
     *
     * @param progress receives the number of tokens processed (may be null)
     */
    public static LayerAttention[] capture(LoadedModel model, int[] tokens, int[] layers, IntConsumer progress) {
        int[] all = new int[model.config().headCount()];
        Arrays.setAll(all, i -> i);
        return capture(model, tokens, layers, all, progress);
    }

    /** Runs {@code tokens} and captures the given heads of the given layers. */
    public static LayerAttention[] capture(LoadedModel model, int[] tokens, int[] layers, int[] heads,
                                           IntConsumer progress) {
        try (InferenceSession session = model.newSession(tokens.length)) {
            return capture(session, tokens, layers, heads, progress);
        }
    }

    /** As above on a caller's session (so the caller can cancel it); the session is reset first. */
    public static LayerAttention[] capture(InferenceSession session, int[] tokens, int[] layers, int[] heads,
                                           IntConsumer progress) {
        ModelConfig c = session.model().config();
        for (int l : layers) {
            if (l < 0 || l >= c.blockCount()) {
                throw new IllegalArgumentException("layer " + l + " does not exist (0.." + (c.blockCount() - 1) + ")");
            }
        }
        int[] headSlot = new int[c.headCount()];
        Arrays.fill(headSlot, -1);
        for (int i = 0; i < heads.length; i++) {
            if (heads[i] < 0 || heads[i] >= c.headCount()) {
                throw new IllegalArgumentException("head " + heads[i] + " does not exist (0.." + (c.headCount() - 1) + ")");
            }
            headSlot[heads[i]] = i;
        }
        int[] layerSlot = new int[c.blockCount()];
        Arrays.fill(layerSlot, -1);
        for (int i = 0; i < layers.length; i++) {
            layerSlot[layers[i]] = i;
        }
        int n = tokens.length;
        float[][][][] weights = new float[layers.length][heads.length][n][n]; // (layers, heads, query, key)
        session.reset();
        session.setObserver(new ForwardObserver() {
            @Override
            public boolean wantsAttention(int layer, int position) {
                return layerSlot[layer] >= 0;
            }

            @Override
            public void onAttention(int layer, int head, int position, float[] w, int offset) {
                int h = headSlot[head];
                if (h >= 0) {
                    System.arraycopy(w, offset, weights[layerSlot[layer]][h][position], 0, position + 1);
                }
            }

            @Override
            public boolean wantsResidual(int layer, int position) {
                return false;
            }

            @Override
            public void onResidual(int layer, int position, float[] residual) {
            }
        });
        int through = Arrays.stream(layers).max().orElse(0) + 1;
        try {
            // Batched, and only through the last layer looked at: no later block, no output projection.
            session.prefillLayers(tokens, through, progress);
        } finally {
            session.reset();
            session.setObserver(null);
        }
        LayerAttention[] out = new LayerAttention[layers.length];
        for (int i = 0; i < layers.length; i++) {
            int[] kv = new int[heads.length];
            for (int h = 0; h < heads.length; h++) {
                kv[h] = kvHeadOf(c, heads[h]);
            }
            out[i] = new LayerAttention(layers[i], heads.clone(), kv, weights[i]);
        }
        return out;
    }

    /**
     * Attention rollout (Abnar and Zuidema, 2020): each layer's head-averaged attention, mixed with
     * the identity for the residual connection (0.5 A + 0.5 I, rows renormalized), multiplied from the
     * first layer to the last. Row q says how much each input position flowed into position q.
     *
     * @param layers every layer, in order
     */
    public static float[][] rollout(LayerAttention[] layers) {
        int n = layers[0].weights()[0].length;
        double[][] acc = identity(n);
        for (LayerAttention layer : layers) {
            float[][] a = layer.meanOverHeads();
            double[][] mixed = new double[n][n];
            for (int q = 0; q < n; q++) {
                double sum = 0;
                for (int k = 0; k <= q; k++) {
                    mixed[q][k] = 0.5 * a[q][k] + (q == k ? 0.5 : 0);
                    sum += mixed[q][k];
                }
                for (int k = 0; k <= q; k++) {
                    mixed[q][k] /= sum;
                }
            }
            double[][] next = new double[n][n];
            for (int q = 0; q < n; q++) {
                for (int m = 0; m <= q; m++) {
                    double w = mixed[q][m];
                    if (w != 0) {
                        for (int k = 0; k <= m; k++) {
                            next[q][k] += w * acc[m][k];
                        }
                    }
                }
            }
            acc = next;
        }
        float[][] out = new float[n][n];
        for (int q = 0; q < n; q++) {
            for (int k = 0; k < n; k++) {
                out[q][k] = (float) acc[q][k];
            }
        }
        return out;
    }

    private static double[][] identity(int n) {
        double[][] id = new double[n][n];
        for (int i = 0; i < n; i++) {
            id[i][i] = 1;
        }
        return id;
    }
}
