package lucid.engine.model;

import lucid.engine.backend.Backend;
import lucid.engine.tensor.FloatTensor;

/**
 * A decoder-only transformer assembled from shared blocks: token embedding, blocks, final norm and
 * output projection. Architectures differ only in how they build it from a file.
 */
public final class Transformer {

    private final ModelConfig config;
    private final FloatTensor embedding;      // (vocab, dim)
    private final TransformerBlock[] blocks;  // (layers)
    private final RmsNorm outputNorm;         // (dim)
    private final Linear output;              // (vocab, dim)
    private final Rope rope;

    public Transformer(ModelConfig config, FloatTensor embedding, TransformerBlock[] blocks, RmsNorm outputNorm,
                       Linear output, Rope rope) {
        this.config = config;
        this.embedding = embedding;
        this.blocks = blocks.clone();
        this.outputNorm = outputNorm;
        this.output = output;
        this.rope = rope;
    }

    public ModelConfig config() {
        return config;
    }

    /**
     * Runs token {@code token} at position {@code pos}, appending to {@code cache}. When
     * {@code computeLogits} is set, {@code s.logits()} holds the distribution for the next token.
     */
    public void forward(Backend backend, ForwardState s, KvCache cache, int token, int pos, boolean computeLogits) {
        int dim = config.embeddingLength();
        embedding.dequantize((long) token * dim, s.x, 0, dim);
        rope.angles(pos, s.ropeCos, s.ropeSin);
        for (TransformerBlock block : blocks) {
            block.forward(backend, s, cache, pos);
        }
        if (computeLogits) {
            outputNorm.apply(s.xb, s.x);
            output.apply(backend, s.xb, s.logits);
        }
    }
}
