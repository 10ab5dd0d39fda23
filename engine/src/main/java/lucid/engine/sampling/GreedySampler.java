package lucid.engine.sampling;

/** Picks the candidate with the highest logit; the lowest token id among equal ones. */
public final class GreedySampler implements Sampler {

    @Override
    public void apply(Candidates candidates) {
        candidates.select(candidates.argmax());
    }

    @Override
    public String name() {
        return "greedy";
    }

    @Override
    public String toString() {
        return name();
    }
}
