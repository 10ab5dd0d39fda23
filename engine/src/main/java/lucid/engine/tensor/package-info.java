/**
 * Tensor element types ({@link lucid.engine.tensor.GgmlType}) and quantized weight storage: one class per
 * quant type, each with a scalar reference and a Vector API path, and {@link lucid.engine.tensor.Quantizer},
 * which writes every supported type the way ggml's reference quantizers do.
 */
package lucid.engine.tensor;
