package lucid.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import lucid.engine.backend.ProductPrecision;
import lucid.engine.inference.Engine;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.model.Repacking;
import lucid.engine.sampling.SamplerChain;
import lucid.engine.sampling.SamplingParams;

/**
 * Our logits and greedy continuations against llama.cpp's (shared/golden/outputs).
 *
 * <p>The engine dequantizes weights exactly and accumulates in F32, so it is compared tightly with
 * llama.cpp's run on the F32-dequantized weights, and loosely with llama.cpp's own quantized run,
 * whose kernels also round the activations (F16 or BF16 for F16/BF16 weights, Q8_0 for Q8_0, Q4_0
 * and Q5_0, Q8_1 for Q4_1, Q8_K for the K-quants). The loose tolerances follow from that rounding:
 * see {@link #looseTolerance}.
 *
 * <p>Every model runs twice. With {@link ProductPrecision#EXACT} the engine does what the dequantized
 * run does, and is held to it tightly. With {@link ProductPrecision#FAST} (the app's default) decode
 * rounds activations to 8 bits for the weight types whose integer kernels are faster, as llama.cpp's
 * own run does, and is held to that run with the loose bounds.
 */
class GoldenLogitsTest {

    /** F32 against F32: only summation order differs; the issue asks for 1e-3. */
    static final float TIGHT = 1e-3f;

    static Engine exact;
    static Engine fast;

    @BeforeAll
    static void startEngines() {
        exact = Engine.create(2, ProductPrecision.EXACT);
        fast = Engine.create(2, ProductPrecision.FAST);
    }

    @AfterAll
    static void stopEngines() {
        exact.close();
        fast.close();
    }

    /**
     * Largest logit difference allowed against llama.cpp's quantized run, as a fraction of the row's
     * largest |logit|. llama.cpp rounds activations before each product: to F16 (relative error
     * 2^-11) for F16 weights, to BF16 (2^-8) for BF16, and to 8-bit blocks (1/127 of the block's
     * largest magnitude, about 0.4%) for Q8_0/Q4_0/Q5_0 (Q8_0) and Q4_1 (Q8_1); these errors compound
     * through the layers. In the golden files llama.cpp's own quantized run differs from its run on
     * dequantized weights by at most 0.05% (F16), 0.55% (BF16) and 2.2% (8-bit) of the row maximum;
     * the bounds leave headroom above those. K-quant products round the activations to Q8_K, whose
     * one scale spans 256 values instead of 32, so one large activation coarsens the steps of eight
     * times as many others: 2.7% for Q3_K and Q2_K, 2.6% Q4_K, 2.4% Q5_K, 2.2% Q6_K, and 3.2% for
     * gemma2's Q4_K file, whose attention soft-capping saturates and so magnifies small score changes.
     * Our logits match the dequantized runs to 5e-6 (3.5e-4 for gemma2's exact GELU), so these
     * distances are fixed by llama.cpp's data, not by drift of ours; the 8-bit bound of 4% sits
     * just above the largest of them.
     */
    static float looseTolerance(String stem) {
        if (stem.endsWith("f16") && !stem.endsWith("bf16")) {
            return 0.002f;
        }
        if (stem.endsWith("bf16")) {
            return 0.01f;
        }
        return 0.04f;
    }

    static Stream<Arguments> models() {
        return Stream.of("stories260k", "stories260k-f16", "stories260k-q8_0-mixed", "stories260k-q5_0-mixed",
                "synth-llama-f32", "synth-llama-f16", "synth-llama-bf16", "synth-llama-q8_0", "synth-llama-q4_0",
                "synth-llama-q4_1", "synth-llama-q5_0", "synth-llama-q2_k", "synth-llama-q3_k_s", "synth-llama-q4_k_s",
                "synth-llama-q5_k_s", "synth-llama-q6_k",
                "synth-qwen2-q8_0", "synth-qwen3-q8_0", "synth-gemma2-q8_0", "synth-phi3-q8_0", "synth-mixtral-q8_0",
                "synth-qwen2-q4_k_s", "synth-qwen3-q4_k_s", "synth-gemma2-q4_k_s", "synth-phi3-q4_k_s",
                "synth-mixtral-q4_k_s")
                .flatMap(stem -> Stream.of(Arguments.of(stem, ProductPrecision.EXACT), Arguments.of(stem, ProductPrecision.FAST)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("models")
    void logitsAndGreedyContinuationMatchLlamaCpp(String stem, ProductPrecision precision) throws IOException {
        Golden.Model golden = Golden.load(stem);
        Engine engine = precision == ProductPrecision.EXACT ? exact : fast;
        try (LoadedModel model = engine.load(golden.modelPath())) {
            check(stem, precision, golden, model);
        }
    }

    /**
     * {@code --repack}: generation reads the Q4_0, Q4_K, Q5_K and Q6_K copies (rows grouped by vector lane), and
     * the logits and greedy tokens still match llama.cpp's as closely as the mapping's do.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"synth-llama-q4_0", "synth-llama-q4_k_s",
            "synth-qwen3-q4_k_s", "synth-phi3-q4_k_s", "synth-llama-q5_k_s", "synth-llama-q6_k"})
    void repackedWeightsMatchLlamaCpp(String stem) throws IOException {
        Golden.Model golden = Golden.load(stem);
        try (LoadedModel model = fast.load(golden.modelPath(), Repacking.AT_LOAD)) {
            assertTrue(model.repackedBytes() > 0, stem + ": the matrices were copied");
            check(stem, ProductPrecision.FAST, golden, model);
        }
    }

    private static void check(String stem, ProductPrecision precision, Golden.Model golden, LoadedModel model) {
        {
            for (Golden.Prompt p : golden.prompts()) {
                int[] tokens = model.tokenizer().encode(p.text(), true, false);
                assertArrayEquals(p.tokens(), tokens, stem + ": token ids of '" + p.text() + "'");

                List<float[]> ours = new ArrayList<>();
                int[] continuation;
                try (InferenceSession session = model.newSession(512)) {
                    session.prefill(tokens, (pos, logits) -> ours.add(logits.clone()));
                    continuation = greedy(session, ours.getLast(), 32);
                }
                boolean exactWeights = p.dequantizedLogits() == null;
                if (precision == ProductPrecision.EXACT || exactWeights) {
                    float[][] reference = exactWeights ? p.logits() : p.dequantizedLogits();
                    float diff = maxDiff(ours, reference);
                    assertTrue(diff <= TIGHT, stem + " '" + p.text() + "': max logit difference " + diff
                            + " against llama.cpp" + (exactWeights ? "" : " on dequantized weights") + " exceeds " + TIGHT);
                }
                if (!exactWeights) {
                    float loose = maxRelativeDiff(ours, p.logits());
                    assertTrue(loose <= looseTolerance(stem), stem + " '" + p.text() + "': logits differ from llama.cpp's "
                            + "quantized run by " + loose + " of the row maximum, more than " + looseTolerance(stem));
                    if (precision == ProductPrecision.EXACT) {
                        assertArrayEquals(p.dequantizedContinuation(), continuation,
                                stem + " '" + p.text() + "': greedy continuation vs llama.cpp on dequantized weights");
                    }
                }
                // llama.cpp's own run: identical tokens wherever its choice was not a near-tie.
                int agree = agreeingPrefix(p, continuation, exactWeights ? TIGHT : looseTolerance(stem) * maxAbs(p.logits()));
                assertTrue(agree >= 0, stem + " '" + p.text() + "': greedy continuation " + Arrays.toString(continuation)
                        + " departs from llama.cpp's " + Arrays.toString(p.continuation()) + " at a step with a clear margin");
            }
        }
    }

    /** Greedy tokens (lowest id wins a tie) as llama.cpp made them: 32 steps, end-of-text not special. */
    static int[] greedy(InferenceSession session, float[] firstLogits, int steps) {
        SamplerChain chain = SamplerChain.from(SamplingParams.greedy(), firstLogits.length);
        int[] out = new int[steps];
        float[] logits = firstLogits;
        for (int i = 0; i < steps; i++) {
            out[i] = chain.sample(logits);
            if (i + 1 < steps) {
                logits = session.step(out[i]);
            }
        }
        return out;
    }

    /**
     * Compares with llama.cpp's continuation up to the first step where its top-two margin is within
     * {@code tolerance} (after a near-tie the sequences may legitimately part). Returns that prefix
     * length, or -1 if a token differs before it.
     */
    static int agreeingPrefix(Golden.Prompt p, int[] ours, float tolerance) {
        for (int i = 0; i < ours.length; i++) {
            if (p.margins()[i] <= 2 * tolerance) {
                return i;
            }
            if (ours[i] != p.continuation()[i]) {
                return -1;
            }
        }
        return ours.length;
    }

    /** Largest difference in a row divided by that row's largest |logit|. */
    static float maxRelativeDiff(List<float[]> ours, float[][] reference) {
        float max = 0;
        for (int pos = 0; pos < reference.length; pos++) {
            float scale = maxAbs(new float[][] {reference[pos]});
            float diff = maxDiff(List.of(ours.get(pos)), new float[][] {reference[pos]});
            max = Math.max(max, diff / scale);
        }
        return max;
    }

    static float maxAbs(float[][] rows) {
        float max = 0;
        for (float[] row : rows) {
            for (float v : row) {
                max = Math.max(max, Math.abs(v));
            }
        }
        return max;
    }

    static float maxDiff(List<float[]> ours, float[][] reference) {
        assertEquals(reference.length, ours.size(), "positions");
        float max = 0;
        for (int pos = 0; pos < reference.length; pos++) {
            assertEquals(reference[pos].length, ours.get(pos).length, "vocabulary size");
            for (int v = 0; v < reference[pos].length; v++) {
                max = Math.max(max, Math.abs(reference[pos][v] - ours.get(pos)[v]));
            }
        }
        return max;
    }
}
