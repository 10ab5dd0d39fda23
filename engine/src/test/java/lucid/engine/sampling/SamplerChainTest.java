package lucid.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class SamplerChainTest {

    private static List<String> names(SamplerChain chain) {
        return chain.samplers().stream().map(Sampler::name).toList();
    }

    @Test
    void defaultsBuildLlamaCppOrderWithoutDisabledStages() {
        SamplerChain chain = SamplerChain.from(SamplingParams.defaults().withSeed(3), 100);
        assertEquals(List.of("top-k", "top-p", "min-p", "temp", "dist"), names(chain));
        assertEquals(OptionalLong.of(3), chain.seed());

        SamplerChain all = SamplerChain.from(
                SamplingParams.defaults().withRepeatPenalty(1.1f).withSeed(3), 100);
        assertEquals(List.of("penalties", "top-k", "top-p", "min-p", "temp", "dist"), names(all));
        assertEquals("penalties(lastN=64, repeat=1.1, frequency=0.0, presence=0.0) -> top-k(40)"
                + " -> top-p(0.95) -> min-p(0.05) -> temp(0.8) -> dist(seed=3)", all.toString());

        SamplerChain bare = SamplerChain.from(
                SamplingParams.defaults().withTopK(0).withTopP(1f).withMinP(0f), 100);
        assertEquals(List.of("temp", "dist"), names(bare));
        assertEquals(List.of("top-k", "temp", "dist"), names(SamplerChain.from(
                SamplingParams.defaults().withTopK(1).withTopP(1f).withMinP(0f), 100)));
    }

    @Test
    void temperatureZeroIsPenaltiesThenGreedy() {
        SamplingParams p = SamplingParams.greedy().withPresencePenalty(1f);
        assertEquals(List.of("penalties", "greedy"), names(SamplerChain.from(p, 10)));
        assertEquals(List.of("greedy"), names(SamplerChain.from(SamplingParams.greedy(), 10)));
        assertEquals(OptionalLong.empty(), SamplerChain.from(SamplingParams.greedy(), 10).seed());
    }

    @Test
    void temperatureZeroIsGreedyWhateverTheOtherSettings() {
        // Filters that would exclude the argmax if misapplied (top-k 1 keeps it anyway; min-p 1,
        // top-p tiny) and seeds must not matter: every step returns the argmax, lowest id on ties.
        SplittableRandom random = new SplittableRandom(3);
        int vocab = 1000;
        List<SamplingParams> variants = List.of(
                SamplingParams.greedy(),
                SamplingParams.greedy().withTopK(1).withTopP(0.01f).withMinP(1f).withSeed(1),
                SamplingParams.greedy().withTopK(500).withTopP(0.5f).withMinP(0f).withSeed(2),
                SamplingParams.greedy().withSeed(SamplingParams.RANDOM_SEED));
        for (int step = 0; step < 50; step++) {
            float[] logits = new float[vocab];
            for (int i = 0; i < vocab; i++) {
                logits[i] = random.nextInt(20);  // integers: the maximum is often tied
            }
            int expected = ReferenceSampling.rank(logits)[0];
            for (SamplingParams p : variants) {
                assertEquals(expected, SamplerChain.from(p, vocab).sample(logits), p.toString());
            }
        }
    }

    @Test
    void greedyChainAppliesPenaltiesFromAcceptedTokens() {
        SamplerChain chain = SamplerChain.from(SamplingParams.greedy().withRepeatPenalty(2f), 3);
        float[] logits = {3f, 2f, 1f};
        assertEquals(0, chain.sampleAndAccept(logits));
        // Token 0 is now penalized: 3 / 2 = 1.5 < 2, so token 1 wins; then 2 / 2 = 1 = token 2's 1
        // and 1.5 for token 0 wins again.
        assertEquals(1, chain.sampleAndAccept(logits));
        assertEquals(0, chain.sampleAndAccept(logits));
        chain.reset();
        assertEquals(0, chain.sample(logits), "reset forgets the history");
    }

    @Test
    void sameSeedSameLogitsSameTokensThroughTheFullChain() {
        SamplingParams p = SamplingParams.defaults().withSeed(77).withRepeatPenalty(1.1f)
                .withTopK(50).withTemperature(1.2f);
        int vocab = 32_000;
        assertArrayEquals(run(p, vocab, 100), run(p, vocab, 100));
    }

    /** Feeds a fixed sequence of pseudo-logits (independent of the picks) and records the picks. */
    private static int[] run(SamplingParams p, int vocab, int steps) {
        SamplerChain chain = SamplerChain.from(p, vocab);
        SplittableRandom logitSource = new SplittableRandom(5);
        float[] logits = new float[vocab];
        int[] tokens = new int[steps];
        for (int s = 0; s < steps; s++) {
            for (int i = 0; i < vocab; i++) {
                logits[i] = (float) logitSource.nextGaussian();
            }
            tokens[s] = chain.sampleAndAccept(logits);
        }
        return tokens;
    }

    @Test
    void observerSeesEveryStageAndDoesNotChangeThePicks() {
        SamplingParams p = SamplingParams.defaults().withSeed(8).withRepeatPenalty(1.3f);
        int vocab = 5000;
        int[] unobserved = run(p, vocab, 40);

        SamplerChain chain = SamplerChain.from(p, vocab);
        List<String> stages = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        chain.setStageObserver((stage, view) -> {
            stages.add(stage);
            sizes.add(view.size());
            double total = 0;
            for (int i = 0; i < view.size(); i++) {
                total += view.probability(i);
            }
            assertEquals(1.0, total, 1e-4, stage + " probabilities sum to 1");
        });
        SplittableRandom logitSource = new SplittableRandom(5);
        float[] logits = new float[vocab];
        for (int s = 0; s < 40; s++) {
            for (int i = 0; i < vocab; i++) {
                logits[i] = (float) logitSource.nextGaussian();
            }
            stages.clear();
            sizes.clear();
            assertEquals(unobserved[s], chain.sampleAndAccept(logits), "step " + s);
            assertEquals(List.of("logits", "penalties", "top-k", "top-p", "min-p", "temp", "dist"),
                    stages);
            assertEquals(vocab, sizes.get(0));
            assertEquals(40, sizes.get(2), "after top-k 40");
        }
        chain.setStageObserver(null);
        stages.clear();
        chain.sample(logits);
        assertTrue(stages.isEmpty(), "a removed observer is not called");
    }

    @Test
    void wrongLogitCountIsAClearError() {
        SamplerChain chain = SamplerChain.from(SamplingParams.greedy(), 8);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> chain.sample(new float[7]));
        assertEquals("expected 8 logits (the vocabulary size), got 7", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> chain.accept(8));
    }

    @Test
    void aChainThatNeverPicksIsAClearError() {
        SamplerChain chain = new SamplerChain(4, List.of(new TopKSampler(2)));
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> chain.sample(new float[4]));
        assertEquals("no sampler selected a token; end the chain top-k(2) with greedy or dist",
                e.getMessage());
    }
}
