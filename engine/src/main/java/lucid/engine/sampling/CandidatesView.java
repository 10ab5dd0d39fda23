package lucid.engine.sampling;

/**
 * Read-only look at the candidate tokens between two samplers: what a {@link StageObserver} gets,
 * so that watching the chain can never change what it picks.
 *
 * <p>Positions run from {@code 0} to {@code size() - 1}; they are not token ids. When
 * {@link #isSorted()} is true, position 0 holds the most likely token and logits fall from there,
 * equal logits ordered by ascending token id.
 */
public interface CandidatesView {

    /** How many candidates are still in the running. */
    int size();

    /** Token id at {@code position}. */
    int id(int position);

    /** Logit (unnormalized score) at {@code position}, after every sampler so far. */
    float logit(int position);

    /**
     * Probability at {@code position}, normalized over the current candidates.
     *
     * @throws IllegalStateException when the logits or the candidate set changed since the last
     *                               softmax (see {@link #hasProbabilities()})
     */
    float probability(int position);

    /** True when {@link #probability} reflects the current logits and candidate set. */
    boolean hasProbabilities();

    /** True when every candidate is in descending logit order. */
    boolean isSorted();

    /** Position of the token a sampler picked, or {@code -1} while none has been picked. */
    int selected();
}
