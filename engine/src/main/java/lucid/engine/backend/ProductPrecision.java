package lucid.engine.backend;

/**
 * What a backend may round in a product: decode's matrix-vector products, and the batched products
 * of a prompt with the 4- and 5-bit weight types. Weights are always dequantized exactly; the choice
 * is about the activations they multiply.
 */
public enum ProductPrecision {

    /**
     * Activations rounded to 8 bits in blocks of 32 (as ggml's {@code quantize_row_q8_0}) for the weight
     * types whose integer kernel is faster than their float one, as llama.cpp does for every quantized
     * type. Prompts with Q4_0, Q4_1, Q4_K, Q5_0, Q5_1 and Q5_K weights are multiplied the same way, in
     * 16-bit integer lanes, where the vectors are 512 bits wide. The default: a chat wants tokens per
     * second, and the rounding (at most half a step of 1/127 of a block's largest activation) moves
     * logits by far less than sampling does.
     */
    FAST,

    /**
     * Float activations in every product: results equal a run on weights dequantized to F32 up to
     * summation order, and decode agrees with batched prefill to rounding. For comparing with a
     * reference implementation or between runs, where every digit should mean something.
     */
    EXACT
}
