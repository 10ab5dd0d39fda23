package lucid.engine.model;

import lucid.engine.backend.Backend;

/**
 * The feed-forward half of a transformer block: a gated MLP, or a mixture of experts made of them.
 */
public sealed interface FeedForward permits GatedFeedForward, MixtureOfExperts {

    /** Reads the normalized input from {@code s.xb}, leaves the result in {@code s.xb2}. */
    void forward(Backend backend, ForwardState s);

    /**
     * Reads {@code bs.xb} (batch, dim), leaves the results in {@code bs.xb2} (batch, dim); may use
     * the per-token buffers of {@code s} as scratch.
     */
    void forwardBatch(Backend backend, ForwardState s, BatchState bs, int batch);
}
