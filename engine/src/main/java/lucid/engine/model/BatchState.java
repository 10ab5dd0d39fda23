package lucid.engine.model;

/**
 * Scratch buffers of a batched forward pass over up to {@link #capacity()} consecutive tokens,
 * allocated once per session: row {@code b} of every buffer belongs to the token at
 * {@code firstPos + b}. Longer prompts go through in chunks of at most this many tokens.
 */
public final class BatchState {

    /** Tokens per chunk by default: enough to turn the weight stream into arithmetic, small enough for L2. */
    public static final int DEFAULT_CAPACITY = 128;

    private final int capacity;
    final float[] x;        // (capacity, dim) residual streams
    final float[] xb;       // (capacity, dim) normalized inputs of a sub-block
    final float[] xb2;      // (capacity, dim) sub-block outputs before the residual add
    final float[] q;        // (capacity, queryDim)
    final float[] k;        // (capacity, kvDim)
    final float[] v;        // (capacity, kvDim)
    final float[] attnOut;  // (capacity, queryDim) heads' weighted values, before the output projection
    final float[] hb;       // (capacity, maxFfn) gate activations
    final float[] hb2;      // (capacity, maxFfn) up activations
    final float[][] ropeCos; // (ropeTables, capacity * ropeDims / 2) each token's own angles
    final float[][] ropeSin; // (ropeTables, capacity * ropeDims / 2)
    final int ropeHalf;      // ropeDims / 2: the stride of a token's angles
    final float[] logits;    // (headRows, vocab) logits of several rows at once, for a sink that wants them all
    // Reused tasks: a chunk allocates no closures.
    final Attention.BatchJob attentionJob = new Attention.BatchJob();
    final GatedFeedForward.ActivationJob activationJob = new GatedFeedForward.ActivationJob();

    public BatchState(ModelConfig c, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("batch capacity must be positive, got " + capacity);
        }
        this.capacity = capacity;
        int dim = c.embeddingLength();
        x = new float[capacity * dim];
        xb = new float[capacity * dim];
        xb2 = new float[capacity * dim];
        q = new float[capacity * c.queryDim()];
        k = new float[capacity * c.kvDim()];
        v = new float[capacity * c.kvDim()];
        attnOut = new float[capacity * c.queryDim()];
        hb = new float[capacity * c.maxFeedForwardLength()];
        hb2 = new float[capacity * c.maxFeedForwardLength()];
        ropeHalf = Math.max(1, c.ropeDimensions() / 2);
        ropeCos = new float[c.ropeTableCount()][capacity * ropeHalf];
        ropeSin = new float[c.ropeTableCount()][capacity * ropeHalf];
        logits = new float[headRows(capacity) * c.vocabSize()];
    }

    /**
     * Rows projected onto the vocabulary together: the output matrix is the largest, so it pays to
     * read it once for several rows, but (rows, vocab) floats grow fast with a 150k vocabulary.
     */
    static int headRows(int capacity) {
        return Math.min(capacity, 16);
    }

    /** Most tokens one batched pass takes. */
    public int capacity() {
        return capacity;
    }

    /** Bytes the buffers of a batch state for this model and capacity take. */
    public static long bytesFor(ModelConfig c, int capacity) {
        long perToken = 3L * c.embeddingLength() + 2L * c.queryDim() + 2L * c.kvDim()
                + 2L * c.maxFeedForwardLength() + 2L * c.ropeTableCount() * Math.max(1, c.ropeDimensions() / 2);
        return 4L * (capacity * perToken + (long) headRows(capacity) * c.vocabSize());
    }
}
