package lucid.engine.model;

/**
 * The projections of one attention layer, with their optional parts.
 *
 * @param query  (queryDim, dim), with Qwen2's bias if it has one
 * @param key    (kvDim, dim)
 * @param value  (kvDim, dim)
 * @param output (dim, queryDim)
 * @param queryNorm (headDim) RMSNorm applied to each query head before RoPE (Qwen3, Gemma 3), or null
 * @param keyNorm   (headDim) the same for each key head, or null
 */
public record AttentionWeights(Linear query, Linear key, Linear value, Linear output, RmsNorm queryNorm,
                               RmsNorm keyNorm) {

    public AttentionWeights {
        if ((queryNorm == null) != (keyNorm == null)) {
            throw new UnsupportedModelException(query.name() + ": a query norm needs a key norm and vice versa");
        }
        if (key.rows() != value.rows() || query.cols() != key.cols() || key.cols() != value.cols()
                || output.cols() != query.rows()) {
            throw new UnsupportedModelException("attention projections do not fit together: " + query.name() + " "
                    + query.rows() + "x" + query.cols() + ", " + key.name() + " " + key.rows() + "x" + key.cols()
                    + ", " + value.name() + " " + value.rows() + "x" + value.cols() + ", " + output.name() + " "
                    + output.rows() + "x" + output.cols());
        }
    }

    public AttentionWeights(Linear query, Linear key, Linear value, Linear output) {
        this(query, key, value, output, null, null);
    }

    public AttentionWeights withHeadNorms(RmsNorm q, RmsNorm k) {
        return new AttentionWeights(query, key, value, output, q, k);
    }
}
