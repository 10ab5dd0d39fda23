package lucid.engine.sampling;

/**
 * Drops candidates whose probability is below {@code p} times the most likely one's. Works on
 * logits, as llama.cpp does: {@code prob_i >= p * prob_max} is {@code logit_i >= logit_max + ln p},
 * which needs no softmax and no sort. The most likely candidate always survives; order is kept.
 * {@code p <= 0} keeps all.
 */
public final class MinPSampler implements Sampler {

    private final float p;

    public MinPSampler(float p) {
        if (Float.isNaN(p) || p > 1) {
            throw new IllegalArgumentException("p must be <= 1, got " + p);
        }
        this.p = p;
    }

    public float p() {
        return p;
    }

    @Override
    public void apply(Candidates candidates) {
        if (p <= 0) {
            return;
        }
        float maxLogit = candidates.logit(candidates.argmax());
        candidates.retainLogitsAtLeast(maxLogit + (float) Math.log(p));
    }

    @Override
    public String name() {
        return "min-p";
    }

    @Override
    public String toString() {
        return name() + "(" + p + ")";
    }
}
