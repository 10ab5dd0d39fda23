package lucid.engine.inspect;

import java.util.List;

/**
 * The distribution after one stage of the sampler chain ("logits" is the raw model distribution).
 *
 * @param candidates how many tokens are still possible after this stage
 * @param entropy    entropy in nats of the distribution over those candidates
 * @param top        its most likely tokens
 * @param prob       probability there of the token the record is about (0 when this stage removed it;
 *                   NaN when not known)
 * @param rank       that token's rank there, 0 = most likely, -1 when removed or not known
 */
public record SamplerStage(String name, int candidates, double entropy, List<Alternative> top, double prob, int rank) {
    public SamplerStage {
        top = List.copyOf(top);
    }

    /** A stage without a token in mind. */
    public SamplerStage(String name, int candidates, double entropy, List<Alternative> top) {
        this(name, candidates, entropy, top, Double.NaN, -1);
    }
}
