package lucid.engine.model;

import lucid.engine.gguf.GgufFile;
import lucid.engine.tensor.FloatTensor;

/**
 * Llama (and the many models that share its layout): RMSNorm, RoPE on adjacent pairs,
 * grouped-query attention, SwiGLU, and an output projection that is either its own tensor or
 * the token embedding (tied).
 */
public final class LlamaArchitecture implements Architecture {

    @Override
    public String name() {
        return "llama";
    }

    @Override
    public ModelConfig config(GgufFile file, int vocabSize) {
        return ModelConfig.fromMetadata(file.metadata(), name(), vocabSize, RopeType.NORMAL);
    }

    @Override
    public Transformer build(GgufFile file, ModelConfig c) {
        TensorLookup t = new TensorLookup(file);
        int dim = c.embeddingLength();
        int ffn = c.feedForwardLength();
        Rope rope = new Rope(c.headDim(), c.ropeDimensions(), c.ropeTheta(), c.ropeType());
        TransformerBlock[] blocks = new TransformerBlock[c.blockCount()];
        for (int l = 0; l < blocks.length; l++) {
            String p = "blk." + l + ".";
            Attention attention = new Attention(c,
                    t.matrix(p + "attn_q.weight", c.queryDim(), dim),
                    t.matrix(p + "attn_k.weight", c.kvDim(), dim),
                    t.matrix(p + "attn_v.weight", c.kvDim(), dim),
                    t.matrix(p + "attn_output.weight", dim, c.queryDim()),
                    rope);
            SwiGluMlp mlp = new SwiGluMlp(
                    t.matrix(p + "ffn_gate.weight", ffn, dim),
                    t.matrix(p + "ffn_up.weight", ffn, dim),
                    t.matrix(p + "ffn_down.weight", dim, ffn));
            blocks[l] = new TransformerBlock(l,
                    new RmsNorm(t.vector(p + "attn_norm.weight", dim), c.rmsEps()), attention,
                    new RmsNorm(t.vector(p + "ffn_norm.weight", dim), c.rmsEps()), mlp);
        }
        FloatTensor embedding = t.tensor("token_embd.weight", (long) c.vocabSize() * dim);
        Linear output = t.optionalMatrix("output.weight", c.vocabSize(), dim)
                .orElseGet(() -> new Linear("token_embd.weight (tied)", embedding, c.vocabSize(), dim));
        return new Transformer(c, embedding, blocks, new RmsNorm(t.vector("output_norm.weight", dim), c.rmsEps()),
                output, rope);
    }
}
