package lucid.engine.model;

/**
 * Watches a forward pass. The model asks first whether a point is wanted and copies nothing
 * otherwise, so a session without an observer runs exactly as before; an observer that wants little
 * costs little. Arrays handed over are the model's own buffers, valid only during the call.
 *
 * <p>Each wanted (layer, position) is reported once. A batched prompt pass runs a chunk of positions
 * layer by layer, so within a chunk the calls come layer-major rather than position-major.
 */
public interface ForwardObserver {

    /** Whether {@link #onAttention} should be called for this layer at this query position. */
    boolean wantsAttention(int layer, int position);

    /**
     * Post-softmax attention of query head {@code head} at {@code position} over keys
     * {@code 0..position}: {@code weights[offset + key]}; keys outside a sliding window weigh 0.
     */
    void onAttention(int layer, int head, int position, float[] weights, int offset);

    /** Whether {@link #onResidual} should be called after this layer at this position. */
    boolean wantsResidual(int layer, int position);

    /** The residual stream (dim) after block {@code layer} at {@code position}. */
    void onResidual(int layer, int position, float[] residual);
}
