package lucid.engine.model;

import java.util.Locale;

import lucid.engine.gguf.GgufMetadata;

/**
 * Hyperparameters of a decoder-only transformer, read from GGUF metadata ({@code <arch>.*} keys).
 * {@link #fromMetadata} reads what every architecture shares; an {@link Architecture} then adjusts
 * what is its own with the {@code with...} methods.
 *
 * @param architecture      general.architecture, e.g. "llama"
 * @param embeddingLength   width of the residual stream (n_embd)
 * @param feedForwardLength hidden width of the dense MLP (n_ff)
 * @param blockCount        number of transformer blocks
 * @param headCount         query heads
 * @param headCountKv       key/value heads (fewer than query heads with grouped-query attention)
 * @param headDim           width of one head (may differ from embeddingLength / headCount)
 * @param vocabSize         rows of the output projection
 * @param contextLength     the longest context Lucid runs the model at (the trained one, except for
 *                          LongRoPE models, which run at their original context)
 * @param rmsEps            epsilon of RMSNorm
 * @param rope              rotary position embedding of the (global) attention layers
 * @param attention         score scale, soft-capping and sliding window
 * @param experts           mixture-of-experts routing, or {@link ExpertConfig#NONE}
 * @param embeddingScale    multiplier of the token embeddings (Gemma: sqrt(n_embd)); 1 = none
 * @param finalLogitSoftcap c in {@code logits = c * tanh(logits / c)} (Gemma 2); 0 = none
 */
public record ModelConfig(String architecture, int embeddingLength, int feedForwardLength, int blockCount,
                          int headCount, int headCountKv, int headDim, int vocabSize, int contextLength,
                          float rmsEps, RopeConfig rope, AttentionConfig attention, ExpertConfig experts,
                          float embeddingScale, float finalLogitSoftcap) {

    public ModelConfig {
        require(embeddingLength > 0, "embedding_length must be positive");
        require(feedForwardLength > 0, "feed_forward_length must be positive");
        require(blockCount > 0, "block_count must be positive");
        require(headCount > 0 && headCountKv > 0, "head counts must be positive");
        require(headCount % headCountKv == 0,
                "head_count " + headCount + " is not a multiple of head_count_kv " + headCountKv);
        require(headDim > 0 && rope.dimensions() >= 0 && rope.dimensions() <= headDim && rope.dimensions() % 2 == 0,
                "rope.dimension_count " + rope.dimensions() + " must be even and at most the head size " + headDim);
        require(vocabSize > 0, "vocabulary is empty");
        require(contextLength > 0, "context_length must be positive");
        require(embeddingScale > 0 && Float.isFinite(embeddingScale), "embedding scale must be positive");
        require(finalLogitSoftcap >= 0 && Float.isFinite(finalLogitSoftcap),
                "final_logit_softcapping must not be negative");
    }

    /** Width of all query heads together. */
    public int queryDim() {
        return headCount * headDim;
    }

    /** Width of all key (or value) heads together: one row of the KV cache per layer. */
    public int kvDim() {
        return headCountKv * headDim;
    }

    /** Query heads that share one KV head. */
    public int kvGroupSize() {
        return headCount / headCountKv;
    }

    public float ropeTheta() {
        return rope.theta();
    }

    public int ropeDimensions() {
        return rope.dimensions();
    }

    public RopeType ropeType() {
        return rope.type();
    }

    /** Widest hidden layer of any feed-forward block: dense, expert or shared expert. */
    public int maxFeedForwardLength() {
        return Math.max(feedForwardLength, Math.max(experts.feedForwardLength(), experts.sharedFeedForwardLength()));
    }

    /** Distinct RoPE tables a forward pass needs: 2 when sliding layers have their own. */
    public int ropeTableCount() {
        return attention.slidingWindow().hasLocalRope() ? 2 : 1;
    }

    public ModelConfig withAttention(AttentionConfig a) {
        return new ModelConfig(architecture, embeddingLength, feedForwardLength, blockCount, headCount, headCountKv,
                headDim, vocabSize, contextLength, rmsEps, rope, a, experts, embeddingScale, finalLogitSoftcap);
    }

    public ModelConfig withExperts(ExpertConfig e) {
        return new ModelConfig(architecture, embeddingLength, feedForwardLength, blockCount, headCount, headCountKv,
                headDim, vocabSize, contextLength, rmsEps, rope, attention, e, embeddingScale, finalLogitSoftcap);
    }

    public ModelConfig withEmbeddingScale(float scale) {
        return new ModelConfig(architecture, embeddingLength, feedForwardLength, blockCount, headCount, headCountKv,
                headDim, vocabSize, contextLength, rmsEps, rope, attention, experts, scale, finalLogitSoftcap);
    }

    public ModelConfig withFinalLogitSoftcap(float cap) {
        return new ModelConfig(architecture, embeddingLength, feedForwardLength, blockCount, headCount, headCountKv,
                headDim, vocabSize, contextLength, rmsEps, rope, attention, experts, embeddingScale, cap);
    }

    /**
     * Reads the hyperparameters under {@code architecture.*} that every architecture shares: shape,
     * RMSNorm epsilon, RoPE with its scaling, the attention scale ({@code attention.scale} if given,
     * else 1/sqrt(head_dim)) and any mixture of experts ({@code expert_count} and friends, with
     * Mixtral's renormalized routing).
     *
     * @param vocabSize taken from the tokenizer or the embedding tensor, since few files write
     *                  {@code <arch>.vocab_size}
     * @throws UnsupportedModelException when a required key is missing or inconsistent
     */
    public static ModelConfig fromMetadata(GgufMetadata md, String architecture, int vocabSize, RopeType ropeType) {
        String p = architecture + ".";
        int nEmbd = required(md, p + "embedding_length");
        int nHead = required(md, p + "attention.head_count");
        int nHeadKv = md.getInt(p + "attention.head_count_kv", nHead);
        if (nHead <= 0 || nEmbd % nHead != 0 && !md.has(p + "attention.key_length")) {
            throw new UnsupportedModelException("embedding_length " + nEmbd + " is not divisible by head_count " + nHead);
        }
        int headDim = md.getInt(p + "attention.key_length", nEmbd / Math.max(1, nHead));
        int valueDim = md.getInt(p + "attention.value_length", headDim);
        if (valueDim != headDim) {
            throw new UnsupportedModelException("key_length " + headDim + " differs from value_length " + valueDim
                    + "; such models are not supported yet");
        }
        float eps = md.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f);
        int ffn = required(md, p + "feed_forward_length");
        int trainedContext = required(md, p + "context_length");
        try {
            RopeScaling scaling = ropeScaling(md, p, trainedContext);
            RopeConfig rope = new RopeConfig(md.getFloat(p + "rope.freq_base", 10_000f),
                    md.getInt(p + "rope.dimension_count", headDim), ropeType, scaling,
                    md.getFloat(p + "rope.scaling.attn_factor", 1f));
            int context = scaling instanceof RopeScaling.LongRope l ? Math.min(trainedContext, l.originalContext())
                    : trainedContext;
            AttentionConfig attention = AttentionConfig.standard(headDim);
            float scale = md.getFloat(p + "attention.scale", 0f);
            if (scale != 0f) {
                attention = attention.withQueryScale(scale);
            }
            int experts = md.getInt(p + "expert_count", 0);
            ExpertConfig expertConfig = experts == 0 ? ExpertConfig.NONE
                    : new ExpertConfig(experts, md.getInt(p + "expert_used_count", 0),
                            md.getInt(p + "expert_feed_forward_length", ffn),
                            md.getInt(p + "expert_shared_feed_forward_length", 0), true,
                            weightsScale(md.getFloat(p + "expert_weights_scale", 0f)));
            return new ModelConfig(architecture, nEmbd, ffn, required(md, p + "block_count"), nHead, nHeadKv, headDim,
                    md.getInt(p + "vocab_size", vocabSize), context, eps, rope, attention, expertConfig, 1f, 0f);
        } catch (IllegalArgumentException e) {
            if (e instanceof UnsupportedModelException u) {
                throw u;
            }
            throw new UnsupportedModelException("inconsistent hyperparameters: " + e.getMessage());
        }
    }

    /** llama.cpp ignores a weights scale of 0 (unset); 1 changes nothing either. */
    private static float weightsScale(float fromFile) {
        return fromFile == 0f ? 1f : fromFile;
    }

    /**
     * {@code rope.scaling.type} as llama.cpp reads it: absent means "linear", and a factor of 0 or 1
     * (or no factor) means no scaling at all. {@code rope.scale_linear} is the older spelling of the factor.
     */
    private static RopeScaling ropeScaling(GgufMetadata md, String p, int trainedContext) {
        String type = md.getString(p + "rope.scaling.type", "linear").toLowerCase(Locale.ROOT);
        float factor = md.getFloat(p + "rope.scaling.factor", md.getFloat(p + "rope.scale_linear", 0f));
        float effective = factor == 0f ? 1f : factor;
        int original = md.getInt(p + "rope.scaling.original_context_length", trainedContext);
        return switch (type) {
            case "none" -> new RopeScaling.None();
            case "linear" -> effective == 1f ? new RopeScaling.None() : new RopeScaling.Linear(effective);
            case "yarn" -> {
                float ext = md.getFloat(p + "rope.scaling.yarn_ext_factor", -1f);
                yield new RopeScaling.Yarn(effective, original, ext < 0 ? 1f : ext,
                        md.getFloat(p + "rope.scaling.yarn_beta_fast", 32f),
                        md.getFloat(p + "rope.scaling.yarn_beta_slow", 1f),
                        md.getFloat(p + "rope.scaling.yarn_log_multiplier", 0f));
            }
            case "longrope" -> new RopeScaling.LongRope(effective, original);
            default -> throw new UnsupportedModelException("rope scaling type '" + type
                    + "' is not supported (supported: none, linear, yarn, longrope)");
        };
    }

    static int required(GgufMetadata md, String key) {
        int v = md.getInt(key, Integer.MIN_VALUE);
        if (v == Integer.MIN_VALUE) {
            throw new UnsupportedModelException("metadata key '" + key + "' is missing");
        }
        return v;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
