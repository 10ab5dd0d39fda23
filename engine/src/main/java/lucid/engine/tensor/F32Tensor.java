package lucid.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * GGML_TYPE_F32: IEEE single precision, 4 bytes per weight (32 bits per weight), little-endian, no
 * blocks. Used for norms and small tensors, and by some files for everything.
 */
public final class F32Tensor extends FloatTensor {

    private static final VectorSpecies<Float> FLOATS = VectorSupport.FLOAT_SPECIES;

    F32Tensor(MemorySegment data, long size) {
        super(data, size);
    }

    @Override
    public GgmlType type() {
        return GgmlType.F32;
    }

    @Override
    public float getFloat(long index) {
        return data.get(FLOAT_LE, index * Float.BYTES);
    }

    @Override
    float dotVector(long offset, float[] x, int xOffset, int n) {
        FloatVector acc = FloatVector.zero(FLOATS);
        int i = 0;
        for (int upper = FLOATS.loopBound(n); i < upper; i += FLOATS.length()) {
            FloatVector w = FloatVector.fromMemorySegment(FLOATS, data, (offset + i) * Float.BYTES,
                    ByteOrder.LITTLE_ENDIAN);
            acc = w.fma(FloatVector.fromArray(FLOATS, x, xOffset + i), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += getFloat(offset + i) * x[xOffset + i];
        }
        return sum;
    }

    @Override
    float dotScalar(long offset, float[] x, int xOffset, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += data.get(FLOAT_LE, (offset + i) * Float.BYTES) * x[xOffset + i];
        }
        return sum;
    }

    // The row loop again, so that this type's loop calls its own kernel (see FloatTensor.rowsVector).
    @Override
    void rowsVector(int rowStart, int rowEnd, int cols, float[] x, int xOffset, float[] out, int outOffset) {
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r - rowStart] = dotVector((long) r * cols, x, xOffset, cols);
        }
    }

    @Override
    void decode(long offset, float[] out, int outOffset, int n) {
        MemorySegment.copy(data, FLOAT_LE, offset * Float.BYTES, out, outOffset, n);
    }
}
