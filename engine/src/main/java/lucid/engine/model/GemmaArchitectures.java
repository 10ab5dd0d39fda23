package lucid.engine.model;

import static lucid.engine.model.GatedFeedForward.Activation.GELU_TANH;

import lucid.engine.gguf.GgufFile;
import lucid.engine.gguf.GgufMetadata;

/**
 * The Gemma family: token embeddings multiplied by sqrt(n_embd), NEOX RoPE, a GELU-gated MLP, tied
 * embeddings (norm weights are stored with Gemma's "+1" already applied). Gemma 2 adds RMSNorms on
 * the output of attention and of the MLP, soft-caps the attention scores and the final logits, and
 * lets even layers attend only to a sliding window. Gemma 3 drops the soft-caps, normalizes each
 * query and key head, and slides five layers in six with a RoPE of their own (base 10000, unscaled).
 *
 * <p>The query scale follows llama.cpp: 1/sqrt(head_dim), except for the 27B models
 * (46 layers for Gemma 2, 62 for Gemma 3), which Google trained with 1/sqrt(n_embd / n_head).
 */
final class GemmaArchitectures {

    private GemmaArchitectures() {
    }

    static final class Gemma implements Architecture {
        @Override
        public String name() {
            return "gemma";
        }

        @Override
        public ModelConfig config(GgufFile file, int vocabSize) {
            return base(file.metadata(), name(), vocabSize);
        }

        @Override
        public Transformer build(GgufFile file, ModelConfig c, RepackedWeights repacked) {
            ModelAssembly m = new ModelAssembly(file, c, repacked);
            return m.transformer(l -> m.preNormBlock(l, m.separateProjections(l), m.gated(l, GELU_TANH)));
        }
    }

    static final class Gemma2 implements Architecture {
        @Override
        public String name() {
            return "gemma2";
        }

        @Override
        public ModelConfig config(GgufFile file, int vocabSize) {
            GgufMetadata md = file.metadata();
            ModelConfig c = base(md, name(), vocabSize);
            // Defaults are Gemma 2's own values, which llama.cpp assumes when a file leaves them out.
            AttentionConfig a = c.attention()
                    .withQueryScale(queryScale(c, 46))
                    .withLogitSoftcap(md.getFloat(name() + ".attn_logit_softcapping", 50f))
                    .withSlidingWindow(new SlidingWindow(md.getInt(name() + ".attention.sliding_window", 4096), 2, 0f));
            return c.withAttention(a).withFinalLogitSoftcap(md.getFloat(name() + ".final_logit_softcapping", 30f));
        }

        @Override
        public Transformer build(GgufFile file, ModelConfig c, RepackedWeights repacked) {
            ModelAssembly m = new ModelAssembly(file, c, repacked);
            return m.transformer(l -> m.sandwichBlock(l, m.separateProjections(l), m.gated(l, GELU_TANH)));
        }
    }

    static final class Gemma3 implements Architecture {
        @Override
        public String name() {
            return "gemma3";
        }

        @Override
        public ModelConfig config(GgufFile file, int vocabSize) {
            GgufMetadata md = file.metadata();
            ModelConfig c = base(md, name(), vocabSize);
            int window = md.getInt(name() + ".attention.sliding_window", 0);
            SlidingWindow sliding = window > 0
                    ? new SlidingWindow(window, 6, md.getFloat(name() + ".rope.freq_base_swa", 10_000f))
                    : SlidingWindow.NONE;
            return c.withAttention(c.attention().withQueryScale(queryScale(c, 62)).withSlidingWindow(sliding))
                    .withFinalLogitSoftcap(md.getFloat(name() + ".final_logit_softcapping", 0f));
        }

        @Override
        public Transformer build(GgufFile file, ModelConfig c, RepackedWeights repacked) {
            ModelAssembly m = new ModelAssembly(file, c, repacked);
            return m.transformer(l -> m.sandwichBlock(l, QwenArchitectures.withHeadNorms(m, l), m.gated(l, GELU_TANH)));
        }
    }

    private static ModelConfig base(GgufMetadata md, String arch, int vocabSize) {
        ModelConfig c = ModelConfig.fromMetadata(md, arch, vocabSize, RopeType.NEOX).withExperts(ExpertConfig.NONE);
        return c.withEmbeddingScale((float) Math.sqrt(c.embeddingLength()));
    }

    /** 1/sqrt(head_dim), or 1/sqrt(n_embd / n_head) for the 27B model, recognized by its layer count. */
    private static float queryScale(ModelConfig c, int layersOf27b) {
        int scalar = c.blockCount() == layersOf27b ? c.embeddingLength() / c.headCount() : c.headDim();
        return (float) (1.0 / Math.sqrt(scalar));
    }
}
