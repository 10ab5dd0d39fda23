package lucid.engine.model;

import lucid.engine.backend.Backend;
import lucid.engine.tensor.FloatTensor;

/**
 * A weight matrix applied to a vector, with an optional bias: {@code out = W x + b}. The GGUF tensor
 * has dims {@code [cols, rows]} (input dimension first), so row {@code r} is {@code cols} consecutive
 * weights.
 *
 * @param weight (rows, cols) in the tensor's own type
 * @param bias   (rows), or null
 */
public record Linear(String name, FloatTensor weight, int rows, int cols, float[] bias) {

    public Linear {
        if (weight.size() != (long) rows * cols) {
            throw new UnsupportedModelException(name + " has " + weight.size() + " weights, expected "
                    + rows + " x " + cols);
        }
        if (bias != null && bias.length != rows) {
            throw new UnsupportedModelException(name + " has a bias of " + bias.length + " values, expected " + rows);
        }
    }

    public Linear(String name, FloatTensor weight, int rows, int cols) {
        this(name, weight, rows, cols, null);
    }

    public Linear withBias(float[] b) {
        return new Linear(name, weight, rows, cols, b);
    }

    /**
     * Rows {@code [firstRow, firstRow + count)} as a matrix of their own, reading the same bytes: how a
     * fused tensor (Phi-3's attn_qkv, its gate+up ffn_up) or one expert of a 3-D expert tensor is used.
     * Rows start on block boundaries because {@code cols} is a whole number of blocks.
     */
    public Linear rows(String sliceName, int firstRow, int count) {
        if (firstRow < 0 || count <= 0 || firstRow + count > rows) {
            throw new UnsupportedModelException(name + ": rows " + firstRow + ".." + (firstRow + count)
                    + " are outside its " + rows + " rows");
        }
        var type = weight.type();
        long first = (long) firstRow * cols;
        long n = (long) count * cols;
        FloatTensor slice = FloatTensor.wrap(type, weight.data().asSlice(type.byteSize(first), type.byteSize(n)), n);
        float[] b = bias == null ? null : java.util.Arrays.copyOfRange(bias, firstRow, firstRow + count);
        return new Linear(sliceName, slice, count, cols, b);
    }

    public void apply(Backend backend, float[] in, float[] out) {
        apply(backend, in, 0, out, 0);
    }

    public void apply(Backend backend, float[] in, int inOffset, float[] out, int outOffset) {
        backend.matmul(weight, in, inOffset, out, outOffset, rows, cols);
        if (bias != null) {
            for (int r = 0; r < rows; r++) {
                out[outOffset + r] += bias[r];
            }
        }
    }

    /**
     * {@code outA = A in + a}, {@code outB = B in + b} and, unless {@code c} is null,
     * {@code outC = C in + c}: products that read the same input, handed to the backend together
     * ({@link Backend#matmulSameInput}) so that its threads meet once for all of them.
     */
    public static void applySameInput(Backend backend, float[] in, Linear a, float[] outA, Linear b, float[] outB,
                                      Linear c, float[] outC) {
        if (a.cols != b.cols || (c != null && c.cols != a.cols)) {
            throw new IllegalArgumentException("products of one input need the same width: " + a.name + " "
                    + a.cols + ", " + b.name + " " + b.cols + (c == null ? "" : ", " + c.name + " " + c.cols));
        }
        backend.matmulSameInput(in, 0, a.cols, a.weight, outA, a.rows, b.weight, outB, b.rows,
                c == null ? null : c.weight, outC, c == null ? 0 : c.rows);
        a.addBias(outA);
        b.addBias(outB);
        if (c != null) {
            c.addBias(outC);
        }
    }

    private void addBias(float[] out) {
        if (bias != null) {
            for (int r = 0; r < rows; r++) {
                out[r] += bias[r];
            }
        }
    }

    /**
     * {@code out (batch, rows) = in (batch, cols) W^T + b}: one product for a whole batch of tokens.
     *
     * @param in  (batch, cols)
     * @param out (batch, rows)
     */
    public void applyBatch(Backend backend, float[] in, float[] out, int batch) {
        backend.matmulBatch(weight, in, out, batch, rows, cols);
        addBatchBias(out, batch);
    }

    /**
     * {@link #applyBatch} for products that read the same batch of inputs (a layer's query, key and
     * value; or gate and up), handed to the backend together ({@link Backend#matmulBatchSameInput}):
     * it prepares the input once for all of them, and its threads meet once.
     */
    public static void applyBatchSameInput(Backend backend, float[] in, int batch, Linear a, float[] outA, Linear b,
                                           float[] outB, Linear c, float[] outC) {
        if (a.cols != b.cols || (c != null && c.cols != a.cols)) {
            throw new IllegalArgumentException("products of one input need the same width: " + a.name + " "
                    + a.cols + ", " + b.name + " " + b.cols + (c == null ? "" : ", " + c.name + " " + c.cols));
        }
        backend.matmulBatchSameInput(in, batch, a.cols, a.weight, outA, a.rows, b.weight, outB, b.rows,
                c == null ? null : c.weight, outC, c == null ? 0 : c.rows);
        a.addBatchBias(outA, batch);
        b.addBatchBias(outB, batch);
        if (c != null) {
            c.addBatchBias(outC, batch);
        }
    }

    private void addBatchBias(float[] out, int batch) {
        if (bias != null) {
            for (int b = 0; b < batch; b++) {
                int o = b * rows;
                for (int r = 0; r < rows; r++) {
                    out[o + r] += bias[r];
                }
            }
        }
    }
}
