package lucid.engine.model;

import lucid.engine.backend.Backend;

/**
 * The feed-forward half of a transformer block: a gated MLP, or a mixture of experts made of them.
 */
public sealed interface FeedForward permits GatedFeedForward, MixtureOfExperts {

    /** Reads the normalized input from {@code s.xb}, leaves the result in {@code s.xb2}. */
    void forward(Backend backend, ForwardState s);
}
