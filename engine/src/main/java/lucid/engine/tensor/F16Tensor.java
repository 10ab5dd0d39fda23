package lucid.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * GGML_TYPE_F16: IEEE half precision, 2 bytes per weight (16 bits per weight), little-endian, no
 * blocks: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits.
 */
public final class F16Tensor extends FloatTensor {

    private static final VectorSpecies<Float> FLOATS = VectorSupport.FLOAT_SPECIES;
    private static final VectorSpecies<Integer> INTS = VectorSupport.INT_SPECIES;
    private static final VectorSpecies<Short> HALVES = VectorSupport.SHORT_SPECIES;

    F16Tensor(MemorySegment data, long size) {
        super(data, size);
    }

    @Override
    public GgmlType type() {
        return GgmlType.F16;
    }

    @Override
    public float getFloat(long index) {
        return f16At(index * 2);
    }

    @Override
    float dotVector(long offset, float[] x, int xOffset, int n) {
        FloatVector acc = FloatVector.zero(FLOATS);
        int i = 0;
        for (int upper = HALVES.loopBound(n); i < upper; i += HALVES.length()) {
            ShortVector halves = ShortVector.fromMemorySegment(HALVES, data, (offset + i) * 2, ByteOrder.LITTLE_ENDIAN);
            for (int part = 0; part < VectorSupport.SHORT_PARTS; part++) {
                IntVector bits = (IntVector) halves.convertShape(VectorOperators.ZERO_EXTEND_S2I, INTS, part);
                FloatVector w = halfToFloat(bits);
                acc = w.fma(FloatVector.fromArray(FLOATS, x, xOffset + i + part * FLOATS.length()), acc);
            }
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += getFloat(offset + i) * x[xOffset + i];
        }
        return sum;
    }

    /**
     * Widens f16 bit patterns (one per int lane, upper 16 bits zero) to floats. The Vector API has
     * no half-float conversion, so this does it with integer ops: the exponent and mantissa bits
     * moved into float position read as a float 2^112 times too small (the bias goes from 15 to
     * 127), and multiplying by 2^112 fixes that exactly for normal and subnormal halves alike.
     * Infinity and NaN (exponent all ones) get the float's all-ones exponent instead.
     */
    private static FloatVector halfToFloat(IntVector bits) {
        IntVector magnitude = bits.and(0x7FFF).lanewise(VectorOperators.LSHL, 13);
        IntVector finite = magnitude.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> infOrNan = bits.and(0x7C00).compare(VectorOperators.EQ, 0x7C00);
        IntVector unsigned = finite.blend(magnitude.or(0x7F80_0000), infOrNan);
        IntVector sign = bits.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        return unsigned.or(sign).reinterpretAsFloats();
    }

    @Override
    float dotScalar(long offset, float[] x, int xOffset, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += getFloat(offset + i) * x[xOffset + i];
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
        for (int i = 0; i < n; i++) {
            out[outOffset + i] = getFloat(offset + i);
        }
    }
}
