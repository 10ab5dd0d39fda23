package lucid.engine.model;

import lucid.engine.gguf.GgufMetadata;

/**
 * Hyperparameters of a decoder-only transformer, read from GGUF metadata ({@code <arch>.*} keys).
 *
 * @param architecture      general.architecture, e.g. "llama"
 * @param embeddingLength   width of the residual stream (n_embd)
 * @param feedForwardLength hidden width of the MLP (n_ff)
 * @param blockCount        number of transformer blocks
 * @param headCount         query heads
 * @param headCountKv       key/value heads (fewer than query heads with grouped-query attention)
 * @param headDim           width of one head
 * @param vocabSize         rows of the output projection
 * @param contextLength     the context the model was trained for
 * @param rmsEps            epsilon of RMSNorm
 * @param ropeTheta         RoPE frequency base
 * @param ropeDimensions    leading dimensions of each head that RoPE rotates (the rest pass through)
 * @param ropeType          which pairs RoPE rotates
 */
public record ModelConfig(String architecture, int embeddingLength, int feedForwardLength, int blockCount,
                          int headCount, int headCountKv, int headDim, int vocabSize, int contextLength,
                          float rmsEps, float ropeTheta, int ropeDimensions, RopeType ropeType) {

    public ModelConfig {
        require(embeddingLength > 0, "embedding_length must be positive");
        require(feedForwardLength > 0, "feed_forward_length must be positive");
        require(blockCount > 0, "block_count must be positive");
        require(headCount > 0 && headCountKv > 0, "head counts must be positive");
        require(headCount % headCountKv == 0,
                "head_count " + headCount + " is not a multiple of head_count_kv " + headCountKv);
        require(headDim > 0 && ropeDimensions >= 0 && ropeDimensions <= headDim && ropeDimensions % 2 == 0,
                "rope.dimension_count " + ropeDimensions + " must be even and at most the head size " + headDim);
        require(vocabSize > 0, "vocabulary is empty");
        require(contextLength > 0, "context_length must be positive");
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

    /**
     * Reads the hyperparameters under {@code architecture.*}.
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
        try {
            return new ModelConfig(architecture, nEmbd, required(md, p + "feed_forward_length"),
                    required(md, p + "block_count"), nHead, nHeadKv, headDim,
                    md.getInt(p + "vocab_size", vocabSize), required(md, p + "context_length"), eps,
                    md.getFloat(p + "rope.freq_base", 10_000f), md.getInt(p + "rope.dimension_count", headDim),
                    ropeType);
        } catch (IllegalArgumentException e) {
            throw new UnsupportedModelException("inconsistent hyperparameters: " + e.getMessage());
        }
    }

    private static int required(GgufMetadata md, String key) {
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
