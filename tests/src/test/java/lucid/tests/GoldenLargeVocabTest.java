package lucid.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import lucid.engine.inference.Engine;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;

/**
 * llama2-tiny-random-f16: the full 32,000-token Llama-2 vocabulary with random F16 weights. Its golden
 * file keeps only the top 20 logits and the log-sum-exp of each row, so those are compared.
 */
class GoldenLargeVocabTest {

    @Test
    void top20LogitsLogSumExpAndGreedyTokensMatchLlamaCpp() throws IOException {
        Golden.Model golden = Golden.load("llama2-tiny-random-f16");
        try (Engine engine = Engine.create(2); LoadedModel model = engine.load(golden.modelPath())) {
            for (Golden.Prompt p : golden.prompts()) {
                int[] tokens = model.tokenizer().encode(p.text(), true, false);
                assertArrayEquals(p.tokens(), tokens, "token ids of '" + p.text() + "'");
                JsonNode reference = p.raw().get("dequantized_f32_weights");
                JsonNode top = reference.get("top_logits");
                JsonNode lse = reference.get("logsumexp");
                float[][] ours = new float[tokens.length][];
                int[] continuation;
                try (InferenceSession session = model.newSession(256)) {
                    session.prefill(tokens, (pos, logits) -> ours[pos] = logits.clone());
                    continuation = GoldenLogitsTest.greedy(session, ours[tokens.length - 1], 32);
                }
                for (int pos = 0; pos < tokens.length; pos++) {
                    int[] ids = Golden.ints(top.get(pos).get("ids"));
                    float[] values = Golden.floats(top.get(pos).get("logits"));
                    for (int k = 0; k < ids.length; k++) {
                        float d = Math.abs(ours[pos][ids[k]] - values[k]);
                        assertTrue(d <= GoldenLogitsTest.TIGHT, "position " + pos + " token " + ids[k] + ": logit differs by " + d);
                    }
                    double ourLse = logSumExp(ours[pos]);
                    double d = Math.abs(ourLse - lse.get(pos).asDouble());
                    assertTrue(d <= GoldenLogitsTest.TIGHT, "position " + pos + ": log-sum-exp differs by " + d);
                }
                assertArrayEquals(Golden.ints(reference.get("continuation").get("tokens")), continuation,
                        "greedy continuation of '" + p.text() + "'");
            }
        }
    }

    static double logSumExp(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return max + Math.log(sum);
    }
}
