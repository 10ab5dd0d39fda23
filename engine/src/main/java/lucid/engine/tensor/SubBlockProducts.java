package lucid.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * What the integer kernels of Q2_K, Q3_K, Q5_K, Q6_K and Q5_0 share: packed bytes zero-extended to
 * short or int lanes; chunks of 32 quants built in byte lanes (shifted as ints, since x86 has no byte
 * shifts) and multiplied in place against activations split into even and odd positions
 * ({@link #chunkSum}); each thread's scratch for a row's sub-block scales; and each thread's scratch
 * for a super-block's factors in the K-quants' vector decodes.
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

    private static final VectorSpecies<Byte> CHUNK_BYTES = VectorSupport.PAIR_BYTE_SPECIES;

    /** Floats in the shape of a chunk's products: the accumulators of {@link #chunkSum}. */
    static final VectorSpecies<Float> CHUNK_FLOATS = VectorSupport.PRODUCT_FLOAT_SPECIES;

    static final VectorShuffle<Float> SPREAD =
            VectorShuffle.fromOp(CHUNK_FLOATS, i -> i / 4);

    /** Positions of one chunk of quants built in byte lanes: 32, or 16 at 128 bits. */
    static final int CHUNK = VectorSupport.PAIR_CHUNK;

    /** Chunks in a run of 32 positions: 1, or 2 at 128 bits. */
    static final int CHUNKS_PER_RUN = 32 / CHUNK;

    /** Steps per super-block of a pass that takes a chunk of each half a step. */
    static final int CHUNK_STEPS_PER_BLOCK = 2 * CHUNKS_PER_RUN;

    /** What {@link #chunkSum}'s results count in: 2^-16 (a power of two, so exact). */
    static final float CHUNK_SUM_UNIT = 0x1p-16f;

    /** The bytes of {@code data} at {@code at}, one chunk. */
    static ByteVector chunk(MemorySegment data, long at) {
        return ByteVector.fromMemorySegment(CHUNK_BYTES, data, at, ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * {@code bytes} shifted left by {@code bits} as int lanes: bits cross into the next byte, so a
     * caller masks each byte afterwards. x86 shifts 16- and 32-bit lanes but not bytes, and C2 gives
     * int shifts by a constant an immediate count where short shifts load the count into a register.
     */
    static ByteVector shiftLeftInInts(ByteVector bytes, int bits) {
        return bytes.reinterpretAsInts().lanewise(VectorOperators.LSHL, bits).reinterpretAsBytes();
    }

    /** {@code bytes} shifted right by {@code bits} as int lanes; a caller masks each byte afterwards. */
    static ByteVector shiftRightInInts(ByteVector bytes, int bits) {
        return bytes.reinterpretAsInts().lanewise(VectorOperators.LSHR, bits).reinterpretAsBytes();
    }

    /**
     * {@code acc + Σ q · x} for one chunk of signed quants {@code q} (|q| &lt;= 32) starting at
     * activation {@code 2 · jh} (a multiple of {@link #CHUNK}), in units of {@link #CHUNK_SUM_UNIT}.
     * The chunk's sub-blocks of 16 take the factors {@code scales[s]} and {@code scales[s + 1]} (one at
     * 16 positions a chunk); a lane sums four positions, so the factors are spread over the lanes with
     * a permute. Each short lane holds an even quant in its low and the odd one in its high byte: both
     * are sign-extended in place and multiplied by the activations split the same way
     * ({@link Q8Activations#evenWide}), so no lane moves. A short then holds two products (at most
     * 2 · 32 · 127) and an int lane four, at most 16256: below 2^15, so the pair of shorts in each
     * int adds up in its high half (as {@link VectorSupport#widenNarrowSum}).
     */
    static FloatVector chunkSum(ByteVector q, short[] even, short[] odd, int jh, float[] scales, int s, FloatVector acc) {
        // Written out in one method: with the sign extensions or the pair sum as calls of their own (shared
        // with Q8Activations and VectorSupport.widenNarrowSum), the extra inlining took Q6_K's passes past
        // C2's node limit, and they ran at 1.4 to 2.7 GB/s in cache instead of 6 to 7.
        ShortVector both = q.reinterpretAsShorts();
        // The even quant to its short's high byte by an int shift (the odd one's bits that cross into the
        // next short are shifted out again), then sign-extended back down.
        ShortVector products = both.reinterpretAsInts().lanewise(VectorOperators.LSHL, 8).reinterpretAsShorts()
                .lanewise(VectorOperators.ASHR, 8)
                .mul(ShortVector.fromArray(SHORTS, even, jh))
                .add(both.lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(SHORTS, odd, jh)));
        IntVector pairs = products.reinterpretAsInts();
        FloatVector sum = (FloatVector) pairs.add(pairs.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000)
                .convert(VectorOperators.I2F, 0);
        return sum.fma(FloatVector.fromArray(CHUNK_FLOATS, scales, s).rearrange(SPREAD), acc);
    }

    private static final ThreadLocal<float[]> SCALES = ThreadLocal.withInitial(() -> new float[0]);

    private static final ThreadLocal<float[]> DECODE_FACTORS = ThreadLocal.withInitial(() -> new float[32]);

    /**
     * This thread's scratch for one super-block's factors in a vector decode (prefill): up to 32
     * floats, for the sixteen sub-blocks' scales and minimums.
     */
    static float[] decodeFactorScratch() {
        return DECODE_FACTORS.get();
    }

    /** This thread's scratch for the scales of {@code n / 16} sub-blocks, grown to the longest row seen. */
    private static float[] scaleScratch(int n) {
        float[] scales = SCALES.get();
        if (scales.length < n / 16) {
            scales = new float[n / 16];
            SCALES.set(scales);
        }
        return scales;
    }

    /**
     * This thread's scratch for the factors of {@code n / 16} sub-blocks, with room after them for
     * {@link #chunkSum}'s whole-vector load of the last ones.
     */
    static float[] chunkScaleScratch(int n) {
        return scaleScratch(n + 16 * CHUNK_FLOATS.length());
    }
}
