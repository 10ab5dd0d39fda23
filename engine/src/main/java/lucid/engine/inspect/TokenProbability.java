package lucid.engine.inspect;

import java.util.List;

/**
 * What the model's next-token distribution said about the token that came next.
 *
 * @param position  the token's position in the sequence (its distribution came from position - 1)
 * @param id        the token
 * @param piece     its text
 * @param prob      its probability under the model (softmax of the logits, temperature 1)
 * @param logprob   natural log of {@code prob}, computed without underflow
 * @param rank      how many tokens were more likely (ties: lower ids first), 0 = the top choice
 * @param entropy   entropy in nats of the whole distribution
 * @param top       the most likely tokens, best first
 * @param generated whether the token was generated (else it was part of the prompt)
 * @param sampled   the same token under the sampler's distribution, or null when not recorded
 */
public record TokenProbability(int position, int id, String piece, double prob, double logprob, int rank,
                               double entropy, List<Alternative> top, boolean generated, SampledView sampled) {
    public TokenProbability {
        top = List.copyOf(top);
    }
}
