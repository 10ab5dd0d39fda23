package lucid.engine.inspect;

import java.util.List;

/**
 * The distribution after one stage of the sampler chain ("logits" is the raw model distribution).
 *
 * @param candidates how many tokens are still possible after this stage
 * @param entropy    entropy in nats of the distribution over those candidates
 * @param top        its most likely tokens
 */
public record SamplerStage(String name, int candidates, double entropy, List<Alternative> top) {
    public SamplerStage {
        top = List.copyOf(top);
    }
}
