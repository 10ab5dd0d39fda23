package lucid.engine.tensor;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Q4_0RowGroups} for Q4_K ({@code --repack}): the rows of a matrix in groups of one row per
 * float lane, the nibbles of each 32-weight sub-block in the same 8 steps, so the same products with
 * no sums across lanes. A Q4_K weight is {@code d · sc · q - dmin · m} with a 6-bit scale and
 * minimum per sub-block and f16 {@code d}, {@code dmin} per super-block of 256, so per group:
 * <pre>
 * supers    per super-block: ROWS floats d, then ROWS floats dmin
 * subs      per sub-block: ROWS bytes sc, then ROWS bytes m (0..63)
 * nibbles   per sub-block: 8 steps of 2 · ROWS bytes, as Q4_0RowGroups (q: 0..15)
 * </pre>
 * 1.056 times the rows' Q4_K bytes (19 for 18). Against 8-bit activations (blocks of 32, one per
 * sub-block) a row is Σ over super-blocks of {@code d · Σ sc · dx · Σ(q·qx) - dmin · Σ m · (dx · Σqx)}.
 * A sub-block's short lanes hold 16 products of q (0..15) and an activation, at most 30480.
 */
final class Q4_KRowGroups {

    private static final VectorSpecies<Float> FLOATS = VectorSupport.FLOAT_SPECIES;
    /** Rows per group: one per float lane. */
    static final int ROWS = Q4_0RowGroups.ROWS;
    private static final VectorSpecies<Integer> INTS = Q4_0RowGroups.INTS;
    private static final VectorSpecies<Short> SHORTS = Q4_0RowGroups.SHORTS;
    private static final VectorSpecies<Byte> STEP_BYTES = Q4_0RowGroups.STEP_BYTES;
    // A sub-block's ROWS scales (or minimums) as bytes: at least 64 bits are loaded, so the array has
    // room after its last sub-block (Q6_KRowGroups' scales too).
    static final VectorSpecies<Byte> SUB_BYTES = ByteVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(Math.max(64, ROWS * 8)));
    static final int PAD = SUB_BYTES.length();
    private static final int STEP = Q4_0RowGroups.STEP;
    private static final int STEPS_PER_SUB = 8;
    private static final int SUBS = 8;
    private static final int SUB_WEIGHTS = 32;

    /** Whether this machine's vectors suit the layout (as {@link Q4_0RowGroups#SUPPORTED}). */
    static final boolean SUPPORTED = Q4_0RowGroups.SUPPORTED;

    final int cols;
    final int groups;
    private final int superBlocks;
    private final float[] supers;   // [group][super][d, dmin][row]
    private final byte[] subs;      // [group][sub][sc, m][row], then PAD bytes
    private final byte[] nibbles;   // [group][sub][step][2 · row + t]

    private Q4_KRowGroups(int cols, int groups, float[] supers, byte[] subs, byte[] nibbles) {
        this.cols = cols;
        this.groups = groups;
        this.superBlocks = cols / Q4_KTensor.BLOCK_WEIGHTS;
        this.supers = supers;
        this.subs = subs;
        this.nibbles = nibbles;
    }

    static long bytesPerGroup(int cols) {
        long subBlocks = cols / SUB_WEIGHTS;
        return cols / Q4_KTensor.BLOCK_WEIGHTS * 8L * ROWS + subBlocks * (2L * ROWS + (long) STEPS_PER_SUB * STEP);
    }

    /** As {@link Q4_0RowGroups#byteSize}: 0 where nothing is copied. */
    static long byteSize(int rows, int cols) {
        boolean fits = (long) (rows / ROWS) * ROWS * cols / 2 <= Q4_0RowGroups.MAX_ARRAY;
        return SUPPORTED && fits ? rows / ROWS * bytesPerGroup(cols) : 0;
    }

    /**
     * Copies the whole groups of {@code rows} rows of {@code cols} weights of the Q4_K bytes
     * {@code source}, as {@link Q4_0RowGroups#copy} does ({@code parallel} the same).
     *
     * @throws IllegalArgumentException when the copy would not fit Java arrays (2^31 bytes)
     */
    static Q4_KRowGroups copy(MemorySegment source, int rows, int cols, boolean parallel) {
        int groups = rows / ROWS;
        int superBlocks = cols / Q4_KTensor.BLOCK_WEIGHTS;
        long nibbleBytes = (long) groups * superBlocks * SUBS * STEPS_PER_SUB * STEP;
        if (nibbleBytes > Q4_0RowGroups.MAX_ARRAY) {
            throw new IllegalArgumentException("a matrix of " + rows + " x " + cols + " is too large to repack");
        }
        float[] supers = new float[groups * superBlocks * 2 * ROWS];
        byte[] subs = new byte[groups * superBlocks * SUBS * 2 * ROWS + PAD];
        byte[] nibbles = new byte[(int) nibbleBytes];
        Q4_0RowGroups.forEachGroup(source, groups, parallel, g -> copyGroup(source, cols, g, supers, subs, nibbles));
        return new Q4_KRowGroups(cols, groups, supers, subs, nibbles);
    }

    private static void copyGroup(MemorySegment source, int cols, int g, float[] supers, byte[] subs, byte[] nibbles) {
        int superBlocks = cols / Q4_KTensor.BLOCK_WEIGHTS;
        long rowBytes = (long) superBlocks * Q4_KTensor.BLOCK_BYTES;
        for (int b = 0; b < superBlocks; b++) {
            int superAt = ((g * superBlocks + b) * 2) * ROWS;
            for (int r = 0; r < ROWS; r++) {
                long block = ((long) g * ROWS + r) * rowBytes + (long) b * Q4_KTensor.BLOCK_BYTES;
                copyFactors(source, block, r, supers, superAt, subs, (g * superBlocks + b) * SUBS);
                for (int j = 0; j < SUBS; j++) {
                    int sub = (g * superBlocks + b) * SUBS + j;
                    // Sub-block j's weight w is in byte 32 (j / 2) + w of the quants, the low nibble
                    // for even j, the high one for odd j. Step k takes weights 4k .. 4k + 3.
                    long qs = block + 16 + 32 * (j / 2);
                    int shift = 4 * (j & 1);
                    int out = sub * STEPS_PER_SUB * STEP + 2 * r;
                    for (int k = 0; k < STEPS_PER_SUB; k++) {
                        int word = source.get(FloatTensor.INT_LE, qs + 4 * k);
                        Q4_0RowGroups.STEP_PAIR.set(nibbles, out + k * STEP, Q4_0RowGroups.stepPair(word, shift));
                    }
                }
            }
        }
    }

    /**
     * Row {@code r}'s factors of the super-block at {@code block} into its group's arrays: d and dmin
     * at {@code supers[superAt + r]} and {@code [superAt + ROWS + r]}, and the 8 sub-blocks' sc and m
     * from sub-block {@code firstSub} of {@code subs}. Q4_K and Q5_K super-blocks begin alike.
     */
    static void copyFactors(MemorySegment source, long block, int r, float[] supers, int superAt, byte[] subs,
            int firstSub) {
        supers[superAt + r] = Float.float16ToFloat(source.get(FloatTensor.SHORT_LE, block));
        supers[superAt + ROWS + r] = Float.float16ToFloat(source.get(FloatTensor.SHORT_LE, block + 2));
        long low = PackedScales.lowWordK4(source, block + 4);
        int high = PackedScales.highWordK4(source, block + 4);
        for (int j = 0; j < SUBS; j++) {
            int sub = firstSub + j;
            subs[sub * 2 * ROWS + r] = (byte) PackedScales.scaleK4(low, high, j);
            subs[sub * 2 * ROWS + ROWS + r] = (byte) PackedScales.minK4(low, high, j);
        }
    }

    /**
     * Rows {@code [g0 · ROWS, g1 · ROWS)} against the activations {@code a} (quantized over
     * {@link #cols}), into {@code out[outOffset..]}.
     */
    void products(int g0, int g1, Q8Activations a, float[] out, int outOffset) {
        int[] pairs = a.pairs;
        float[] xd = a.d;
        float[] xsum = a.sum;
        int subBlocks = superBlocks * SUBS;
        int steps = subBlocks * STEPS_PER_SUB;
        for (int g = g0; g < g1; g++) {
            int stepAt = g * steps * STEP;
            int subAt = g * subBlocks * 2 * ROWS;
            int superAt = g * superBlocks * 2 * ROWS;
            FloatVector acc = FloatVector.zero(FLOATS);
            FloatVector scaled = FloatVector.zero(FLOATS);   // Σ sc · dx · Σ(q·qx) of the super-block
            FloatVector mins = FloatVector.zero(FLOATS);     // Σ m · (dx · Σqx) of the super-block
            ShortVector sum = ShortVector.zero(SHORTS);
            // Q4_0RowGroups.products' loop, written out again on purpose: shared as a method, it is a
            // call that C2 may leave uninlined, on boxed vectors, when it compiles this loop first.
            for (int s = 0; s < steps; s += 2) {
                int at = stepAt + s * STEP;
                ShortVector packed = (ShortVector) ByteVector.fromArray(STEP_BYTES, nibbles, at)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                sum = sum.add(packed.and((short) 0x0F).mul(IntVector.broadcast(INTS, pairs[2 * s]).reinterpretAsShorts()))
                        .add(packed.lanewise(VectorOperators.LSHR, 4)
                                .mul(IntVector.broadcast(INTS, pairs[2 * s + 1]).reinterpretAsShorts()));
                packed = (ShortVector) ByteVector.fromArray(STEP_BYTES, nibbles, at + STEP)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                sum = sum.add(packed.and((short) 0x0F).mul(IntVector.broadcast(INTS, pairs[2 * s + 2]).reinterpretAsShorts()))
                        .add(packed.lanewise(VectorOperators.LSHR, 4)
                                .mul(IntVector.broadcast(INTS, pairs[2 * s + 3]).reinterpretAsShorts()));
                if ((s & (STEPS_PER_SUB - 1)) == STEPS_PER_SUB - 2) {
                    int sub = s / STEPS_PER_SUB;
                    IntVector lanes = sum.reinterpretAsInts();
                    IntVector rowSums = lanes.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .add(lanes.lanewise(VectorOperators.ASHR, 16));
                    int at2 = subAt + sub * 2 * ROWS;
                    FloatVector sc = (FloatVector) ByteVector.fromArray(SUB_BYTES, subs, at2)
                            .convertShape(VectorOperators.B2F, FLOATS, 0);
                    FloatVector m = (FloatVector) ByteVector.fromArray(SUB_BYTES, subs, at2 + ROWS)
                            .convertShape(VectorOperators.B2F, FLOATS, 0);
                    scaled = ((FloatVector) rowSums.convert(VectorOperators.I2F, 0)).fma(sc.mul(xd[sub]), scaled);
                    mins = m.fma(FloatVector.broadcast(FLOATS, xsum[sub]), mins);
                    sum = ShortVector.zero(SHORTS);
                    if ((sub & (SUBS - 1)) == SUBS - 1) {
                        int at3 = superAt + (sub / SUBS) * 2 * ROWS;
                        acc = FloatVector.fromArray(FLOATS, supers, at3).fma(scaled, acc)
                                .sub(FloatVector.fromArray(FLOATS, supers, at3 + ROWS).mul(mins));
                        scaled = FloatVector.zero(FLOATS);
                        mins = FloatVector.zero(FLOATS);
                    }
                }
            }
            acc.intoArray(out, outOffset + (g - g0) * ROWS);
        }
    }
}
