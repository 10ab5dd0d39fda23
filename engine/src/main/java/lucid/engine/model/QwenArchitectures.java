package lucid.engine.model;

import static lucid.engine.model.GatedFeedForward.Activation.SILU;

import lucid.engine.gguf.GgufFile;
import lucid.engine.gguf.GgufMetadata;

/**
 * The Qwen family: Llama's block with NEOX RoPE (pairs {@code (i, i + rot/2)}) and, usually, tied
 * embeddings. Qwen2 adds biases to the query, key and value projections; Qwen3 drops them and
 * normalizes each query and key head (RMSNorm) before RoPE. The MoE variants replace the MLP by
 * experts: Qwen2-MoE with raw (not renormalized) router weights plus a sigmoid-gated shared expert,
 * Qwen3-MoE with renormalized weights as Mixtral.
 */
final class QwenArchitectures {

    private QwenArchitectures() {
    }

    static final class Qwen2 implements Architecture {
        @Override
        public String name() {
            return "qwen2";
        }

        @Override
        public ModelConfig config(GgufFile file, int vocabSize) {
            return ModelConfig.fromMetadata(file.metadata(), name(), vocabSize, RopeType.NEOX).withExperts(ExpertConfig.NONE);
        }

        @Override
        public Transformer build(GgufFile file, ModelConfig c, RepackedWeights repacked) {
            ModelAssembly m = new ModelAssembly(file, c, repacked);
            return m.transformer(l -> m.preNormBlock(l, m.separateProjectionsWithBiases(l), m.gated(l, SILU)));
        }
    }

    static final class Qwen2Moe implements Architecture {
        @Override
        public String name() {
            return "qwen2moe";
        }

        @Override
        public ModelConfig config(GgufFile file, int vocabSize) {
            ModelConfig c = ModelConfig.fromMetadata(file.metadata(), name(), vocabSize, RopeType.NEOX);
            ExpertConfig e = requireExperts(c);
            GgufMetadata md = file.metadata();
            // llama.cpp's defaults when the lengths are not written: ffn / used per expert, ffn shared.
            return c.withExperts(new ExpertConfig(e.count(), e.used(),
                    md.getInt(name() + ".expert_feed_forward_length", c.feedForwardLength() / e.used()),
                    md.getInt(name() + ".expert_shared_feed_forward_length", c.feedForwardLength()), false,
                    e.weightsScale()));
        }

        @Override
        public Transformer build(GgufFile file, ModelConfig c, RepackedWeights repacked) {
            ModelAssembly m = new ModelAssembly(file, c, repacked);
            return m.transformer(l -> m.preNormBlock(l, m.separateProjectionsWithBiases(l), m.experts(l)));
        }
    }

    static final class Qwen3 implements Architecture {
        @Override
        public String name() {
            return "qwen3";
        }

        @Override
        public ModelConfig config(GgufFile file, int vocabSize) {
            return ModelConfig.fromMetadata(file.metadata(), name(), vocabSize, RopeType.NEOX).withExperts(ExpertConfig.NONE);
        }

        @Override
        public Transformer build(GgufFile file, ModelConfig c, RepackedWeights repacked) {
            ModelAssembly m = new ModelAssembly(file, c, repacked);
            return m.transformer(l -> m.preNormBlock(l, withHeadNorms(m, l), m.gated(l, SILU)));
        }
    }

    static final class Qwen3Moe implements Architecture {
        @Override
        public String name() {
            return "qwen3moe";
        }

        @Override
        public ModelConfig config(GgufFile file, int vocabSize) {
            ModelConfig c = ModelConfig.fromMetadata(file.metadata(), name(), vocabSize, RopeType.NEOX);
            ExpertConfig e = requireExperts(c);
            return c.withExperts(new ExpertConfig(e.count(), e.used(),
                    file.metadata().getInt(name() + ".expert_feed_forward_length", c.feedForwardLength() / e.used()), 0,
                    true, e.weightsScale()));
        }

        @Override
        public Transformer build(GgufFile file, ModelConfig c, RepackedWeights repacked) {
            ModelAssembly m = new ModelAssembly(file, c, repacked);
            return m.transformer(l -> m.preNormBlock(l, withHeadNorms(m, l), m.experts(l)));
        }
    }

    static AttentionWeights withHeadNorms(ModelAssembly m, int layer) {
        return m.separateProjections(layer).withHeadNorms(m.headNorm(layer, "attn_q_norm"),
                m.headNorm(layer, "attn_k_norm"));
    }

    private static ExpertConfig requireExperts(ModelConfig c) {
        if (!c.experts().isEnabled()) {
            throw new UnsupportedModelException(c.architecture() + " needs " + c.architecture()
                    + ".expert_count and expert_used_count");
        }
        return c.experts();
    }
}
