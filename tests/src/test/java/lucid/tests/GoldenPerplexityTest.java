package lucid.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

import lucid.engine.gguf.SharedFixtures;
import lucid.engine.inference.Engine;
import lucid.engine.inference.LoadedModel;
import lucid.engine.lab.Perplexity;

/** Perplexity on story-visible.txt with llama-perplexity's method and settings (-c 128). */
class GoldenPerplexityTest {

    @ParameterizedTest
    @ValueSource(strings = {"stories260k.gguf", "stories260k-f16.gguf", "stories260k-q8_0-mixed.gguf",
            "stories260k-q5_0-mixed.gguf", "synth-llama-f32.gguf", "synth-llama-q8_0.gguf", "synth-llama-q4_k_s.gguf"})
    void withinHalfAPercentOfLlamaCpp(String modelName) throws IOException {
        JsonNode golden = null;
        for (JsonNode r : Golden.perplexity().get("results")) {
            if (r.get("model").asText().equals(modelName)) {
                golden = r;
            }
        }
        assertTrue(golden != null, "no golden perplexity for " + modelName);
        String text = Files.readString(SharedFixtures.file("golden/story-visible.txt"), StandardCharsets.UTF_8);
        try (Engine engine = Engine.create(2);
             LoadedModel model = engine.load(SharedFixtures.file(golden.get("model_path").asText()))) {
            Perplexity.Result r = Perplexity.compute(model, text, 128, null);
            assertEquals(golden.get("n_chunks").asInt(), r.chunks(), "chunks");
            assertEquals(golden.get("scored_tokens").asInt(), r.scoredTokens(), "scored tokens");
            // llama.cpp's quantized kernels round activations, so compare quantized files with the run on
            // dequantized weights where the golden file has one; the 0.5% bound covers both.
            double expected = golden.has("ppl_dequantized_f32_weights") ? golden.get("ppl_dequantized_f32_weights").asDouble()
                    : golden.get("ppl").asDouble();
            double relative = Math.abs(r.perplexity() - expected) / expected;
            double relativeToMain = Math.abs(r.perplexity() - golden.get("ppl").asDouble()) / golden.get("ppl").asDouble();
            assertTrue(relativeToMain <= 0.005, modelName + ": perplexity " + r.perplexity() + " vs llama.cpp's quantized run "
                    + golden.get("ppl").asDouble());
            assertTrue(relative <= 0.005, modelName + ": perplexity " + r.perplexity() + " vs llama.cpp " + expected
                    + " (" + String.format("%.3f%%", relative * 100) + ")");
        }
    }
}
