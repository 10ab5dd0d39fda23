package lucid.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * What the kernels of the K-quants Q3_K, Q5_K and Q6_K share: packed bytes zero-extended to short
 * or int lanes, where x86 has the shifts and masks that bytes lack; a vector
 * of short products summed, converted and scaled into a float accumulator; and each thread's
 * scratch for a row's sub-block scales.
 */
final class SubBlockProducts {

    private static final VectorSpecies<Float> FLOATS = VectorSupport.FLOAT_SPECIES;
    static final VectorSpecies<Short> SHORTS = VectorSupport.PRODUCT_SHORT_SPECIES;
    private static final VectorSpecies<Byte> HALF_BYTES = VectorSupport.PRODUCT_BYTE_SPECIES;
    private static final VectorSpecies<Byte> BYTES = VectorSupport.BYTE_SPECIES;
    private static final VectorSpecies<Integer> INTS = VectorSupport.INT_SPECIES;

    private SubBlockProducts() {
    }

    /** The bytes of {@code data} at {@code at}, zero-extended to {@link #SHORTS} lanes. */
    static ShortVector unsignedShorts(MemorySegment data, long at) {
        return (ShortVector) ByteVector.fromMemorySegment(HALF_BYTES, data, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
    }

    /**
     * The bytes of {@code data} at {@code at + from ..} for one float vector, zero-extended to int
     * lanes: a {@link VectorSupport#BYTE_SPECIES} load, whose part holding {@code from} is widened.
     */
    static IntVector unsignedInts(MemorySegment data, long at, int from) {
        int load = from / BYTES.length() * BYTES.length();
        return ((IntVector) ByteVector.fromMemorySegment(BYTES, data, at + load, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2I, INTS, (from - load) / FLOATS.length())).and(0xFF);
    }

    /**
     * {@code acc + scale · Σ q · xw[j..]} with the sum in lanes, in units of
     * {@link VectorSupport#NARROW_SUM_UNIT}: the products of a pair of short lanes must stay below
     * 2^15 in magnitude ({@link VectorSupport#widenNarrowSum}).
     */
    static FloatVector scaledSum(ShortVector q, short[] xw, int j, float scale, FloatVector acc) {
        ShortVector products = q.mul(ShortVector.fromArray(SHORTS, xw, j));
        FloatVector sum = (FloatVector) VectorSupport.widenNarrowSum(products).convert(VectorOperators.I2F, 0);
        return sum.fma(FloatVector.broadcast(FLOATS, scale), acc);
    }

    private static final ThreadLocal<float[]> SCALES = ThreadLocal.withInitial(() -> new float[0]);

    /** This thread's scratch for the scales of {@code n / 16} sub-blocks, grown to the longest row seen. */
    static float[] scaleScratch(int n) {
        float[] scales = SCALES.get();
        if (scales.length < n / 16) {
            scales = new float[n / 16];
            SCALES.set(scales);
        }
        return scales;
    }
}
