package lucid.engine.model;

import lucid.engine.backend.Backend;

/**
 * A sparse mixture of experts, as llama.cpp's {@code build_moe_ffn} with softmax gating: the router
 * scores every expert, the {@code used} most probable run, and their outputs are summed weighted by
 * their probabilities (renormalized over the chosen ones for Mixtral, Qwen3-MoE; raw for Qwen2-MoE).
 * Qwen2-MoE adds a shared expert that every token runs, weighted by {@code sigmoid(shared_gate . x)}.
 */
public final class MixtureOfExperts implements FeedForward {

    private final Linear router;                 // (experts, dim), F32 in practice
    private final GatedFeedForward[] experts;    // (experts)
    private final int used;
    private final boolean normalizeWeights;
    private final float weightsScale;
    private final GatedFeedForward shared;       // or null
    private final Linear sharedGate;             // (1, dim), or null

    public MixtureOfExperts(Linear router, GatedFeedForward[] experts, ExpertConfig config) {
        this(router, experts, config, null, null);
    }

    public MixtureOfExperts(Linear router, GatedFeedForward[] experts, ExpertConfig config,
                            GatedFeedForward shared, Linear sharedGate) {
        if (router.rows() != experts.length || experts.length != config.count()) {
            throw new UnsupportedModelException(router.name() + " routes to " + router.rows() + " experts, but there are "
                    + experts.length + " (expert_count " + config.count() + ")");
        }
        if ((shared == null) != (sharedGate == null) || sharedGate != null && sharedGate.rows() != 1) {
            throw new UnsupportedModelException("a shared expert needs its gate, a (1, dim) matrix");
        }
        this.router = router;
        this.experts = experts.clone();
        this.used = config.used();
        this.normalizeWeights = config.normalizeWeights();
        this.weightsScale = config.weightsScale();
        this.shared = shared;
        this.sharedGate = sharedGate;
    }

    @Override
    public void forward(Backend backend, ForwardState s) {
        float[] probs = s.routerProbs;
        router.apply(backend, s.xb, probs);
        softmax(probs, experts.length);
        selectTop(probs, experts.length, used, s.expertIds, s.expertWeights);
        float sum = 0f;
        for (int k = 0; k < used; k++) {
            sum += s.expertWeights[k];
        }
        float[] acc = s.moeOut;
        java.util.Arrays.fill(acc, 0f);
        for (int k = 0; k < used; k++) {
            float w = s.expertWeights[k];
            if (normalizeWeights) {
                // ggml clamps the sum away from 0 before dividing (6.1e-5, the smallest normal f16).
                w /= Math.max(sum, 6.103515625e-5f);
            }
            w *= weightsScale;
            experts[s.expertIds[k]].forward(backend, s.xb, s.hb, s.hb2, s.xb2);
            addScaled(acc, s.xb2, w);
        }
        if (shared != null) {
            // The routing is done, so the router's buffer is free for the gate's single logit.
            sharedGate.apply(backend, s.xb, s.routerProbs);
            float g = 1f / (1f + (float) Math.exp(-s.routerProbs[0]));
            shared.forward(backend, s.xb, s.hb, s.hb2, s.xb2);
            addScaled(acc, s.xb2, g);
        }
        System.arraycopy(acc, 0, s.xb2, 0, acc.length);
    }

    /**
     * Routes token by token through {@link #forward}: each token picks its own experts, so a batched
     * product would need grouping tokens by expert first (not done yet). Attention and the other
     * blocks of the layer still run batched.
     */
    @Override
    public void forwardBatch(Backend backend, ForwardState s, BatchState bs, int batch) {
        int dim = s.xb.length;
        for (int b = 0; b < batch; b++) {
            System.arraycopy(bs.xb, b * dim, s.xb, 0, dim);
            forward(backend, s);
            System.arraycopy(s.xb2, 0, bs.xb2, b * dim, dim);
        }
    }

    private static void addScaled(float[] acc, float[] v, float w) {
        for (int i = 0; i < acc.length; i++) {
            acc[i] += w * v[i];
        }
    }

    static void softmax(float[] x, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[i]);
        }
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            x[i] = (float) Math.exp(x[i] - max);
            sum += x[i];
        }
        float inv = 1f / sum;
        for (int i = 0; i < n; i++) {
            x[i] *= inv;
        }
    }

    /**
     * The {@code k} largest of {@code p[0..n)}, largest first (ties: lowest index first), by
     * repeated selection: k is 1 to 8 in practice, and no array is allocated.
     */
    static void selectTop(float[] p, int n, int k, int[] ids, float[] values) {
        for (int j = 0; j < k; j++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                if (isChosen(ids, j, i)) {
                    continue;
                }
                if (best < 0 || p[i] > p[best]) {
                    best = i;
                }
            }
            ids[j] = best;
            values[j] = p[best];
        }
    }

    private static boolean isChosen(int[] ids, int count, int i) {
        for (int j = 0; j < count; j++) {
            if (ids[j] == i) {
                return true;
            }
        }
        return false;
    }
}
