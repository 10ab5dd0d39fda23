package lucid.engine.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import lucid.engine.backend.ProductPrecision;
import lucid.engine.gguf.SharedFixtures;
import lucid.engine.model.BatchState;
import lucid.engine.model.ForwardObserver;

/**
 * Batched prefill against token-by-token prefill (the decode path) on every architecture of the
 * golden models: Llama, Qwen2 (biases), Qwen3 (q/k norms), Gemma 2 (embedding scale, post-norms,
 * soft-caps, GELU, a sliding window of 8), Phi-3 (fused projections), Mixtral (experts routed token
 * by token). Prompts run over several chunks, one of them partial, and start after a first prompt so
 * that a chunk also attends to earlier cache rows.
 *
 * <p>Tolerance: both paths do the same arithmetic except the order of the float sums in the matrix
 * products (4x2 tiles of decoded rows against the tensor's own dot kernel). Each dot product then
 * differs by about {@code n u |w||x|} (u = 2^-24, n <= 768): a few 1e-6 relative; passing through two
 * layers and the head amplifies that by a small factor. 1e-4 of the row's largest |logit| leaves a
 * margin of more than 10 over what the models show, and is 10x below the 1e-3 the golden tests hold
 * against llama.cpp.
 *
 * <p>The engine runs with {@link ProductPrecision#EXACT}: with {@code FAST}, decode's products round
 * their activations to 8 bits for some weight types and batched prefill does not, so the two paths
 * would differ by that rounding, not by summation order. {@code GoldenLogitsTest} holds FAST runs
 * against llama.cpp's own quantized run, which rounds the same way.
 */
class BatchedPrefillTest {

    static final float RELATIVE = 1e-4f;

    static Engine engine;

    @BeforeAll
    static void start() {
        engine = Engine.create(2, ProductPrecision.EXACT);
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    static Stream<Arguments> models() {
        return Stream.of("synth-llama-q8_0", "synth-llama-q4_0", "synth-llama-f16", "synth-qwen2-q8_0", "synth-qwen3-q8_0",
                "synth-gemma2-q8_0", "synth-phi3-q8_0", "synth-mixtral-q8_0").map(Arguments::of);
    }

    static int[] randomTokens(int n, int vocab, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = random.nextInt(vocab);
        }
        return t;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void batchedPrefillEqualsTokenByToken(String stem) throws IOException {
        try (LoadedModel model = engine.load(SharedFixtures.file("golden/models/" + stem + ".gguf"))) {
            int vocab = model.config().vocabSize();
            int[] first = randomTokens(5, vocab, 1);
            // Two whole chunks and a partial one.
            int[] second = randomTokens(2 * BatchState.DEFAULT_CAPACITY + 17, vocab, 2);
            List<float[]> batched = new ArrayList<>();
            List<float[]> stepped = new ArrayList<>();
            int[] third = randomTokens(3, vocab, 3);
            List<float[]> continued = new ArrayList<>();
            try (InferenceSession s = model.newSession(512)) {
                s.prefill(first, (pos, logits) -> batched.add(logits.clone()));
                float[] last = s.prefill(second, (pos, logits) -> {
                    assertEquals(batched.size(), pos);
                    batched.add(logits.clone());
                });
                assertArrayEquals(batched.getLast(), last);
                assertEquals(first.length + second.length, s.position());
            }
            try (InferenceSession s = model.newSession(512)) {
                for (int t : first) {
                    stepped.add(s.step(t).clone());
                }
                for (int t : second) {
                    stepped.add(s.step(t).clone());
                }
                for (int t : third) {
                    continued.add(s.step(t).clone());
                }
            }
            assertEquals(stepped.size(), batched.size());
            for (int p = 0; p < stepped.size(); p++) {
                assertClose(stepped.get(p), batched.get(p), stem + " position " + p);
            }
            // Without a sink the last block runs only the last token past its keys and values
            // (Transformer.forwardPrompt): its logits are the same, and so are the steps after it,
            // which read the last block's cache of every chunk.
            try (InferenceSession s = model.newSession(512)) {
                s.prefill(first);
                assertClose(stepped.getLast(), s.prefill(second), stem + " last logits");
                for (int i = 0; i < third.length; i++) {
                    assertClose(continued.get(i), s.step(third[i]), stem + " step " + i + " after the prompt");
                }
            }
        }
    }

    /** Observers see each position's attention row and residual, as they do token by token. */
    @Test
    void observersSeeEveryPositionOfABatch() throws IOException {
        try (LoadedModel model = engine.load(SharedFixtures.file("golden/models/synth-gemma2-q8_0.gguf"))) {
            int[] prompt = randomTokens(BatchState.DEFAULT_CAPACITY + 9, model.config().vocabSize(), 3);
            Recorder batched = new Recorder();
            Recorder stepped = new Recorder();
            try (InferenceSession s = model.newSession(256)) {
                s.setObserver(batched);
                s.prefill(prompt);
            }
            try (InferenceSession s = model.newSession(256)) {
                s.setObserver(stepped);
                for (int t : prompt) {
                    s.step(t);
                }
            }
            // A chunk runs layer by layer, so calls come in another order than token by token; each
            // (layer, position) is seen once with the same values.
            assertEquals(stepped.values.keySet(), batched.values.keySet());
            assertEquals(stepped.calls, batched.calls);
            for (var e : stepped.values.entrySet()) {
                float[] a = e.getValue();
                float[] b = batched.values.get(e.getKey());
                assertEquals(a.length, b.length);
                for (int j = 0; j < a.length; j++) {
                    assertEquals(a[j], b[j], 1e-4f * Math.max(1f, Math.abs(a[j])), e.getKey() + " [" + j + "]");
                }
            }
        }
    }

    private static void assertClose(float[] expected, float[] actual, String where) {
        float max = 0f;
        for (float v : expected) {
            max = Math.max(max, Math.abs(v));
        }
        float tolerance = RELATIVE * Math.max(1f, max);
        for (int i = 0; i < expected.length; i++) {
            float d = Math.abs(expected[i] - actual[i]);
            assertTrue(d <= tolerance, where + " logit " + i + ": " + expected[i] + " vs " + actual[i]
                    + " (tolerance " + tolerance + ")");
        }
    }

    /** Records attention of layer 0 (sliding) at a few positions and residuals of layer 1 at others. */
    static final class Recorder implements ForwardObserver {
        final java.util.Map<String, float[]> values = new java.util.TreeMap<>();
        int calls;

        @Override
        public boolean wantsAttention(int layer, int position) {
            return layer == 0 && (position == 3 || position == 40 || position == BatchState.DEFAULT_CAPACITY + 5);
        }

        @Override
        public void onAttention(int layer, int head, int position, float[] weights, int offset) {
            calls++;
            values.put("attention " + layer + " " + head + " " + position,
                    java.util.Arrays.copyOfRange(weights, offset, offset + position + 1));
        }

        @Override
        public boolean wantsResidual(int layer, int position) {
            return layer == 1 && position % 10 == 0;
        }

        @Override
        public void onResidual(int layer, int position, float[] residual) {
            calls++;
            values.put("residual " + layer + " " + position, residual.clone());
        }
    }
}
