package lucid.engine.model;

import java.util.Arrays;
import java.util.Optional;

import lucid.engine.gguf.GgufFile;
import lucid.engine.gguf.GgufTensorInfo;
import lucid.engine.tensor.FloatTensor;

/**
 * Finds a model's tensors by name and checks their shapes, so a file with a missing tensor, a wrong
 * shape or an unsupported quant type fails at load with a message naming the tensor.
 */
public final class TensorLookup {

    private final GgufFile file;

    public TensorLookup(GgufFile file) {
        this.file = file;
    }

    public boolean has(String name) {
        return file.tensor(name).isPresent();
    }

    /** A weight matrix of {@code rows} outputs over {@code cols} inputs (GGUF dims [cols, rows]). */
    public Linear matrix(String name, int rows, int cols) {
        GgufTensorInfo info = require(name);
        checkShape(info, cols, rows);
        return new Linear(name, wrap(info), rows, cols);
    }

    public Optional<Linear> optionalMatrix(String name, int rows, int cols) {
        return has(name) ? Optional.of(matrix(name, rows, cols)) : Optional.empty();
    }

    /**
     * The experts of a 3-D expert tensor (GGUF dims {@code [cols, rows, experts]}, expert last), each
     * as a matrix over its own rows: expert {@code e} starts at weight {@code e * rows * cols}.
     */
    public Linear[] experts(String name, int rows, int cols, int experts) {
        GgufTensorInfo info = require(name);
        checkShape(info, cols, rows, experts);
        Linear all = new Linear(name, wrap(info), rows * experts, cols);
        Linear[] out = new Linear[experts];
        for (int e = 0; e < experts; e++) {
            out[e] = all.rows(name + "[expert " + e + "]", e * rows, rows);
        }
        return out;
    }

    /** Any tensor, shape unchecked beyond its element count. */
    public FloatTensor tensor(String name, long elements) {
        GgufTensorInfo info = require(name);
        if (info.elementCount() != elements) {
            throw new UnsupportedModelException("tensor '" + name + "' has " + info.elementCount()
                    + " elements, expected " + elements);
        }
        return wrap(info);
    }

    /** A 1-D tensor (norm weight, bias) copied into a float array: small, and read on every token. */
    public float[] vector(String name, int length) {
        GgufTensorInfo info = require(name);
        checkShape(info, length);
        FloatTensor t = wrap(info);
        float[] out = new float[length];
        t.dequantize(0, out, 0, length);
        return out;
    }

    public Optional<float[]> optionalVector(String name, int length) {
        return has(name) ? Optional.of(vector(name, length)) : Optional.empty();
    }

    private GgufTensorInfo require(String name) {
        return file.tensor(name).orElseThrow(() -> new UnsupportedModelException("tensor '" + name
                + "' is missing from " + file.path().getFileName()));
    }

    private static void checkShape(GgufTensorInfo info, long... expected) {
        long[] dims = info.dims();
        if (!Arrays.equals(dims, expected)) {
            throw new UnsupportedModelException("tensor '" + info.name() + "' has shape " + Arrays.toString(dims)
                    + ", expected " + Arrays.toString(expected));
        }
    }

    private FloatTensor wrap(GgufTensorInfo info) {
        try {
            return FloatTensor.wrap(info.type(), file.tensorData(info), info.elementCount());
        } catch (UnsupportedOperationException e) {
            throw new UnsupportedModelException("tensor '" + info.name() + "' has type " + info.type()
                    + ", which this version of Lucid cannot compute with yet (" + e.getMessage() + ")");
        }
    }
}
