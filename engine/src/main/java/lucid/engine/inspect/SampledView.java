package lucid.engine.inspect;

import java.util.List;

/**
 * A token as seen by the distribution the sampler actually drew from (after penalties, top-k,
 * top-p, min-p and temperature).
 *
 * @param prob    probability of the token there (0 when a sampler removed it)
 * @param rank    its rank there, 0 = most likely, -1 when removed
 * @param entropy entropy in nats of that distribution
 * @param top     its most likely tokens
 * @param stages  the distribution after each stage, when stages were asked for (else empty)
 */
public record SampledView(double prob, int rank, double entropy, List<Alternative> top, List<SamplerStage> stages) {
    public SampledView {
        top = List.copyOf(top);
        stages = List.copyOf(stages);
    }
}
