package lucid.engine.model;

/**
 * Scratch buffers of one forward pass, allocated once per session so the token loop allocates nothing.
 */
public final class ForwardState {
    final float[] x;        // (dim) residual stream
    final float[] xb;       // (dim) normalized input of a sub-block
    final float[] xb2;      // (dim) output of a sub-block before the residual add
    final float[] q;        // (queryDim)
    final float[] k;        // (kvDim)
    final float[] v;        // (kvDim)
    final float[] attnOut;  // (queryDim) heads' weighted values, before the output projection
    final float[] scores;   // (headCount, KvCache.padded(contextLength)) attention weights
    final float[] hb;       // (maxFfn) gate activations
    final float[] hb2;      // (maxFfn) up activations
    final float[][] ropeCos; // (ropeTables, ropeDims / 2): one table per distinct RoPE (Gemma 3 has two)
    final float[][] ropeSin; // (ropeTables, ropeDims / 2)
    final float[] routerProbs;   // (experts) router probabilities; (1) when there are no experts
    final int[] expertIds;       // (expertsUsed) chosen experts, most probable first
    final float[] expertWeights; // (expertsUsed) their probabilities
    final float[] moeOut;        // (dim) weighted sum of the chosen experts' outputs
    final float[] logits;   // (vocab)
    // The decode step's attention task, reused: a token allocates no closure per layer.
    final Attention.DecodeJob decodeJob = new Attention.DecodeJob();
    /** Who watches this session's forward passes; null (the usual case) costs one branch per layer. */
    ForwardObserver observer;

    public ForwardState(ModelConfig c, int contextLength) {
        x = new float[c.embeddingLength()];
        xb = new float[c.embeddingLength()];
        xb2 = new float[c.embeddingLength()];
        q = new float[c.queryDim()];
        k = new float[c.kvDim()];
        v = new float[c.kvDim()];
        attnOut = new float[c.queryDim()];
        scores = new float[c.headCount() * KvCache.padded(contextLength)];
        hb = new float[c.maxFeedForwardLength()];
        hb2 = new float[c.maxFeedForwardLength()];
        int half = Math.max(1, c.ropeDimensions() / 2);
        ropeCos = new float[c.ropeTableCount()][half];
        ropeSin = new float[c.ropeTableCount()][half];
        ExpertConfig e = c.experts();
        routerProbs = new float[Math.max(1, e.count())];
        expertIds = new int[e.used()];
        expertWeights = new float[e.used()];
        moeOut = new float[e.isEnabled() ? c.embeddingLength() : 0];
        logits = new float[c.vocabSize()];
    }

    public void setObserver(ForwardObserver observer) {
        this.observer = observer;
    }

    /** The logits of the last forward pass that computed them (reused: copy before the next pass). */
    public float[] logits() {
        return logits;
    }

    /** Bytes the buffers of a state for this model and context take. */
    public static long bytesFor(ModelConfig c, int contextLength) {
        ExpertConfig e = c.experts();
        long floats = 3L * c.embeddingLength() + 2L * c.queryDim() + 2L * c.kvDim()
                + (long) c.headCount() * KvCache.padded(contextLength) + 2L * c.maxFeedForwardLength()
                + 2L * c.ropeTableCount() * Math.max(1, c.ropeDimensions() / 2)
                + Math.max(1, e.count()) + 2L * e.used() + (e.isEnabled() ? c.embeddingLength() : 0) + c.vocabSize();
        return 4L * floats;
    }
}
