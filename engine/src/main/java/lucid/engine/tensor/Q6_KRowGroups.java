package lucid.engine.tensor;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Q4_0RowGroups} for Q6_K (the output matrix and part of {@code attn_v} and {@code ffn_down} in a
 * {@code Q4_K_M} file): the rows of a matrix in groups of one row per float lane, so that the kernel
 * sums nothing across lanes. A Q6_K weight is {@code d · sc · (q - 32)} with q of 6 bits, a signed
 * 8-bit scale per sub-block of 16 and f16 {@code d} per super-block of 256. Per group:
 * <pre>
 * supers    per super-block: ROWS floats d
 * subs      per sub-block: ROWS bytes sc (signed)
 * quants    per sub-block, 6 chunks of 2 · ROWS bytes: low bits of steps 0 and 1, high bits of both,
 *           low bits of steps 2 and 3, high bits of both
 * </pre>
 * Step k of a sub-block holds weights 4k .. 4k + 3 of each row. Its low-bits chunk is a Q4_0RowGroups
 * step: byte 2r + t holds q's low 4 bits of row r's weight 4k + t in its low nibble and of weight
 * 4k + 2 + t in its high nibble. The high-bits chunk after two steps holds in byte 2r + t the top two
 * bits of those weights: of step k in bits 0-1 and 2-3, of step k + 1 in bits 4-5 and 6-7. That is
 * 212 bytes a row and super-block, for the file's 210.
 *
 * <p>The kernel builds {@code q - 32} (-32..31) in short lanes, two of a row's weights in its two lanes,
 * and multiplies them by the activation pair broadcast to every int lane ({@link Q8Activations#pairs}).
 * After a sub-block's 4 steps a lane holds 8 products of at most 32 · 127, 32512 in magnitude, so shorts
 * do not overflow; the row's two lanes then add in an int lane, times {@code sc · dx} into a float.
 */
final class Q6_KRowGroups {

    private static final VectorSpecies<Float> FLOATS = VectorSupport.FLOAT_SPECIES;
    /** Rows per group: one per float lane. */
    static final int ROWS = Q4_0RowGroups.ROWS;
    private static final VectorSpecies<Integer> INTS = Q4_0RowGroups.INTS;
    private static final VectorSpecies<Short> SHORTS = Q4_0RowGroups.SHORTS;
    private static final VectorSpecies<Byte> STEP_BYTES = Q4_0RowGroups.STEP_BYTES;
    private static final VectorSpecies<Byte> SUB_BYTES = Q4_KRowGroups.SUB_BYTES;
    private static final int PAD = Q4_KRowGroups.PAD;
    private static final int STEP = Q4_0RowGroups.STEP;
    /** Chunks of {@link #STEP} bytes per sub-block: 4 of low bits, 2 of high bits. */
    private static final int CHUNKS_PER_SUB = 6;
    private static final int SUBS = 16;
    private static final int SUB_WEIGHTS = 16;

    /** Whether this machine's vectors suit the layout (as {@link Q4_0RowGroups#SUPPORTED}). */
    static final boolean SUPPORTED = Q4_0RowGroups.SUPPORTED;

    final int cols;
    final int groups;
    private final int superBlocks;
    private final float[] supers;   // [group][super][row]
    private final byte[] subs;      // [group][sub][row], then PAD bytes
    private final byte[] quants;    // [group][sub][chunk][2 · row + t]

    private Q6_KRowGroups(int cols, int groups, float[] supers, byte[] subs, byte[] quants) {
        this.cols = cols;
        this.groups = groups;
        this.superBlocks = cols / Q6_KTensor.BLOCK_WEIGHTS;
        this.supers = supers;
        this.subs = subs;
        this.quants = quants;
    }

    static long bytesPerGroup(int cols) {
        long subBlocks = cols / SUB_WEIGHTS;
        return cols / Q6_KTensor.BLOCK_WEIGHTS * 4L * ROWS + subBlocks * (ROWS + (long) CHUNKS_PER_SUB * STEP);
    }

    /** As {@link Q4_0RowGroups#byteSize}: 0 where nothing is copied. */
    static long byteSize(int rows, int cols) {
        boolean fits = (long) (rows / ROWS) * ROWS * cols / 4 * 3 <= Q4_0RowGroups.MAX_ARRAY;
        return SUPPORTED && fits ? rows / ROWS * bytesPerGroup(cols) : 0;
    }

    /**
     * Copies the whole groups of {@code rows} rows of {@code cols} weights of the Q6_K bytes
     * {@code source}, as {@link Q4_0RowGroups#copy} does ({@code parallel} the same).
     *
     * @throws IllegalArgumentException when the copy would not fit Java arrays (2^31 bytes)
     */
    static Q6_KRowGroups copy(MemorySegment source, int rows, int cols, boolean parallel) {
        int groups = rows / ROWS;
        int superBlocks = cols / Q6_KTensor.BLOCK_WEIGHTS;
        long quantBytes = (long) groups * superBlocks * SUBS * CHUNKS_PER_SUB * STEP;
        if (quantBytes > Q4_0RowGroups.MAX_ARRAY) {
            throw new IllegalArgumentException("a matrix of " + rows + " x " + cols + " is too large to repack");
        }
        float[] supers = new float[groups * superBlocks * ROWS];
        byte[] subs = new byte[groups * superBlocks * SUBS * ROWS + PAD];
        byte[] quants = new byte[(int) quantBytes];
        Q4_0RowGroups.forEachGroup(source, groups, parallel, g -> copyGroup(source, cols, g, supers, subs, quants));
        return new Q6_KRowGroups(cols, groups, supers, subs, quants);
    }

    private static void copyGroup(MemorySegment source, int cols, int g, float[] supers, byte[] subs, byte[] quants) {
        int superBlocks = cols / Q6_KTensor.BLOCK_WEIGHTS;
        long rowBytes = (long) superBlocks * Q6_KTensor.BLOCK_BYTES;
        int[] q = new int[Q6_KTensor.BLOCK_WEIGHTS];
        for (int b = 0; b < superBlocks; b++) {
            for (int r = 0; r < ROWS; r++) {
                long block = ((long) g * ROWS + r) * rowBytes + (long) b * Q6_KTensor.BLOCK_BYTES;
                supers[(g * superBlocks + b) * ROWS + r] = Float.float16ToFloat(source.get(FloatTensor.SHORT_LE,
                        block + Q6_KTensor.D));
                Q6_KTensor.quants(source, block, q);
                for (int s = 0; s < SUBS; s++) {
                    int sub = (g * superBlocks + b) * SUBS + s;
                    subs[sub * ROWS + r] = source.get(java.lang.foreign.ValueLayout.JAVA_BYTE, block + Q6_KTensor.SCALES + s);
                    int chunk = sub * CHUNKS_PER_SUB * STEP + 2 * r;
                    for (int pair = 0; pair < 2; pair++) {
                        int high = chunk + (3 * pair + 2) * STEP;
                        for (int t = 0; t < 2; t++) {
                            int bits = 0;
                            for (int k = 2 * pair; k < 2 * pair + 2; k++) {
                                int w = SUB_WEIGHTS * s + 4 * k + t;
                                quants[chunk + (3 * pair + k - 2 * pair) * STEP + t] =
                                        (byte) (q[w] & 0x0F | (q[w + 2] & 0x0F) << 4);
                                bits |= (q[w] >> 4 | (q[w + 2] >> 4) << 2) << (4 * (k - 2 * pair));
                            }
                            quants[high + t] = (byte) bits;
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
        float[] xd = a.d;
        int subBlocks = superBlocks * SUBS;
        // Two steps an iteration, two iterations a sub-block.
        int iterations = subBlocks * 2;
        for (int g = g0; g < g1; g++) {
            int chunkAt = g * subBlocks * CHUNKS_PER_SUB * STEP;
            int subAt = g * subBlocks * ROWS;
            int superAt = g * superBlocks * ROWS;
            FloatVector acc = FloatVector.zero(FLOATS);
            FloatVector scaled = FloatVector.zero(FLOATS);   // Σ sc · dx · Σ((q - 32)·qx) of the super-block
            ShortVector sum = ShortVector.zero(SHORTS);
            // Q4_0RowGroups.products' loop shape, written out on purpose (see there).
            for (int i = 0; i < iterations; i++) {
                int at = chunkAt + i * 3 * STEP;
                ShortVector high = (ShortVector) ByteVector.fromArray(STEP_BYTES, quants, at + 2 * STEP)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                ShortVector low = (ShortVector) ByteVector.fromArray(STEP_BYTES, quants, at)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                // The first step: high bits 0-1 and 2-3 up to bits 4-5.
                ShortVector first = low.and((short) 0x0F)
                        .or(high.lanewise(VectorOperators.LSHL, 4).and((short) 0x30)).sub((short) 32);
                ShortVector second = low.lanewise(VectorOperators.LSHR, 4)
                        .or(high.lanewise(VectorOperators.LSHL, 2).and((short) 0x30)).sub((short) 32);
                sum = sum.add(first.mul(IntVector.broadcast(INTS, pairs[4 * i]).reinterpretAsShorts()))
                        .add(second.mul(IntVector.broadcast(INTS, pairs[4 * i + 1]).reinterpretAsShorts()));
                // The second step: high bits 4-5 in place and 6-7 down.
                low = (ShortVector) ByteVector.fromArray(STEP_BYTES, quants, at + STEP)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                first = low.and((short) 0x0F).or(high.and((short) 0x30)).sub((short) 32);
                second = low.lanewise(VectorOperators.LSHR, 4)
                        .or(high.lanewise(VectorOperators.LSHR, 2).and((short) 0x30)).sub((short) 32);
                sum = sum.add(first.mul(IntVector.broadcast(INTS, pairs[4 * i + 2]).reinterpretAsShorts()))
                        .add(second.mul(IntVector.broadcast(INTS, pairs[4 * i + 3]).reinterpretAsShorts()));
                if ((i & 1) == 1) {
                    int sub = i >> 1;
                    IntVector lanes = sum.reinterpretAsInts();
                    IntVector rowSums = lanes.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .add(lanes.lanewise(VectorOperators.ASHR, 16));
                    FloatVector sc = (FloatVector) ByteVector.fromArray(SUB_BYTES, subs, subAt + sub * ROWS)
                            .convertShape(VectorOperators.B2F, FLOATS, 0);
                    // Two sub-blocks of 16 share an activation block of 32.
                    scaled = ((FloatVector) rowSums.convert(VectorOperators.I2F, 0)).fma(sc.mul(xd[sub >> 1]), scaled);
                    sum = ShortVector.zero(SHORTS);
                    if ((sub & (SUBS - 1)) == SUBS - 1) {
                        acc = FloatVector.fromArray(FLOATS, supers, superAt + (sub / SUBS) * ROWS).fma(scaled, acc);
                        scaled = FloatVector.zero(FLOATS);
                    }
                }
            }
            acc.intoArray(out, outOffset + (g - g0) * ROWS);
        }
    }
}
