package lucid.tests;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import lucid.engine.gguf.SharedFixtures;

/**
 * Reads llama.cpp's reference outputs in shared/golden/outputs (format described in
 * shared/golden/README.md).
 */
final class Golden {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Golden() {
    }

    /** One model's golden file. */
    record Model(String stem, Path modelPath, String logitsMode, int nVocab, List<Prompt> prompts) {
    }

    /**
     * One prompt of a golden file.
     *
     * @param logits             (positions, vocab) llama.cpp's logits, or null in top20 mode
     * @param dequantizedLogits  the same run on the weights dequantized to F32, or null if the model is F32
     * @param continuation       32 greedy tokens from llama.cpp's main run
     * @param dequantizedContinuation greedy tokens of the dequantized run, or null
     * @param margins            top1 - top2 logit at each continuation step of the main run
     */
    record Prompt(String text, int[] tokens, float[][] logits, float[][] dequantizedLogits, int[] continuation,
                  int[] dequantizedContinuation, float[] margins, String continuationText, JsonNode raw) {
    }

    static Model load(String stem) throws IOException {
        Path file = SharedFixtures.file("golden/outputs/" + stem + ".json");
        JsonNode root = MAPPER.readTree(file.toFile());
        Path model = SharedFixtures.file(root.get("model_path").asText());
        List<Prompt> prompts = new ArrayList<>();
        for (JsonNode p : root.get("prompts")) {
            JsonNode deq = p.get("dequantized_f32_weights");
            prompts.add(new Prompt(p.get("prompt").asText(), ints(p.get("tokens")), matrix(p.get("logits")),
                    deq == null ? null : matrix(deq.get("logits")),
                    ints(p.get("continuation").get("tokens")),
                    deq == null ? null : ints(deq.get("continuation").get("tokens")),
                    floats(p.get("continuation").get("top1_minus_top2")),
                    p.get("continuation").get("text").asText(), p));
        }
        return new Model(stem, model, root.get("logits_mode").asText(), root.get("n_vocab").asInt(), prompts);
    }

    static JsonNode perplexity() throws IOException {
        return MAPPER.readTree(SharedFixtures.file("golden/perplexity.json").toFile());
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    static float[][] matrix(JsonNode rows) {
        if (rows == null) {
            return null;
        }
        float[][] out = new float[rows.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = floats(rows.get(i));
        }
        return out;
    }
}
