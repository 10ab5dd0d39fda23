package lucid.engine.model;

/**
 * Mixture of experts: a router picks {@code used} of {@code count} feed-forward experts per token.
 *
 * @param count                   experts per layer ({@code expert_count}); 0 = a dense model
 * @param used                    experts run per token ({@code expert_used_count})
 * @param feedForwardLength       hidden width of one expert
 * @param sharedFeedForwardLength hidden width of the shared expert every token runs (Qwen2-MoE); 0 = none
 * @param normalizeWeights        whether the kept router probabilities are rescaled to sum to 1 (Mixtral)
 * @param weightsScale            multiplier of the expert weights ({@code expert_weights_scale}); 1 = none
 */
public record ExpertConfig(int count, int used, int feedForwardLength, int sharedFeedForwardLength,
                           boolean normalizeWeights, float weightsScale) {

    public static final ExpertConfig NONE = new ExpertConfig(0, 0, 0, 0, false, 1f);

    public ExpertConfig {
        if (count < 0 || used < 0 || used > count || count > 0 && (used == 0 || feedForwardLength <= 0)
                || sharedFeedForwardLength < 0) {
            throw new UnsupportedModelException("expert_count " + count + " with expert_used_count " + used
                    + " and expert feed-forward length " + feedForwardLength + " is not a valid mixture of experts");
        }
    }

    public boolean isEnabled() {
        return count > 0;
    }
}
