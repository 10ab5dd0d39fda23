package lucid.engine.model;

/**
 * The RMSNorms of one block. Every block normalizes the input of attention and of the feed-forward
 * part; Gemma 2 and 3 also normalize each part's output before it is added to the residual stream.
 *
 * @param attention     (dim) before attention
 * @param postAttention (dim) after attention, or null
 * @param feedForward   (dim) before the feed-forward part
 * @param postFeedForward (dim) after it, or null
 */
public record BlockNorms(RmsNorm attention, RmsNorm postAttention, RmsNorm feedForward, RmsNorm postFeedForward) {

    /** Pre-norm only: Llama, Qwen, Phi-3, Mixtral. */
    public static BlockNorms preNorm(RmsNorm attention, RmsNorm feedForward) {
        return new BlockNorms(attention, null, feedForward, null);
    }
}
