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
    final float[] scores;   // (headCount, contextLength) attention weights
    final float[] hb;       // (ffn) gate activations
    final float[] hb2;      // (ffn) up activations
    final float[] ropeCos;  // (ropeDims / 2)
    final float[] ropeSin;  // (ropeDims / 2)
    final float[] logits;   // (vocab)

    public ForwardState(ModelConfig c, int contextLength) {
        x = new float[c.embeddingLength()];
        xb = new float[c.embeddingLength()];
        xb2 = new float[c.embeddingLength()];
        q = new float[c.queryDim()];
        k = new float[c.kvDim()];
        v = new float[c.kvDim()];
        attnOut = new float[c.queryDim()];
        scores = new float[c.headCount() * contextLength];
        hb = new float[c.feedForwardLength()];
        hb2 = new float[c.feedForwardLength()];
        ropeCos = new float[Math.max(1, c.ropeDimensions() / 2)];
        ropeSin = new float[Math.max(1, c.ropeDimensions() / 2)];
        logits = new float[c.vocabSize()];
    }

    /** The logits of the last forward pass that computed them (reused: copy before the next pass). */
    public float[] logits() {
        return logits;
    }
}
