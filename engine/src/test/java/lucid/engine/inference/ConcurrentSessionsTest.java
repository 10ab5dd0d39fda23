package lucid.engine.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import lucid.engine.backend.ProductPrecision;
import lucid.engine.gguf.SharedFixtures;

/**
 * Two sessions of one model on two threads share the engine's backend, as the app's generation and
 * its lab captures (or its warm-up) do: each must get what it gets alone. The backend's job
 * fields, cursors and activation buffers are shared, so its operations must not interleave.
 */
class ConcurrentSessionsTest {

    @Test
    void sessionsOnTwoThreadsGetWhatTheyGetAlone() throws Exception {
        // EXACT: in FAST a last-bit difference (the interpreter and C2 sum lanes in different orders
        // until the kernels are compiled) can flip an activation's 8-bit rounding, a step of 1/127.
        try (Engine engine = Engine.create(2, ProductPrecision.EXACT);
             LoadedModel model = engine.load(SharedFixtures.file("golden/models/synth-llama-q8_0.gguf"))) {
            int[][] prompts = {prompt(model, 40, 3), prompt(model, 40, 11)};
            for (int warm = 0; warm < 3; warm++) { // compiled kernels sum lanes in another order than interpreted ones
                run(model, prompts[0]);
                run(model, prompts[1]);
            }
            float[][][] alone = {run(model, prompts[0]), run(model, prompts[1])};
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                for (int round = 0; round < 5; round++) {
                    CyclicBarrier start = new CyclicBarrier(2);
                    List<Future<float[][]>> both = new ArrayList<>();
                    for (int k = 0; k < 2; k++) {
                        int[] p = prompts[k];
                        both.add(pool.submit(() -> {
                            start.await();
                            return run(model, p);
                        }));
                    }
                    for (int k = 0; k < 2; k++) {
                        float[][] together = both.get(k).get(60, TimeUnit.SECONDS);
                        for (int i = 0; i < together.length; i++) {
                            // Same arithmetic; only a recompilation between runs may move the last bits.
                            // Interleaved products give garbage, exceptions or a hang, not 1e-5.
                            assertArrayEquals(alone[k][i], together[i], 1e-5f * maxAbs(alone[k][i]),
                                    "round " + round + ", session " + k + ", output " + i);
                        }
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static int[] prompt(LoadedModel model, int n, int seed) {
        int vocab = model.config().vocabSize();
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = (i * 31 + seed * 17 + 1) % vocab;
        }
        return p;
    }

    /**
     * The prompt's last logits, then the logits of 20 decode steps (products and attention) fed fixed
     * tokens: greedy choices could part at a near-tie and make the runs incomparable.
     */
    private static float[][] run(LoadedModel model, int[] prompt) {
        float[][] out = new float[21][];
        try (InferenceSession s = model.newSession(prompt.length + 21)) {
            float[] logits = s.prefill(prompt);
            out[0] = logits.clone();
            for (int i = 1; i <= 20; i++) {
                logits = s.step(prompt[i]);
                out[i] = logits.clone();
            }
        }
        return out;
    }

    private static float maxAbs(float[] v) {
        float m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
