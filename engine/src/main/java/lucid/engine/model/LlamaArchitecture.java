package lucid.engine.model;

import static lucid.engine.model.GatedFeedForward.Activation.SILU;

import lucid.engine.gguf.GgufFile;

/**
 * Llama and the many models that share its layout (Llama 1-3, Mistral, TinyLlama, SmolLM, ...):
 * RMSNorm, RoPE on adjacent pairs, grouped-query attention, SwiGLU, and an output projection that is
 * either its own tensor or the token embedding (tied). With {@code llama.expert_count} it is Mixtral:
 * the MLP becomes a mixture of experts whose renormalized top-k router weights mix their outputs.
 * Llama 3's {@code rope_freqs} and any {@code rope.scaling} are honoured.
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
    public Transformer build(GgufFile file, ModelConfig c, RepackedWeights repacked) {
        ModelAssembly m = new ModelAssembly(file, c, repacked);
        return m.transformer(l -> m.preNormBlock(l, m.separateProjections(l), m.denseOrExperts(l, SILU)));
    }
}
