/**
 * Tensor element types ({@link lucid.engine.tensor.GgmlType}) and quantized weight storage: one class per
 * quant type, each with a scalar reference and a Vector API path.
 */
package lucid.engine.tensor;
