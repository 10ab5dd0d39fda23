package lucid.engine.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import lucid.engine.gguf.SharedFixtures;
import lucid.engine.model.UnsupportedModelException;
import lucid.engine.sampling.SamplingParams;

class InferenceSessionTest {

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

    int[] prompt() {
        return model.tokenizer().encode("Lily and Tom went to the park. They saw", true, false);
    }

    @Test
    void prefillEqualsStepByStep() {
        int[] p = prompt();
        float[] batched;
        try (InferenceSession s = model.newSession(64)) {
            batched = s.prefill(p);
        }
        try (InferenceSession s = model.newSession(64)) {
            float[] last = null;
            for (int t : p) {
                last = s.step(t).clone();
            }
            // Same arithmetic, but the JIT may compile the vector reductions differently between the two
            // runs (interpreted, C1, C2), which reorders float additions: allow that, nothing more.
            assertArrayEquals(batched, last, 1e-5f);
            assertEquals(p.length, s.position());
            assertArrayEquals(p, s.tokens());
        }
    }

    @Test
    void rewindThenReplayGivesTheSameLogits() {
        int[] p = prompt();
        try (InferenceSession s = model.newSession(64)) {
            s.prefill(p);
            float[] next = s.step(300).clone();
            float[] after = s.step(301).clone();
            s.rewind(2);
            assertEquals(p.length, s.position());
            assertArrayEquals(next, s.step(300), 1e-5f);
            assertArrayEquals(after, s.step(301), 1e-5f);
            assertThrows(IllegalArgumentException.class, () -> s.rewind(1000));
        }
    }

    @Test
    void resultsDoNotDependOnThreadCount() throws IOException {
        int[] p = prompt();
        try (Engine one = Engine.create(1); LoadedModel m1 = one.load(model.path());
             InferenceSession s1 = m1.newSession(64); InferenceSession s2 = model.newSession(64)) {
            // Rows are split across threads but each row's sum is computed by one thread in a fixed order,
            // so only the JIT's choice of float reduction order can differ: far below 1e-5.
            assertArrayEquals(s1.prefill(p), s2.prefill(p), 1e-5f);
        }
    }

    @Test
    void contextFullIsReportedNotCorrupted() {
        try (InferenceSession s = model.newSession(4)) {
            s.prefill(new int[] {1, 403, 407});
            s.step(261);
            assertEquals(0, s.remaining());
            assertThrows(ContextFullException.class, () -> s.step(378));
            assertThrows(ContextFullException.class, () -> model.newSession(4).prefill(new int[] {1, 2, 3, 4, 5}));
            var r = new Generator(model.newSession(8)).generate(new int[] {1, 403, 407, 261, 378},
                    SamplingParams.greedy(), null);
            assertEquals(StopReason.CONTEXT_FULL, r.reason());
            assertEquals(4, r.tokens().length);
        }
    }

    @Test
    void badTokenIdsAreRefused() {
        try (InferenceSession s = model.newSession(8)) {
            assertThrows(IllegalArgumentException.class, () -> s.step(512));
            assertThrows(IllegalArgumentException.class, () -> s.step(-1));
            assertEquals(0, s.position());
        }
    }

    @Test
    void cancelFromAnotherThreadStopsGeneration() throws Exception {
        try (InferenceSession s = model.newSession(2048)) {
            CountDownLatch started = new CountDownLatch(1);
            Thread canceller = Thread.ofPlatform().start(() -> {
                try {
                    started.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                s.cancel();
            });
            GenerationResult r = new Generator(s).generate(prompt(), SamplingParams.greedy().withMaxTokens(100_000),
                    e -> {
                        if (e instanceof GenerationEvent.TokenGenerated) {
                            started.countDown();
                        }
                    });
            canceller.join();
            assertEquals(StopReason.CANCELLED, r.reason());
            assertTrue(r.tokens().length < 2000, "stopped early: " + r.tokens().length);
            s.clearCancel();
            s.step(300); // still usable after a cancel
        }
        try (InferenceSession s = model.newSession(64)) {
            s.cancel();
            assertThrows(CancellationException.class, () -> s.prefill(prompt()));
        }
    }

    @Test
    void unknownArchitectureIsRefusedWithTheSupportedList() {
        var e = assertThrows(UnsupportedModelException.class,
                () -> engine.load(SharedFixtures.file("models/vocab-only/ggml-vocab-gpt-2.gguf")));
        assertTrue(e.getMessage().contains("'gpt2'") && e.getMessage().contains("llama"), e.getMessage());
    }

    @Test
    void prefillLayersRunsOnlyTheEarlyBlocksAndBlocksGenerationUntilReset() {
        int[] prompt = model.tokenizer().encode("Once upon a time, there was a little girl", true, false);
        int dim = model.config().embeddingLength();
        // The residual after block 1 at every position, from a full prefill and from prefillLayers(2).
        float[][] full = new float[prompt.length][];
        float[][] partial = new float[prompt.length][];
        int[] deepest = {-1};
        try (InferenceSession session = model.newSession(64)) {
            session.setObserver(residualsOf(1, full, deepest));
            session.prefill(prompt);
            session.reset();
            deepest[0] = -1;
            session.setObserver(residualsOf(1, partial, deepest));
            java.util.List<Integer> progress = new java.util.ArrayList<>();
            session.prefillLayers(prompt, 2, progress::add);
            assertEquals(1, deepest[0], "no block after the second one ran");
            assertEquals(prompt.length, session.position());
            assertEquals(java.util.List.of(prompt.length), progress);
            for (int p = 0; p < prompt.length; p++) {
                for (int i = 0; i < dim; i++) {
                    assertEquals(full[p][i], partial[p][i], 1e-5, "residual " + p + "/" + i);
                }
            }
            assertThrows(IllegalStateException.class, () -> session.step(prompt[0]));
            assertThrows(IllegalStateException.class, () -> session.prefill(prompt));
            assertThrows(IllegalStateException.class, () -> session.prefillLayers(prompt, 1, null));
            session.reset();
            session.setObserver(null);
            assertEquals(model.config().vocabSize(), session.prefill(prompt).length);
        }
    }

    private static lucid.engine.model.ForwardObserver residualsOf(int layer, float[][] into, int[] deepest) {
        return new lucid.engine.model.ForwardObserver() {
            @Override
            public boolean wantsAttention(int l, int position) {
                return false;
            }

            @Override
            public void onAttention(int l, int head, int position, float[] weights, int offset) {
            }

            @Override
            public boolean wantsResidual(int l, int position) {
                deepest[0] = Math.max(deepest[0], l);
                return l == layer;
            }

            @Override
            public void onResidual(int l, int position, float[] residual) {
                into[position] = residual.clone();
            }
        };
    }
}
