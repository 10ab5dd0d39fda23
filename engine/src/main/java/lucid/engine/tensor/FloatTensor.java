package lucid.engine.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A flat run of {@code size} weights stored in one {@link GgmlType}, read in place from a
 * {@link MemorySegment} (usually a slice of a memory-mapped GGUF file). It has no shape: the model
 * decides that a row of a matrix is {@code cols} consecutive weights starting at {@code row * cols}.
 *
 * <p>Each subclass is one type. It decodes a single weight in plain scalar code
 * ({@link #getFloat}), which is the reference every faster path is tested against, and computes
 * dot products with the Vector API ({@link #dot}). For quantized types, offsets and lengths passed
 * to {@code dot} and {@code dequantize} must be multiples of the block size.
 */
public abstract class FloatTensor {

    protected final MemorySegment data;
    protected final long size;

    protected FloatTensor(MemorySegment data, long size) {
        long expected = type().byteSize(size);
        if (data.byteSize() < expected) {
            throw new IllegalArgumentException(type() + " tensor of " + size + " weights needs "
                    + expected + " bytes, got " + data.byteSize());
        }
        this.data = data;
        this.size = size;
    }

    public abstract GgmlType type();

    /** Number of weights. */
    public final long size() {
        return size;
    }

    /** The raw bytes, in this tensor's type. */
    public final MemorySegment data() {
        return data;
    }

    /** Weight {@code index}, decoded one at a time: the scalar reference. */
    public abstract float getFloat(long index);

    /** {@code sum(w[offset + i] * x[xOffset + i] for i < n)}, on the fastest path this CPU offers. */
    public abstract float dot(long offset, float[] x, int xOffset, int n);

    /** The same sum computed weight by weight from {@link #getFloat}: the reference for {@link #dot}. */
    public final float dotReference(long offset, float[] x, int xOffset, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += getFloat(offset + i) * x[xOffset + i];
        }
        return sum;
    }

    /** Decodes {@code n} weights starting at {@code offset} into {@code out[outOffset..]}. */
    public void dequantize(long offset, float[] out, int outOffset, int n) {
        for (int i = 0; i < n; i++) {
            out[outOffset + i] = getFloat(offset + i);
        }
    }

    /**
     * Wraps {@code data} as a tensor of {@code size} weights of {@code type}.
     *
     * @throws UnsupportedOperationException when the engine has no kernels for {@code type}
     */
    public static FloatTensor wrap(GgmlType type, MemorySegment data, long size) {
        throw new UnsupportedOperationException("tensor type " + type + " is not supported (supported: "
                + GgmlType.supportedNames() + ")");
    }
}
