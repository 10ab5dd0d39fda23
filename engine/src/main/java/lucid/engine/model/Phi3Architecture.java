package lucid.engine.model;

import lucid.engine.gguf.GgufFile;
import lucid.engine.gguf.GgufMetadata;

/**
 * Phi-3 (and Phi-3.5, Phi-4-mini): Llama's block with NEOX RoPE, Q, K and V fused into one
 * {@code attn_qkv} matrix and the MLP's gate and up fused into one {@code ffn_up} matrix (gate rows
 * first). {@code phi3.attention.sliding_window} applies to every layer, as in the Hugging Face model
 * and the llama.cpp that made the golden files (newer llama.cpp ignores it; the two agree up to the
 * window, 2047 positions for Phi-3-mini). Files with LongRoPE factors ({@code rope_factors_short} /
 * {@code _long}) run with the short factors at their original context.
 */
final class Phi3Architecture implements Architecture {

    @Override
    public String name() {
        return "phi3";
    }

    @Override
    public ModelConfig config(GgufFile file, int vocabSize) {
        GgufMetadata md = file.metadata();
        ModelConfig c = ModelConfig.fromMetadata(md, name(), vocabSize, RopeType.NEOX).withExperts(ExpertConfig.NONE);
        int window = md.getInt(name() + ".attention.sliding_window", 0);
        if (window > 0) {
            c = c.withAttention(c.attention().withSlidingWindow(SlidingWindow.everyLayer(window)));
        }
        if (file.tensor("rope_factors_short.weight").isPresent() && !(c.rope().scaling() instanceof RopeScaling.LongRope)) {
            int original = md.getInt(name() + ".rope.scaling.original_context_length", c.contextLength());
            RopeConfig r = c.rope();
            c = new ModelConfig(c.architecture(), c.embeddingLength(), c.feedForwardLength(), c.blockCount(),
                    c.headCount(), c.headCountKv(), c.headDim(), c.vocabSize(), Math.min(c.contextLength(), original),
                    c.rmsEps(), new RopeConfig(r.theta(), r.dimensions(), r.type(),
                            new RopeScaling.LongRope(1f / r.scaling().frequencyScale(), original), r.attnFactor()),
                    c.attention(), c.experts(), c.embeddingScale(), c.finalLogitSoftcap());
        }
        return c;
    }

    @Override
    public Transformer build(GgufFile file, ModelConfig c, RepackedWeights repacked) {
        ModelAssembly m = new ModelAssembly(file, c, repacked);
        return m.transformer(l -> m.preNormBlock(l, m.fusedOrSeparateProjections(l), m.fusedGateUp(l)));
    }
}
