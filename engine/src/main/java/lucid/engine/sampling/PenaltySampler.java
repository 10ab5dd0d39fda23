package lucid.engine.sampling;

import java.util.Arrays;

/**
 * Makes recently accepted tokens less likely, as llama.cpp's {@code penalties} sampler does. For
 * a token that occurred {@code count > 0} times among the last {@code lastN} accepted tokens:
 * <pre>
 *   logit = logit > 0 ? logit / repeat : logit * repeat     // once, however many occurrences
 *   logit -= count * frequency + presence
 * </pre>
 * Dividing a negative logit would raise it, which is why non-positive logits are multiplied.
 * Tokens not in the window are left alone.
 */
public final class PenaltySampler implements Sampler {

    private final int lastN;
    private final float repeat;
    private final float frequency;
    private final float presence;

    // The window: the last lastN accepted tokens, oldest at `oldest`.
    private final int[] window;          // (lastN) token ids, a ring
    private int oldest;
    private int filled;
    private final int[] counts;          // (vocabSize) occurrences of each token in the window
    // So that apply, walking the window, penalizes a token once even when it occurs often: a token
    // is done for this call when its stamp equals the call's number.
    private final int[] appliedStamp;    // (vocabSize)
    private int stamp;

    /**
     * @param vocabSize tokens are ids in [0, vocabSize)
     * @param lastN     how many recent tokens count; 0 turns the sampler off
     * @param repeat    repetition penalty, > 0; 1 is off
     * @param frequency subtracted per occurrence; 0 is off
     * @param presence  subtracted once for any occurrence; 0 is off
     */
    public PenaltySampler(int vocabSize, int lastN, float repeat, float frequency, float presence) {
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocabSize must be > 0, got " + vocabSize);
        }
        if (lastN < 0) {
            throw new IllegalArgumentException("lastN must be >= 0, got " + lastN);
        }
        if (!(repeat > 0) || !Float.isFinite(repeat)) {
            throw new IllegalArgumentException("repeat must be a finite number > 0, got " + repeat);
        }
        if (!Float.isFinite(frequency) || !Float.isFinite(presence)) {
            throw new IllegalArgumentException(
                    "frequency and presence must be finite, got " + frequency + " and " + presence);
        }
        this.lastN = lastN;
        this.repeat = repeat;
        this.frequency = frequency;
        this.presence = presence;
        this.window = new int[lastN];
        this.counts = new int[vocabSize];
        this.appliedStamp = new int[vocabSize];
    }

    /** How many times {@code token} occurs among the last {@code lastN} accepted tokens. */
    public int count(int token) {
        return counts[token];
    }

    @Override
    public void apply(Candidates candidates) {
        if (lastN == 0 || filled == 0
                || (repeat == 1.0f && frequency == 0.0f && presence == 0.0f)) {
            return;
        }
        if (candidates.isIdentityOrder()) {
            // Straight after fill a token's position is its id: visit the window (at most lastN
            // tokens) instead of the whole vocabulary.
            if (++stamp == 0) {  // wrapped after 2^32 calls: clear so no old stamp can match
                Arrays.fill(appliedStamp, 0);
                stamp = 1;
            }
            int n = candidates.size();
            for (int k = 0; k < filled; k++) {
                int token = window[(oldest + k) % lastN];
                if (token < n && appliedStamp[token] != stamp) {
                    appliedStamp[token] = stamp;
                    penalize(candidates, token, counts[token]);
                }
            }
        } else {
            for (int i = 0, n = candidates.size(); i < n; i++) {
                int count = counts[candidates.id(i)];
                if (count > 0) {
                    penalize(candidates, i, count);
                }
            }
        }
    }

    private void penalize(Candidates candidates, int position, int count) {
        float logit = candidates.logit(position);
        logit = logit <= 0 ? logit * repeat : logit / repeat;
        logit -= count * frequency + presence;
        candidates.setLogit(position, logit);
    }

    @Override
    public void accept(int token) {
        if (token < 0 || token >= counts.length) {
            throw new IllegalArgumentException(
                    "token " + token + " is outside the vocabulary [0, " + counts.length + ")");
        }
        if (lastN == 0) {
            return;
        }
        if (filled == lastN) {
            counts[window[oldest]]--;
            window[oldest] = token;
            oldest = (oldest + 1) % lastN;
        } else {
            window[(oldest + filled) % lastN] = token;
            filled++;
        }
        counts[token]++;
    }

    @Override
    public void reset() {
        for (int k = 0; k < filled; k++) {
            counts[window[(oldest + k) % lastN]] = 0;
        }
        oldest = 0;
        filled = 0;
    }

    @Override
    public String name() {
        return "penalties";
    }

    @Override
    public String toString() {
        return name() + "(lastN=" + lastN + ", repeat=" + repeat + ", frequency=" + frequency
                + ", presence=" + presence + ")";
    }
}
