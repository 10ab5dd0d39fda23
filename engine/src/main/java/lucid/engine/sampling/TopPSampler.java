package lucid.engine.sampling;

import java.util.Arrays;

/**
 * Nucleus sampling: keeps the smallest set of most likely candidates whose probabilities add up to
 * at least p (llama.cpp's {@code cum_sum >= p}), and always at least one. {@code p >= 1} keeps all.
 *
 * <p>The running sum is a double where llama.cpp uses a float; the two differ only when the sum
 * lands within float rounding of p.
 */
public final class TopPSampler implements Sampler {

    /** Up to this many candidates a plain sort is cheapest (e.g. after top-k). */
    private static final int SORT_ALL_BELOW = 1024;
    /**
     * Logit buckets below the maximum, each {@link #BUCKET_WIDTH} wide; the last one gathers
     * everything lower. 128 x 0.25 covers 32 nats: tokens further down carry under e^-32 of the
     * top token's probability each.
     */
    private static final int BUCKETS = 128;
    private static final float BUCKET_WIDTH = 0.25f;

    private final float p;
    // Scratch for the histogram, reused for every token.
    private final double[] bucketMass = new double[BUCKETS];
    private final int[] bucketCount = new int[BUCKETS];

    public TopPSampler(float p) {
        if (!(p > 0)) {
            throw new IllegalArgumentException("p must be > 0, got " + p);
        }
        this.p = p;
    }

    public float p() {
        return p;
    }

    @Override
    public void apply(Candidates candidates) {
        if (p >= 1.0f) {
            return;
        }
        candidates.softmax();
        int n = candidates.size();
        int ranked = n <= SORT_ALL_BELOW ? n : estimateNucleusSize(candidates);
        candidates.sortTop(ranked);
        ranked = candidates.sortedPrefix();
        double cumulative = 0;
        int keep = n;
        for (int i = 0; i < n; i++) {
            if (i == ranked) {
                // The estimate summed in another order and fell just short: rank more.
                ranked = Math.min(n, 2 * ranked);
                candidates.sortTop(ranked);  // keeps probabilities: they are stored per token id
            }
            cumulative += candidates.probability(i);
            if (cumulative >= p) {
                keep = i + 1;
                break;
            }
        }
        candidates.truncate(keep);
    }

    /**
     * How many candidates to rank so that the nucleus is very likely inside them, without sorting
     * the vocabulary: a histogram of probability mass over logit buckets, read from the top until
     * the mass reaches p. Two linear passes instead of a sort of 150k tokens.
     */
    private int estimateNucleusSize(Candidates candidates) {
        Arrays.fill(bucketMass, 0);
        Arrays.fill(bucketCount, 0);
        float max = candidates.logit(candidates.argmax());
        for (int i = 0, n = candidates.size(); i < n; i++) {
            int b = (int) ((max - candidates.logit(i)) / BUCKET_WIDTH);
            if (b >= BUCKETS || b < 0) {  // < 0 only if the subtraction overflowed
                b = BUCKETS - 1;
            }
            bucketMass[b] += candidates.probability(i);
            bucketCount[b]++;
        }
        double mass = 0;
        int count = 0;
        for (int b = 0; b < BUCKETS; b++) {
            mass += bucketMass[b];
            count += bucketCount[b];
            if (mass >= p) {
                break;
            }
        }
        return count;
    }

    @Override
    public String name() {
        return "top-p";
    }

    @Override
    public String toString() {
        return name() + "(" + p + ")";
    }
}
