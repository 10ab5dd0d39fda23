package lucid.engine.backend;

/**
 * What a backend may round in a matrix-vector product (decode's products, one token at a time).
 * Weights are always dequantized exactly; the choice is about the activations they multiply.
 */
public enum ProductPrecision {

    /**
     * Activations rounded to 8 bits in blocks of 32 (as ggml's {@code quantize_row_q8_0}) for the weight
     * types whose integer kernel is faster than their float one, as llama.cpp does for every quantized
     * type. The default: a chat wants tokens per second, and the rounding (at most half a step of
     * 1/127 of a block's largest activation) moves logits by far less than sampling does.
     */
    FAST,

    /**
     * Float activations in every product: results equal a run on weights dequantized to F32 up to
     * summation order, and decode agrees with batched prefill to rounding. For comparing with a
     * reference implementation or between runs, where every digit should mean something.
     */
    EXACT
}
