package lucid.engine.sampling;

/**
 * Nucleus sampling: keeps the smallest set of most likely candidates whose probabilities add up to
 * at least p (llama.cpp's {@code cum_sum >= p}), and always at least one. {@code p >= 1} keeps all.
 *
 * <p>The running sum is a double where llama.cpp uses a float; the two differ only when the sum
 * lands within float rounding of p.
 */
public final class TopPSampler implements Sampler {

    /**
     * Candidates sorted per round when the list is not sorted yet. The nucleus of a real model's
     * distribution is usually a few dozen tokens, so a short ranked prefix mostly suffices and a
     * full sort of the vocabulary is avoided; when it does not, the prefix doubles.
     */
    private static final int FIRST_ROUND = 64;

    private final float p;

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
        int ranked = candidates.sortedPrefix();
        double cumulative = 0;
        int keep = n;
        for (int i = 0; i < n; i++) {
            if (i == ranked) {
                ranked = Math.min(n, Math.max(FIRST_ROUND, 2 * ranked));
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

    @Override
    public String name() {
        return "top-p";
    }

    @Override
    public String toString() {
        return name() + "(" + p + ")";
    }
}
