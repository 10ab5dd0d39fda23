package lucid.engine.sampling;

import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Draws the next token from the softmax of the remaining candidates (llama.cpp's {@code dist}).
 * The same seed and the same logits give the same tokens, on every run and every machine.
 *
 * <p>Randomness is a {@link SplittableRandom}: its algorithm (SplitMix64) is fixed by its
 * specification and it lives in java.base, so a jlinked app needs no extra module for it.
 */
public final class DistributionSampler implements Sampler {

    private final long seed;
    private long currentSeed;
    private RandomGenerator random;

    /** @param seed the seed, or {@link SamplingParams#RANDOM_SEED} for a fresh one on every reset */
    public DistributionSampler(long seed) {
        this.seed = seed;
        reset();
    }

    /** The seed in use: the one given, or the one picked for {@link SamplingParams#RANDOM_SEED}. */
    public long currentSeed() {
        return currentSeed;
    }

    @Override
    public void apply(Candidates candidates) {
        int n = candidates.size();
        if (n == 1) {
            // Nothing to draw; like llama.cpp, do not consume a random number either.
            candidates.softmax();
            candidates.select(0);
            return;
        }
        candidates.softmax();
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += candidates.probability(i);
        }
        // Scale by the actual sum, not 1, so rounding in the probabilities cannot leave the
        // target beyond the last candidate; strict < means a zero-probability token is never hit.
        double target = random.nextDouble() * total;
        double cumulative = 0;
        for (int i = 0; i < n; i++) {
            cumulative += candidates.probability(i);
            if (target < cumulative) {
                candidates.select(i);
                return;
            }
        }
        candidates.select(lastWithProbability(candidates));
    }

    private static int lastWithProbability(Candidates candidates) {
        for (int i = candidates.size() - 1; i > 0; i--) {
            if (candidates.probability(i) > 0) {
                return i;
            }
        }
        return 0;
    }

    @Override
    public void reset() {
        currentSeed = seed;
        while (currentSeed == SamplingParams.RANDOM_SEED) {
            currentSeed = ThreadLocalRandom.current().nextLong();
        }
        random = new SplittableRandom(currentSeed);
    }

    @Override
    public String name() {
        return "dist";
    }

    @Override
    public String toString() {
        return name() + "(seed=" + currentSeed + ")";
    }
}
