package lucid.engine.inspect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import lucid.engine.gguf.SharedFixtures;
import lucid.engine.inference.Engine;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;

class AttentionCaptureTest {

    static Engine engine;
    static LoadedModel model;
    static int[] tokens;

    @BeforeAll
    static void load() throws IOException {
        engine = Engine.create(2);
        model = engine.load(SharedFixtures.file("models/stories260k.gguf"));
        tokens = model.tokenizer().encode("Lily and Tom went to the park. They saw a big dog.", true, false);
    }

    @AfterAll
    static void close() {
        model.close();
        engine.close();
    }

    @Test
    void rowsSumToOneAndNeverLookAhead() {
        var layers = AttentionCapture.capture(model, tokens, new int[] {0, 4}, null);
        assertEquals(2, layers.length);
        for (var layer : layers) {
            assertEquals(8, layer.heads().length);
            for (float[][] head : layer.weights()) {
                for (int q = 0; q < tokens.length; q++) {
                    double sum = 0;
                    for (int k = 0; k < tokens.length; k++) {
                        if (k > q) {
                            assertEquals(0f, head[q][k], "query " + q + " must not see key " + k);
                        }
                        assertTrue(head[q][k] >= 0f);
                        sum += head[q][k];
                    }
                    assertEquals(1.0, sum, 1e-5, "row " + q);
                }
            }
        }
    }

    @Test
    void groupedQueryHeadsReportTheirKvHead() {
        // stories260k: 8 query heads share 4 KV heads, two each.
        var layer = AttentionCapture.capture(model, tokens, new int[] {1}, new int[] {0, 1, 2, 7}, null)[0];
        assertArrayEquals(new int[] {0, 0, 1, 3}, layer.kvHeads());
        assertThrows(IllegalArgumentException.class, () -> AttentionCapture.capture(model, tokens, new int[] {5}, null));
        assertThrows(IllegalArgumentException.class,
                () -> AttentionCapture.capture(model, tokens, new int[] {0}, new int[] {8}, null));
    }

    @Test
    void matchesAPlainScalarRecomputation() throws IOException {
        var captured = AttentionCapture.capture(model, tokens, new int[] {0, 1, 2, 3, 4}, null);
        try (NaiveLlama naive = new NaiveLlama(model.path())) {
            double[][][][] reference = naive.attention(tokens);
            for (int l = 0; l < 5; l++) {
                for (int h = 0; h < 8; h++) {
                    for (int q = 0; q < tokens.length; q++) {
                        for (int k = 0; k <= q; k++) {
                            assertEquals(reference[l][h][q][k], captured[l].head(h)[q][k], 1e-4,
                                    "layer " + l + " head " + h + " query " + q + " key " + k);
                        }
                    }
                }
            }
        }
    }

    @Test
    void observingDoesNotChangeTheModelsOutput() {
        float[] plain;
        try (InferenceSession s = model.newSession(tokens.length)) {
            plain = s.prefill(tokens);
        }
        float[] observed;
        try (InferenceSession s = model.newSession(tokens.length)) {
            AttentionCapture.capture(s, tokens, new int[] {0, 1, 2, 3, 4}, new int[] {0, 1, 2, 3, 4, 5, 6, 7}, null);
            s.reset();
            observed = s.prefill(tokens);
        }
        assertArrayEquals(plain, observed, 1e-5f);
    }

    @Test
    void rolloutRowsAreDistributionsOverEarlierTokens() {
        float[][] rollout = AttentionCapture.rollout(AttentionCapture.capture(model, tokens, new int[] {0, 1, 2, 3, 4}, null));
        for (int q = 0; q < tokens.length; q++) {
            double sum = 0;
            for (int k = 0; k < tokens.length; k++) {
                if (k > q) {
                    assertEquals(0f, rollout[q][k]);
                }
                sum += rollout[q][k];
            }
            assertEquals(1.0, sum, 1e-4);
        }
        assertEquals(1f, rollout[0][0], 1e-6f, "the first token can only come from itself");
    }

    @Test
    void slidingWindowLayersGiveZeroWeightBeyondTheWindow() throws IOException {
        // synth-gemma2: layer 0 slides with a window of 8, layer 1 is global (shared/golden/README.md).
        try (LoadedModel gemma = engine.load(SharedFixtures.file("golden/models/synth-gemma2-q8_0.gguf"))) {
            int[] t = gemma.tokenizer().encode("Once upon a time there was a little girl named Lily who", true, false);
            assertTrue(t.length > 10);
            var layers = AttentionCapture.capture(gemma, t, new int[] {0, 1}, null);
            for (float[][] head : layers[0].weights()) {
                int q = t.length - 1;
                for (int k = 0; k <= q - 8; k++) {
                    assertEquals(0f, head[q][k], "sliding layer: key " + k + " is out of the window of query " + q);
                }
            }
            float early = 0;
            for (float[][] head : layers[1].weights()) {
                early += head[t.length - 1][0];
            }
            assertTrue(early > 0f, "the global layer still sees the first token");
        }
    }

    @Test
    void logitLensAtTheLastLayerIsTheModelsOutput() {
        int last = tokens.length - 1;
        LogitLens.Result lens = LogitLens.compute(model, tokens, new int[] {3, last}, 5, null);
        assertEquals(5, lens.top().size(), "one row per layer");
        float[] logits;
        try (InferenceSession s = model.newSession(tokens.length)) {
            logits = s.prefill(tokens);
        }
        List<Alternative> expected = new Distribution(model.tokenizer(), 5).of(last, logits, 0, false, null).top();
        List<Alternative> actual = lens.top().get(4).get(1);
        for (int i = 0; i < 5; i++) {
            assertEquals(expected.get(i).id(), actual.get(i).id());
            assertEquals(expected.get(i).prob(), actual.get(i).prob(), 1e-5);
        }
        // Earlier layers are not simply the same distribution.
        assertTrue(lens.top().get(0).get(1).getFirst().prob() != actual.getFirst().prob());
    }

    @Test
    void logitLensOnACallersSessionMatchesAndCanBeCancelled() {
        int[] positions = {0, 2, tokens.length - 1};
        LogitLens.Result own = LogitLens.compute(model, tokens, positions, 3, null);
        try (InferenceSession s = model.newSession(tokens.length)) {
            s.prefill(new int[] {tokens[0]}); // a used session is reset first
            LogitLens.Result onSession = LogitLens.compute(s, tokens, positions, 3, null);
            for (int l = 0; l < own.top().size(); l++) {
                for (int i = 0; i < positions.length; i++) {
                    assertEquals(own.top().get(l).get(i).getFirst().id(), onSession.top().get(l).get(i).getFirst().id());
                    assertEquals(own.top().get(l).get(i).getFirst().prob(),
                            onSession.top().get(l).get(i).getFirst().prob(), 1e-5);
                }
            }
            // Cancelled from the progress callback, as a view's Cancel button would from another thread.
            assertThrows(java.util.concurrent.CancellationException.class,
                    () -> LogitLens.compute(s, tokens, positions, 3, done -> s.cancel()));
            // Cancelled after the last token: the projections stop too.
            assertThrows(java.util.concurrent.CancellationException.class,
                    () -> LogitLens.compute(s, tokens, positions, 3, done -> {
                        if (done == tokens.length) {
                            s.cancel();
                        }
                    }));
            java.util.List<Integer> steps = new java.util.ArrayList<>();
            assertEquals(own.top().size(), LogitLens.compute(s, tokens, positions, 3, steps::add).top().size(),
                    "the session is usable after a cancel");
            int layers = model.config().blockCount();
            assertEquals(LogitLens.steps(tokens.length, layers), steps.getLast(), "progress ends at steps(): " + steps);
            for (int i = 1; i < steps.size(); i++) {
                assertTrue(steps.get(i) > steps.get(i - 1), "progress only grows: " + steps);
            }
            assertEquals(layers, steps.stream().filter(d -> d > tokens.length).count(), "one step per projected layer");
        }
    }
}
