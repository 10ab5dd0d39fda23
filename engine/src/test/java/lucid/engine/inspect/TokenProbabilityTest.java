package lucid.engine.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import lucid.engine.gguf.SharedFixtures;
import lucid.engine.inference.Engine;
import lucid.engine.inference.GenerationResult;
import lucid.engine.inference.Generator;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.sampling.SamplingParams;

class TokenProbabilityTest {

    static Engine engine;
    static LoadedModel model;

    @BeforeAll
    static void load() throws IOException {
        engine = Engine.create(2);
        model = engine.load(SharedFixtures.file("models/stories260k.gguf"));
    }

    @AfterAll
    static void close() {
        model.close();
        engine.close();
    }

    @Test
    void handComputedDistribution() {
        // logits ln(1), ln(2), ln(3), ln(2): probabilities 1/8, 2/8, 3/8, 2/8.
        float[] logits = {0f, (float) Math.log(2), (float) Math.log(3), (float) Math.log(2)};
        TokenProbability t = new Distribution(model.tokenizer(), 3).of(5, logits, 3, true, null);
        assertEquals(0.25, t.prob(), 1e-6);
        assertEquals(Math.log(0.25), t.logprob(), 1e-6);
        assertEquals(2, t.rank(), "token 2 is more likely, token 1 ties and has the lower id");
        double h = -(0.125 * Math.log(0.125) + 2 * 0.25 * Math.log(0.25) + 0.375 * Math.log(0.375));
        assertEquals(h, t.entropy(), 1e-6);
        assertEquals(List.of(2, 1, 3), t.top().stream().map(Alternative::id).toList());
        assertEquals(0.375, t.top().getFirst().prob(), 1e-6);
        assertEquals(5, t.position());
    }

    @Test
    void promptProbabilitiesAreTheSoftmaxOfLlamaCppLogits() throws IOException {
        JsonNode golden = new ObjectMapper().readTree(SharedFixtures.file("golden/outputs/stories260k.json").toFile());
        for (JsonNode prompt : golden.get("prompts")) {
            int[] tokens = model.tokenizer().encode(prompt.get("prompt").asText(), true, false);
            List<TokenProbability> recorded = new ArrayList<>();
            try (InferenceSession session = model.newSession(128)) {
                new Generator(session).recordProbabilities(new Distribution(model.tokenizer(), 20), false, recorded::add)
                        .generate(tokens, SamplingParams.greedy().withMaxTokens(4), null);
            }
            assertEquals(tokens.length - 1 + 4, recorded.size(), "one entry per prompt token after the first, then per generated");
            for (int pos = 1; pos < tokens.length; pos++) {
                TokenProbability t = recorded.get(pos - 1);
                assertEquals(pos, t.position());
                assertEquals(tokens[pos], t.id());
                assertFalse(t.generated());
                JsonNode row = prompt.get("logits").get(pos - 1);
                double[] reference = softmax(row);
                assertEquals(reference[tokens[pos]], t.prob(), 1e-4, "probability of prompt token at " + pos);
                assertEquals(20, t.top().size());
                for (Alternative a : t.top()) {
                    assertEquals(reference[a.id()], a.prob(), 1e-4, "top-20 entry " + a.id());
                }
                for (int k = 1; k < t.top().size(); k++) {
                    assertTrue(t.top().get(k - 1).prob() >= t.top().get(k).prob());
                }
            }
            for (TokenProbability t : recorded.subList(tokens.length - 1, recorded.size())) {
                assertTrue(t.generated());
                assertEquals(0, t.rank(), "greedy picks the top token");
                assertEquals(t.id(), t.top().getFirst().id());
                assertNotNull(t.sampled());
            }
        }
    }

    @Test
    void generatedOnlyRecordingSkipsThePromptButSeesTheSameTokens() {
        int[] prompt = model.tokenizer().encode("Once upon a time", true, false);
        List<TokenProbability> all = new ArrayList<>();
        List<TokenProbability> generatedOnly = new ArrayList<>();
        try (InferenceSession s = model.newSession(64)) {
            new Generator(s).recordProbabilities(new Distribution(model.tokenizer(), 5), false, all::add)
                    .generate(prompt, SamplingParams.greedy().withMaxTokens(6), null);
        }
        try (InferenceSession s = model.newSession(64)) {
            new Generator(s).recordGeneratedProbabilities(new Distribution(model.tokenizer(), 5), false, generatedOnly::add)
                    .generate(prompt, SamplingParams.greedy().withMaxTokens(6), null);
        }
        assertEquals(6, generatedOnly.size());
        assertTrue(generatedOnly.stream().allMatch(TokenProbability::generated));
        List<TokenProbability> generated = all.stream().filter(TokenProbability::generated).toList();
        for (int i = 0; i < 6; i++) {
            assertEquals(generated.get(i).id(), generatedOnly.get(i).id());
            assertEquals(generated.get(i).prob(), generatedOnly.get(i).prob(), 1e-5);
        }
    }

    @Test
    void samplerViewShowsWhatTheChainDid() {
        int[] prompt = model.tokenizer().encode("Once upon a time", true, false);
        List<TokenProbability> recorded = new ArrayList<>();
        GenerationResult r;
        try (InferenceSession session = model.newSession(128)) {
            SamplingParams params = SamplingParams.defaults().withTopK(5).withTemperature(0.7f).withSeed(7).withMaxTokens(8);
            r = new Generator(session).recordProbabilities(new Distribution(model.tokenizer(), 10), true, recorded::add)
                    .generate(prompt, params, null);
        }
        List<TokenProbability> generated = recorded.stream().filter(TokenProbability::generated).toList();
        assertEquals(r.tokens().length, generated.size());
        for (TokenProbability t : generated) {
            SampledView s = t.sampled();
            assertTrue(s.rank() >= 0 && s.rank() < 5, "a drawn token survived top-k 5: " + s.rank());
            assertTrue(s.prob() > 0);
            assertTrue(s.top().size() <= 5, "top-k 5 leaves at most 5 candidates");
            double sum = s.top().stream().mapToDouble(Alternative::prob).sum();
            assertEquals(1.0, sum, 1e-5, "the sampled distribution is renormalized over the survivors");
            List<String> stages = s.stages().stream().map(SamplerStage::name).toList();
            assertEquals("logits", stages.getFirst());
            assertTrue(stages.contains("top-k") && stages.contains("temp"), stages.toString());
            assertEquals(5, s.stages().get(stages.indexOf("top-k")).candidates());
            // Each stage knows the drawn token: raw softmax first (the model's probability, in float),
            // the distribution it was drawn from last.
            assertEquals(t.prob(), s.stages().getFirst().prob(), 1e-5);
            assertEquals(t.rank(), s.stages().getFirst().rank());
            assertEquals(s.prob(), s.stages().getLast().prob(), 0.0);
            assertEquals(s.rank(), s.stages().getLast().rank());
            for (SamplerStage stage : s.stages()) {
                stage.top().stream().filter(a -> a.id() == t.id()).findFirst()
                        .ifPresent(a -> assertEquals(a.prob(), stage.prob(), 0.0, stage.name()));
            }
            // Temperature 0.7 sharpens: the top token's probability grows from the raw distribution.
            assertTrue(s.top().getFirst().prob() >= t.top().getFirst().prob() - 1e-9);
        }
        // The recorded run and a plain run with the same seed pick the same tokens: watching changes nothing.
        try (InferenceSession session = model.newSession(128)) {
            SamplingParams params = SamplingParams.defaults().withTopK(5).withTemperature(0.7f).withSeed(7).withMaxTokens(8);
            assertEquals(java.util.Arrays.toString(r.tokens()),
                    java.util.Arrays.toString(new Generator(session).generate(prompt, params, null).tokens()));
        }
    }

    static double[] softmax(JsonNode row) {
        double max = Double.NEGATIVE_INFINITY;
        for (JsonNode v : row) {
            max = Math.max(max, v.asDouble());
        }
        double[] p = new double[row.size()];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(row.get(i).asDouble() - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }
}
