package lucid.engine.sampling;

/** Keeps the k candidates with the highest logits, in rank order; {@code k <= 0} keeps all (llama.cpp). */
public final class TopKSampler implements Sampler {

    private final int k;

    public TopKSampler(int k) {
        this.k = k;
    }

    public int k() {
        return k;
    }

    @Override
    public void apply(Candidates candidates) {
        if (k <= 0) {
            return;
        }
        candidates.sortTop(k);
        candidates.truncate(Math.min(k, candidates.size()));
    }

    @Override
    public String name() {
        return "top-k";
    }

    @Override
    public String toString() {
        return name() + "(" + k + ")";
    }
}
