package lucid.engine.model;

import lucid.engine.backend.Backend;
import lucid.engine.tensor.FloatTensor;

/**
 * A weight matrix applied to a vector: {@code out = W x}. The GGUF tensor has dims
 * {@code [cols, rows]} (input dimension first), so row {@code r} is {@code cols} consecutive weights.
 *
 * @param weight  (rows, cols) in the tensor's own type
 */
public record Linear(String name, FloatTensor weight, int rows, int cols) {

    public Linear {
        if (weight.size() != (long) rows * cols) {
            throw new UnsupportedModelException(name + " has " + weight.size() + " weights, expected "
                    + rows + " x " + cols);
        }
    }

    public void apply(Backend backend, float[] in, float[] out) {
        backend.matmul(weight, in, 0, out, 0, rows, cols);
    }

    public void apply(Backend backend, float[] in, int inOffset, float[] out, int outOffset) {
        backend.matmul(weight, in, inOffset, out, outOffset, rows, cols);
    }
}
