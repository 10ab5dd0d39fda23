package lucid.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Q4_KRowGroups} for Q5_K: the same groups of one row per float lane, the same scales and
 * minimums, and each sub-block's fifth bits in two more chunks. A Q5_K weight is
 * {@code d · sc · q - dmin · m} with q of 5 bits. Per group:
 * <pre>
 * supers    per super-block: ROWS floats d, then ROWS floats dmin
 * subs      per sub-block: ROWS bytes sc, then ROWS bytes m (0..63)
 * quants    per sub-block, 12 chunks of 2 · ROWS bytes: per pair of steps, their low 4 bits (as
 *           Q4_0RowGroups' steps), then their fifth bits
 * </pre>
 * Step k of a sub-block holds weights 4k .. 4k + 3 of each row. In the fifth-bits chunk, byte 2r + t
 * holds, for the pair's j-th step, the fifth bit of row r's weight 4k + t in bit 2j and that of
 * weight 4k + 2 + t in bit 2j + 1, each inverted; its top four bits are unused. That is 1.23 times
 * the rows' Q5_K bytes (216 for 176). Four steps an iteration, to fill those bits, passed C2's node
 * count for inlining: KernelAllocationTest found the loop's vectors left in objects in 5 of 6 JVMs, and
 * a fifth-bits chunk per four steps read two steps at a time still in 1 of 8.
 *
 * <p>The kernel builds {@code q - 16} (-16..15) in short lanes as the nibble less 16 times the
 * inverted fifth bit (one operation where a stored fifth bit took two), so a lane's 16 products of a
 * sub-block stay within 16 · 16 · 127 = 32512, and adds the 16 back through the block's sum of
 * activations: a row is Σ over super-blocks of
 * {@code d · Σ sc · dx · (Σ((q - 16)·qx) + 16 · Σqx) - dmin · Σ m · (dx · Σqx)}.
 */
final class Q5_KRowGroups {

    private static final VectorSpecies<Float> FLOATS = VectorSupport.FLOAT_SPECIES;
    /** Rows per group: one per float lane. */
    static final int ROWS = Q4_0RowGroups.ROWS;
    private static final VectorSpecies<Integer> INTS = Q4_0RowGroups.INTS;
    private static final VectorSpecies<Short> SHORTS = Q4_0RowGroups.SHORTS;
    private static final VectorSpecies<Byte> STEP_BYTES = Q4_0RowGroups.STEP_BYTES;
    private static final VectorSpecies<Byte> SUB_BYTES = Q4_KRowGroups.SUB_BYTES;
    private static final int PAD = Q4_KRowGroups.PAD;
    private static final int STEP = Q4_0RowGroups.STEP;
    /** Chunks of {@link #STEP} bytes per sub-block: 8 of low bits, 4 of fifth bits. */
    private static final int CHUNKS_PER_SUB = 12;
    private static final int SUBS = 8;
    private static final int SUB_WEIGHTS = 32;

    /** Whether this machine's vectors suit the layout (as {@link Q4_0RowGroups#SUPPORTED}). */
    static final boolean SUPPORTED = Q4_0RowGroups.SUPPORTED;

    final int cols;
    final int groups;
    private final int superBlocks;
    private final float[] supers;   // [group][super][d, dmin][row]
    private final byte[] subs;      // [group][sub][sc, m][row], then PAD bytes
    private final byte[] quants;    // [group][sub][chunk][2 · row + t]

    private Q5_KRowGroups(int cols, int groups, float[] supers, byte[] subs, byte[] quants) {
        this.cols = cols;
        this.groups = groups;
        this.superBlocks = cols / Q5_KTensor.BLOCK_WEIGHTS;
        this.supers = supers;
        this.subs = subs;
        this.quants = quants;
    }

    static long bytesPerGroup(int cols) {
        long subBlocks = cols / SUB_WEIGHTS;
        return cols / Q5_KTensor.BLOCK_WEIGHTS * 8L * ROWS + subBlocks * (2L * ROWS + (long) CHUNKS_PER_SUB * STEP);
    }

    /** As {@link Q4_0RowGroups#byteSize}: 0 where nothing is copied. */
    static long byteSize(int rows, int cols) {
        boolean fits = (long) (rows / ROWS) * ROWS * cols / 4 * 3 <= Q4_0RowGroups.MAX_ARRAY;
        return SUPPORTED && fits ? rows / ROWS * bytesPerGroup(cols) : 0;
    }

    /**
     * Copies the whole groups of {@code rows} rows of {@code cols} weights of the Q5_K bytes
     * {@code source}, as {@link Q4_0RowGroups#copy} does ({@code parallel} the same).
     *
     * @throws IllegalArgumentException when the copy would not fit Java arrays (2^31 bytes)
     */
    static Q5_KRowGroups copy(MemorySegment source, int rows, int cols, boolean parallel) {
        int groups = rows / ROWS;
        int superBlocks = cols / Q5_KTensor.BLOCK_WEIGHTS;
        long quantBytes = (long) groups * superBlocks * SUBS * CHUNKS_PER_SUB * STEP;
        if (quantBytes > Q4_0RowGroups.MAX_ARRAY) {
            throw new IllegalArgumentException("a matrix of " + rows + " x " + cols + " is too large to repack");
        }
        float[] supers = new float[groups * superBlocks * 2 * ROWS];
        byte[] subs = new byte[groups * superBlocks * SUBS * 2 * ROWS + PAD];
        byte[] quants = new byte[(int) quantBytes];
        Q4_0RowGroups.forEachGroup(source, groups, parallel, g -> copyGroup(source, cols, g, supers, subs, quants));
        return new Q5_KRowGroups(cols, groups, supers, subs, quants);
    }

    private static void copyGroup(MemorySegment source, int cols, int g, float[] supers, byte[] subs, byte[] quants) {
        int superBlocks = cols / Q5_KTensor.BLOCK_WEIGHTS;
        long rowBytes = (long) superBlocks * Q5_KTensor.BLOCK_BYTES;
        for (int b = 0; b < superBlocks; b++) {
            int superAt = ((g * superBlocks + b) * 2) * ROWS;
            for (int r = 0; r < ROWS; r++) {
                long block = ((long) g * ROWS + r) * rowBytes + (long) b * Q5_KTensor.BLOCK_BYTES;
                Q4_KRowGroups.copyFactors(source, block, r, supers, superAt, subs, (g * superBlocks + b) * SUBS);
                for (int j = 0; j < SUBS; j++) {
                    int sub = (g * superBlocks + b) * SUBS + j;
                    // As Q4_KRowGroups: sub-block j's weight w is in byte 32 (j / 2) + w of the low
                    // bits, the low nibble for even j; its fifth bit is bit j of byte w of qh.
                    long qs = block + Q5_KTensor.QS + 32 * (j / 2);
                    int shift = 4 * (j & 1);
                    int out = sub * CHUNKS_PER_SUB * STEP + 2 * r;
                    for (int k = 0; k < 8; k++) {
                        int word = source.get(FloatTensor.INT_LE, qs + 4 * k);
                        // Steps 2p and 2p + 1, then their fifth bits.
                        int chunk = 3 * (k / 2) + (k & 1);
                        Q4_0RowGroups.STEP_PAIR.set(quants, out + chunk * STEP, Q4_0RowGroups.stepPair(word, shift));
                    }
                    for (int pair = 0; pair < 4; pair++) {
                        for (int t = 0; t < 2; t++) {
                            int bits = 0;
                            for (int step = 0; step < 2; step++) {
                                int w = 4 * (2 * pair + step) + t;
                                int first = source.get(ValueLayout.JAVA_BYTE, block + Q5_KTensor.QH + w) >> j & 1;
                                int second = source.get(ValueLayout.JAVA_BYTE, block + Q5_KTensor.QH + w + 2) >> j & 1;
                                // Stored inverted: the kernel's q - 16 is then the nibble less 16 · bit.
                                bits |= (first ^ 1 | (second ^ 1) << 1) << (2 * step);
                            }
                            quants[out + (3 * pair + 2) * STEP + t] = (byte) bits;
                        }
                    }
                }
            }
        }
    }

    /**
     * Rows {@code [g0 · ROWS, g1 · ROWS)} against the activations {@code a} (quantized over
     * {@link #cols}), into {@code out[outOffset..]}.
     */
    void products(int g0, int g1, Q8Activations a, float[] out, int outOffset) {
        int[] pairs = a.pairs;
        int[] blockSums = a.blockSum;
        float[] xd = a.d;
        float[] xsum = a.sum;
        int subBlocks = superBlocks * SUBS;
        // Two steps an iteration, four iterations a sub-block, as Q6_KRowGroups.
        int iterations = subBlocks * 4;
        for (int g = g0; g < g1; g++) {
            int chunkAt = g * subBlocks * CHUNKS_PER_SUB * STEP;
            int subAt = g * subBlocks * 2 * ROWS;
            int superAt = g * superBlocks * 2 * ROWS;
            FloatVector acc = FloatVector.zero(FLOATS);
            FloatVector scaled = FloatVector.zero(FLOATS);   // Σ sc · dx · Σ(q·qx) of the super-block
            FloatVector mins = FloatVector.zero(FLOATS);     // Σ m · (dx · Σqx) of the super-block
            ShortVector sum = ShortVector.zero(SHORTS);
            // Q4_0RowGroups.products' loop shape, written out on purpose (see there).
            for (int i = 0; i < iterations; i++) {
                int at = chunkAt + i * 3 * STEP;
                int p = 4 * i;
                ShortVector high = (ShortVector) ByteVector.fromArray(STEP_BYTES, quants, at + 2 * STEP)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                ShortVector low = (ShortVector) ByteVector.fromArray(STEP_BYTES, quants, at)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                ShortVector first = low.and((short) 0x0F)
                        .sub(high.lanewise(VectorOperators.LSHL, 4).and((short) 0x10));
                ShortVector second = low.lanewise(VectorOperators.LSHR, 4)
                        .sub(high.lanewise(VectorOperators.LSHL, 3).and((short) 0x10));
                sum = sum.add(first.mul(IntVector.broadcast(INTS, pairs[p]).reinterpretAsShorts()))
                        .add(second.mul(IntVector.broadcast(INTS, pairs[p + 1]).reinterpretAsShorts()));
                low = (ShortVector) ByteVector.fromArray(STEP_BYTES, quants, at + STEP)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                first = low.and((short) 0x0F)
                        .sub(high.lanewise(VectorOperators.LSHL, 2).and((short) 0x10));
                second = low.lanewise(VectorOperators.LSHR, 4)
                        .sub(high.lanewise(VectorOperators.LSHL, 1).and((short) 0x10));
                sum = sum.add(first.mul(IntVector.broadcast(INTS, pairs[p + 2]).reinterpretAsShorts()))
                        .add(second.mul(IntVector.broadcast(INTS, pairs[p + 3]).reinterpretAsShorts()));
                if ((i & 3) == 3) {
                    int sub = i >> 2;
                    IntVector lanes = sum.reinterpretAsInts();
                    // The row's two lanes, and the 16 taken off every quant back: 16 · Σqx.
                    IntVector rowSums = lanes.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .add(lanes.lanewise(VectorOperators.ASHR, 16)).add(16 * blockSums[sub]);
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
