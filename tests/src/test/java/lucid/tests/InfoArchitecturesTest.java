package lucid.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import lucid.engine.gguf.SharedFixtures;

/**
 * {@code lucid info --json} on every synthetic model, checked against the manifest the files were
 * made with (shared/golden/models.json): each metadata key the architecture defines, the tensor table,
 * and the values the architecture derives (sliding layers, query and embedding scales).
 */
class InfoArchitecturesTest {

    static final ObjectMapper MAPPER = new ObjectMapper();

    static Stream<Arguments> manifest() throws IOException {
        List<JsonNode> entries = new ArrayList<>();
        MAPPER.readTree(SharedFixtures.file("golden/models.json").toFile()).forEach(entries::add);
        assertEquals(22, entries.size(), "synthetic models in the manifest");
        return entries.stream().map(e -> Arguments.of(e.get("file").asText(), e));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("manifest")
    void hyperparametersMatchTheManifest(String file, JsonNode entry) throws IOException {
        CliTest.Run r = CliTest.lucid("info", "--model", SharedFixtures.file("golden/models/" + file).toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode info = MAPPER.readTree(r.out());
        JsonNode md = entry.get("metadata");
        String arch = md.get("general.architecture").asText();
        assertEquals(arch, info.get("architecture").asText(), file);
        assertTrue(info.get("supported").asBoolean(), file + ": " + info.path("unsupported_reason").asText());
        assertEquals(entry.get("bytes").asLong(), info.get("file_size").asLong(), file);

        long params = 0;
        JsonNode tensors = info.get("tensors");
        assertEquals(entry.get("tensors").size(), tensors.size(), file + " tensor count");
        long vocab = 0;
        for (int i = 0; i < tensors.size(); i++) {
            JsonNode expected = entry.get("tensors").get(i);
            JsonNode actual = tensors.get(i);
            assertEquals(expected.get("name").asText(), actual.get("name").asText(), file);
            assertEquals(expected.get("type").asText(), actual.get("type").asText(), file + " " + actual.get("name"));
            assertEquals(expected.get("shape").toString(), actual.get("shape").toString(), file + " " + actual.get("name"));
            long n = 1;
            for (JsonNode d : expected.get("shape")) {
                n *= d.asLong();
            }
            params += n;
            if (expected.get("name").asText().equals("token_embd.weight")) {
                vocab = expected.get("shape").get(1).asLong();
            }
        }
        assertEquals(params, info.get("parameters").asLong(), file + " parameters");

        JsonNode h = info.get("hyperparameters");
        String p = arch + ".";
        for (String key : new String[] {"context_length", "embedding_length", "block_count", "feed_forward_length"}) {
            assertEquals(md.get(p + key).asLong(), h.get(key).asLong(), file + " " + key);
        }
        int heads = md.get(p + "attention.head_count").asInt();
        assertEquals(heads, h.get("head_count").asInt(), file);
        assertEquals(md.get(p + "attention.head_count_kv").asInt(), h.get("head_count_kv").asInt(), file);
        int headDim = md.has(p + "attention.key_length") ? md.get(p + "attention.key_length").asInt()
                : md.get(p + "embedding_length").asInt() / heads;
        assertEquals(headDim, h.get("head_dim").asInt(), file);
        assertEquals(vocab, h.get("vocab_size").asLong(), file);
        assertEquals(md.get(p + "rope.freq_base").asDouble(), h.get("rope_freq_base").asDouble(), 1e-3, file);
        assertEquals(md.get(p + "rope.dimension_count").asInt(), h.get("rope_dimension_count").asInt(), file);
        assertEquals(md.get(p + "attention.layer_norm_rms_epsilon").asDouble(), h.get("rms_eps").asDouble(), 1e-12, file);
        assertEquals(arch.equals("llama") ? "normal" : "neox", h.get("rope_type").asText(), file);
        assertEquals("none", h.get("rope_scaling").get("type").asText(), file);
        assertEquals(1 / Math.sqrt(headDim), h.get("attention_scale").asDouble(), 1e-7, file);

        int window = md.path(p + "attention.sliding_window").asInt(0);
        assertEquals(window, h.get("sliding_window").asInt(), file);
        // gemma2: llama.cpp slides the even layers; phi3: every layer, as the reference build did.
        String sliding = switch (arch) {
            case "gemma2" -> "[0]";
            case "phi3" -> "[0,1]";
            default -> "[]";
        };
        assertEquals(sliding, h.get("sliding_window_layers").toString(), file);
        assertEquals(md.path(p + "attn_logit_softcapping").asDouble(0), h.get("attn_logit_softcapping").asDouble(), 1e-7, file);
        assertEquals(md.path(p + "final_logit_softcapping").asDouble(0), h.get("final_logit_softcapping").asDouble(), 1e-7,
                file);
        assertEquals(arch.startsWith("gemma") ? Math.sqrt(md.get(p + "embedding_length").asInt()) : 1.0,
                h.get("embedding_scale").asDouble(), 1e-6, file);
        assertEquals(md.path(p + "expert_count").asInt(0), h.get("expert_count").asInt(), file);
        assertEquals(md.path(p + "expert_used_count").asInt(0), h.get("expert_used_count").asInt(), file);
        if (md.has(p + "expert_count")) {
            assertEquals(md.get(p + "feed_forward_length").asInt(), h.get("expert_feed_forward_length").asInt(), file);
            assertTrue(h.get("expert_weights_normalized").asBoolean(), "Mixtral renormalizes: " + file);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("textCases")
    void textShowsArchitectureSpecificLines(String file, String expectedLine) {
        CliTest.Run r = CliTest.lucid("info", "--model", SharedFixtures.file("golden/models/" + file).toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(expectedLine), "'" + expectedLine + "' in\n" + r.out());
    }

    static Stream<Arguments> textCases() {
        return Stream.of(
                Arguments.of("synth-gemma2-q8_0.gguf",
                        "attention:     scale 0.125, logit softcap 0.5, sliding window 8 on 1 of 2 layers"),
                Arguments.of("synth-gemma2-q8_0.gguf", "logit softcap: 2"),
                Arguments.of("synth-gemma2-q8_0.gguf", "embed scale:   16"),
                Arguments.of("synth-mixtral-q8_0.gguf",
                        "experts:       4, 2 used per token, feed-forward 256 each, weights renormalized"),
                Arguments.of("synth-qwen2-q8_0.gguf",
                        "rope:          base 1000000, 64 of 64 dims, neox"),
                Arguments.of("synth-phi3-q8_0.gguf", "sliding window 2047 on 2 of 2 layers"));
    }
}
