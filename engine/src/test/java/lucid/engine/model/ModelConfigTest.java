package lucid.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import lucid.engine.gguf.GgufMetadata;
import lucid.engine.gguf.GgufWriter;

/** Reading hyperparameters, RoPE scaling and experts from metadata keys as llama.cpp names them. */
class ModelConfigTest {

    static GgufWriter llamaKeys() {
        return new GgufWriter().putString("general.architecture", "llama")
                .putUInt32("llama.context_length", 8192).putUInt32("llama.embedding_length", 256)
                .putUInt32("llama.block_count", 2).putUInt32("llama.feed_forward_length", 768)
                .putUInt32("llama.attention.head_count", 4).putUInt32("llama.attention.head_count_kv", 2)
                .putFloat32("llama.rope.freq_base", 500_000f);
    }

    static ModelConfig read(GgufWriter w) {
        GgufMetadata md = w.metadata();
        return ModelConfig.fromMetadata(md, "llama", 512, RopeType.NORMAL);
    }

    @Test
    void plainLlamaKeys() {
        ModelConfig c = read(llamaKeys());
        assertEquals(64, c.headDim());
        assertEquals(64, c.ropeDimensions());
        assertEquals(500_000f, c.ropeTheta());
        assertInstanceOf(RopeScaling.None.class, c.rope().scaling());
        assertEquals(1f / 8f, c.attention().queryScale());
        assertFalse(c.experts().isEnabled());
        assertEquals(1, c.ropeTableCount());
        assertEquals(8192, c.contextLength());
    }

    @Test
    void linearScalingIsTheDefaultTypeAndFactorOneMeansNone() {
        assertEquals(new RopeScaling.Linear(8f), read(llamaKeys().putFloat32("llama.rope.scaling.factor", 8f)).rope().scaling());
        assertEquals(new RopeScaling.Linear(2f), read(llamaKeys().putFloat32("llama.rope.scale_linear", 2f)).rope().scaling());
        assertInstanceOf(RopeScaling.None.class,
                read(llamaKeys().putString("llama.rope.scaling.type", "linear").putFloat32("llama.rope.scaling.factor", 1f))
                        .rope().scaling());
        assertInstanceOf(RopeScaling.None.class,
                read(llamaKeys().putString("llama.rope.scaling.type", "none").putFloat32("llama.rope.scaling.factor", 4f))
                        .rope().scaling());
    }

    @Test
    void yarnReadsItsKeysWithLlamaCppDefaults() {
        ModelConfig c = read(llamaKeys().putString("llama.rope.scaling.type", "yarn")
                .putFloat32("llama.rope.scaling.factor", 4f).putUInt32("llama.rope.scaling.original_context_length", 2048));
        assertEquals(new RopeScaling.Yarn(4f, 2048, 1f, 32f, 1f, 0f), c.rope().scaling());
        ModelConfig explicit = read(llamaKeys().putString("llama.rope.scaling.type", "yarn")
                .putFloat32("llama.rope.scaling.factor", 4f).putFloat32("llama.rope.scaling.yarn_beta_fast", 16f)
                .putFloat32("llama.rope.scaling.yarn_beta_slow", 2f).putFloat32("llama.rope.scaling.yarn_ext_factor", 0.5f)
                .putFloat32("llama.rope.scaling.attn_factor", 1.5f));
        assertEquals(new RopeScaling.Yarn(4f, 8192, 0.5f, 16f, 2f, 0f), explicit.rope().scaling());
        assertEquals(1.5f, explicit.rope().attnFactor());
    }

    @Test
    void unknownScalingTypeIsRefusedByName() {
        var e = assertThrows(UnsupportedModelException.class,
                () -> read(llamaKeys().putString("llama.rope.scaling.type", "dynamic-ntk")));
        assertTrue(e.getMessage().contains("'dynamic-ntk'") && e.getMessage().contains("yarn"), e.getMessage());
    }

    @Test
    void expertsAreMixtralStyleByDefault() {
        ModelConfig c = read(llamaKeys().putUInt32("llama.expert_count", 8).putUInt32("llama.expert_used_count", 2));
        assertEquals(new ExpertConfig(8, 2, 768, 0, true, 1f), c.experts());
        assertEquals(768, c.maxFeedForwardLength());
        var e = assertThrows(UnsupportedModelException.class,
                () -> read(llamaKeys().putUInt32("llama.expert_count", 8).putUInt32("llama.expert_used_count", 9)));
        assertTrue(e.getMessage().contains("expert_used_count 9"), e.getMessage());
    }

    @Test
    void explicitKeyLengthAllowsHeadsWiderThanTheStreamShare() {
        // Qwen3-0.6B and Gemma 3: 16 heads of 128 over a 1024-wide stream.
        ModelConfig c = read(llamaKeys().putUInt32("llama.attention.key_length", 128)
                .putUInt32("llama.attention.value_length", 128).putUInt32("llama.rope.dimension_count", 128));
        assertEquals(512, c.queryDim());
        assertEquals(256, c.embeddingLength());
        var e = assertThrows(UnsupportedModelException.class,
                () -> read(llamaKeys().putUInt32("llama.attention.key_length", 128).putUInt32("llama.attention.value_length", 64)));
        assertTrue(e.getMessage().contains("value_length 64"), e.getMessage());
    }

    @Test
    void missingKeysAreNamed() {
        var e = assertThrows(UnsupportedModelException.class,
                () -> read(llamaKeys().remove("llama.feed_forward_length")));
        assertTrue(e.getMessage().contains("llama.feed_forward_length"), e.getMessage());
    }

    @Test
    void slidingWindowPatternsFollowLlamaCpp() {
        SlidingWindow gemma2 = new SlidingWindow(4096, 2, 0f);
        assertTrue(gemma2.slides(0));
        assertFalse(gemma2.slides(1));
        assertTrue(gemma2.slides(2));
        SlidingWindow gemma3 = new SlidingWindow(512, 6, 10_000f);
        for (int l = 0; l < 12; l++) {
            assertEquals(l % 6 != 5, gemma3.slides(l), "gemma3 layer " + l);
        }
        assertTrue(SlidingWindow.everyLayer(2047).slides(7));
        assertFalse(SlidingWindow.NONE.slides(0));
    }

    @Test
    void unsupportedArchitectureNamesItAndListsTheSupportedOnes() {
        var e = assertThrows(UnsupportedModelException.class, () -> Architectures.forName("mamba"));
        assertTrue(e.getMessage().contains("'mamba'"), e.getMessage());
        for (String a : new String[] {"llama", "qwen2", "qwen2moe", "qwen3", "qwen3moe", "gemma", "gemma2", "gemma3", "phi3"}) {
            assertTrue(e.getMessage().contains(a), a + " in " + e.getMessage());
            assertEquals(a, Architectures.forName(a).name());
        }
    }
}
