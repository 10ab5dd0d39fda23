package lucid.engine.tensor;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * GGML_TYPE_Q6_K: super-blocks of 256 weights in 210 bytes (6.5625 bits per weight), made of 16
 * sub-blocks of 16 weights that each have a signed 8-bit scale.
 *
 * <pre>
 * offset  size  field
 *   0     128   ql[128]     low 4 bits of the quants
 * 128      64   qh[64]      high 2 bits of the quants
 * 192      16   scales[16]  int8 scale of sub-block s (weights 16s..16s+15)
 * 208       2   d           f16 scale of the scales
 * </pre>
 *
 * The super-block is two halves of 128 weights; half h uses ql[64h..64h+63] and qh[32h..32h+31].
 * Within a half, weight 32g + l (g = 0..3, l = 0..31) takes
 * <ul>
 *   <li>its low 4 bits from ql[64h + l + 32·(g &amp; 1)]: the low nibble for g = 0, 1, the high
 *       nibble for g = 2, 3;</li>
 *   <li>its high 2 bits from bits 2g, 2g+1 of qh[32h + l].</li>
 * </ul>
 * Weight = (d · scales[s]) · (q − 32), q = 0..63; the products are exact in float.
 */
public final class Q6_KTensor extends FloatTensor {

    static final int BLOCK_WEIGHTS = 256;
    static final int BLOCK_BYTES = 128 + 64 + 16 + 2;
    private static final int QH = 128;
    static final int SCALES = 192;
    static final int D = 208;

    static {
        checkBlockLayout(GgmlType.Q6_K, BLOCK_WEIGHTS, BLOCK_BYTES);
    }

    private static final VectorSpecies<Float> FLOATS = VectorSupport.FLOAT_SPECIES;
    private static final VectorSpecies<Byte> BYTES = VectorSupport.BYTE_SPECIES;
    private static final VectorSpecies<Integer> INTS = VectorSupport.INT_SPECIES;
    private static final VectorSpecies<Float> CHUNK_FLOATS = SubBlockProducts.CHUNK_FLOATS;
    private static final VectorSpecies<Short> PRODUCT_SHORTS = SubBlockProducts.SHORTS;
    /** Positions of a half that one step of the integer kernel takes in each of two groups: 32, or 16 at 128 bits. */
    private static final int CHUNK = SubBlockProducts.CHUNK;
    private static final int CHUNKS_PER_RUN = SubBlockProducts.CHUNKS_PER_RUN;
    private static final int CHUNK_STEPS_PER_BLOCK = SubBlockProducts.CHUNK_STEPS_PER_BLOCK;

    // The rows in groups for the integer kernel (repacking), or null: decode only reads the mapping.
    // Volatile: a copy made in the background is published here while other threads run products.
    private volatile Q6_KRowGroups rowGroups;

    Q6_KTensor(MemorySegment data, long size) {
        this(data, size, null);
    }

    private Q6_KTensor(MemorySegment data, long size, Q6_KRowGroups rowGroups) {
        super(data, size);
        this.rowGroups = rowGroups;
    }

    @Override
    public FloatTensor repacked(int rows, int cols) {
        if (rowGroups != null || Q6_KRowGroups.byteSize(rows, cols) == 0) {
            return this;
        }
        checkShape(rows, cols);
        return new Q6_KTensor(data, size, Q6_KRowGroups.copy(data, rows, cols, true));
    }

    @Override
    public long attachRepacked(int rows, int cols) {
        if (rowGroups != null || Q6_KRowGroups.byteSize(rows, cols) == 0) {
            return 0;
        }
        checkShape(rows, cols);
        rowGroups = Q6_KRowGroups.copy(data, rows, cols, false);
        return Q6_KRowGroups.byteSize(rows, cols);
    }

    @Override
    public long repackedBytes(int rows, int cols) {
        return Q6_KRowGroups.byteSize(rows, cols);
    }

    @Override
    public int rowAlignment() {
        return rowGroups != null ? Q6_KRowGroups.ROWS : 1;
    }

    @Override
    public int repackedRows(int rows, int cols) {
        return Q6_KRowGroups.byteSize(rows, cols) > 0 ? rows / Q6_KRowGroups.ROWS * Q6_KRowGroups.ROWS : 0;
    }

    /** The 256 quants (0..63) of the super-block at {@code block} into {@code q}, in weight order. */
    static void quants(MemorySegment data, long block, int[] q) {
        for (int half = 0; half < 2; half++) {
            long ql = block + 64L * half;
            long qh = block + QH + 32L * half;
            for (int l = 0; l < 32; l++) {
                int lowRun = data.get(JAVA_BYTE, ql + l);
                int highRun = data.get(JAVA_BYTE, ql + 32 + l);
                int h = data.get(JAVA_BYTE, qh + l);
                int at = 128 * half + l;
                q[at] = lowRun & 0x0F | (h & 3) << 4;
                q[at + 32] = highRun & 0x0F | (h >> 2 & 3) << 4;
                q[at + 64] = lowRun >> 4 & 0x0F | (h >> 4 & 3) << 4;
                q[at + 96] = highRun >> 4 & 0x0F | (h >> 6 & 3) << 4;
            }
        }
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    public float getFloat(long index) {
        long block = index / BLOCK_WEIGHTS * BLOCK_BYTES;
        int j = (int) (index % BLOCK_WEIGHTS);
        int half = j / 128;
        int g = j % 128 / 32;
        int l = j % 32;
        int lowBits = data.get(JAVA_BYTE, block + 64 * half + l + 32 * (g & 1)) >> (g < 2 ? 0 : 4) & 0x0F;
        int highBits = data.get(JAVA_BYTE, block + QH + 32 * half + l) >> (2 * g) & 3;
        return scale(block, j / 16) * ((lowBits | highBits << 4) - 32);
    }

    /** d · scales[sub]: exact. */
    private float scale(long block, int sub) {
        return f16At(block + D) * data.get(JAVA_BYTE, block + SCALES + sub);
    }

    // The float kernel (--exact) reads a super-block as decodeVector does: per half and vector of
    // positions, one load each of the two runs of low bits and of the high bits gives all four groups
    // with constant shifts, and each weight is (d · sc) · (q − 32), the decoded weight, times its
    // activation. Four accumulators, one a group, keep the additions in independent chains. One
    // sub-block of 16 weights at a time, with its two loads and their shifts by a count that varied
    // with the group, this read 1.5 GB/s in cache on AVX-512 (Q8DotInterleaved), and a Q4_K_M file's
    // Q6_K matrices (output, half the attn_v and ffn_down) halved its --exact decode.
    @Override
    float dotVector(long offset, float[] x, int xOffset, int n) {
        float[] factors = SubBlockProducts.decodeFactorScratch();
        FloatVector acc0 = FloatVector.zero(FLOATS);
        FloatVector acc1 = FloatVector.zero(FLOATS);
        FloatVector acc2 = FloatVector.zero(FLOATS);
        FloatVector acc3 = FloatVector.zero(FLOATS);
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            decodeFactors(block, factors);
            for (int half = 0; half < 2; half++) {
                long ql = block + 64L * half;
                long qh = block + QH + 32L * half;
                int at = xOffset + i + 128 * half;
                for (int l = 0; l < 32; l += BYTES.length()) {
                    ByteVector lowRun = ByteVector.fromMemorySegment(BYTES, data, ql + l, ByteOrder.LITTLE_ENDIAN);
                    ByteVector highRun = ByteVector.fromMemorySegment(BYTES, data, ql + 32 + l, ByteOrder.LITTLE_ENDIAN);
                    ByteVector highBits = ByteVector.fromMemorySegment(BYTES, data, qh + l, ByteOrder.LITTLE_ENDIAN);
                    for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                        IntVector low0 = (IntVector) lowRun.convertShape(VectorOperators.B2I, INTS, part);
                        IntVector low1 = (IntVector) highRun.convertShape(VectorOperators.B2I, INTS, part);
                        IntVector h = (IntVector) highBits.convertShape(VectorOperators.B2I, INTS, part);
                        int j = l + part * FLOATS.length();
                        int sub = 8 * half + j / 16;
                        IntVector q0 = low0.and(0x0F).or(h.lanewise(VectorOperators.LSHL, 4).and(0x30));
                        IntVector q1 = low1.and(0x0F).or(h.lanewise(VectorOperators.LSHL, 2).and(0x30));
                        IntVector q2 = low0.lanewise(VectorOperators.LSHR, 4).and(0x0F).or(h.and(0x30));
                        IntVector q3 = low1.lanewise(VectorOperators.LSHR, 4).and(0x0F)
                                .or(h.lanewise(VectorOperators.LSHR, 2).and(0x30));
                        acc0 = ((FloatVector) q0.sub(32).convert(VectorOperators.I2F, 0)).mul(factors[sub])
                                .fma(FloatVector.fromArray(FLOATS, x, at + j), acc0);
                        acc1 = ((FloatVector) q1.sub(32).convert(VectorOperators.I2F, 0)).mul(factors[sub + 2])
                                .fma(FloatVector.fromArray(FLOATS, x, at + j + 32), acc1);
                        acc2 = ((FloatVector) q2.sub(32).convert(VectorOperators.I2F, 0)).mul(factors[sub + 4])
                                .fma(FloatVector.fromArray(FLOATS, x, at + j + 64), acc2);
                        acc3 = ((FloatVector) q3.sub(32).convert(VectorOperators.I2F, 0)).mul(factors[sub + 6])
                                .fma(FloatVector.fromArray(FLOATS, x, at + j + 96), acc3);
                    }
                }
            }
        }
        return acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
    }

    @Override
    float dotScalar(long offset, float[] x, int xOffset, int n) {
        float sum = 0f;
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            for (int half = 0; half < 2; half++) {
                long ql = block + 64L * half;
                long qh = block + QH + 32L * half;
                int base = xOffset + i + 128 * half;
                for (int l0 = 0; l0 < 32; l0 += 16) {
                    float sum0 = 0f;
                    float sum1 = 0f;
                    float sum2 = 0f;
                    float sum3 = 0f;
                    for (int l = l0; l < l0 + 16; l++) {
                        int lowRun = data.get(JAVA_BYTE, ql + l);
                        int highRun = data.get(JAVA_BYTE, ql + 32 + l);
                        int h = data.get(JAVA_BYTE, qh + l);
                        sum0 += ((lowRun & 0x0F | (h & 3) << 4) - 32) * x[base + l];
                        sum1 += ((highRun & 0x0F | (h >> 2 & 3) << 4) - 32) * x[base + l + 32];
                        sum2 += ((lowRun >> 4 & 0x0F | (h >> 4 & 3) << 4) - 32) * x[base + l + 64];
                        sum3 += ((highRun >> 4 & 0x0F | (h >> 6 & 3) << 4) - 32) * x[base + l + 96];
                    }
                    int sub = 8 * half + l0 / 16;
                    sum += sum0 * scale(block, sub) + sum1 * scale(block, sub + 2)
                            + sum2 * scale(block, sub + 4) + sum3 * scale(block, sub + 6);
                }
            }
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
    void rowsQ8Vector(int rowStart, int rowEnd, int cols, Q8Activations a, float[] out, int outOffset) {
        Q6_KRowGroups groups = rowGroups;
        if (groups != null && groups.cols == cols) {
            int rows = Q6_KRowGroups.ROWS;
            int g0 = (rowStart + rows - 1) / rows;
            int g1 = Math.min(rowEnd / rows, groups.groups);
            if (g0 < g1) {
                // The rows before the first whole group on the mapping, the groups, then what is left.
                mappedRows(rowStart, g0 * rows, cols, a, out, outOffset);
                groups.products(g0, g1, a, out, outOffset + g0 * rows - rowStart);
                mappedRows(g1 * rows, rowEnd, cols, a, out, outOffset + g1 * rows - rowStart);
                return;
            }
        }
        mappedRows(rowStart, rowEnd, cols, a, out, outOffset);
    }

    private void mappedRows(int rowStart, int rowEnd, int cols, Q8Activations a, float[] out, int outOffset) {
        float[] scales = SubBlockProducts.chunkScaleScratch(cols);
        for (int r = rowStart; r < rowEnd; r++) {
            long offset = (long) r * cols;
            rowScales(offset, cols, a, 0, scales);
            out[outOffset + r - rowStart] = dotQ8Chunks(offset, a, 0, cols, scales);
        }
    }

    @Override
    public boolean hasQ8Dot() {
        return true;
    }

    @Override
    public int q8Forms() {
        // The pairs wherever a copy could be made, as Q4_0Tensor.q8Forms says.
        return Q8Activations.EVEN_ODD | (Q6_KRowGroups.SUPPORTED ? Q8Activations.PAIRS : 0);
    }

    // Integer path in decode, as llama.cpp multiplies Q6_K by 8-bit activations: the float kernel read
    // 0.6 to 0.7 GB/s in cache and from memory on AVX2 (Q8DotInterleaved), a tenth of the integer one
    // (docs/PERFORMANCE.md).
    @Override
    public boolean prefersQ8(int cols) {
        return true;
    }

    // Per sub-block s of 16 weights: (d · sc[s] · dx) · Σ((q − 32) · qx), the sum exact in int. The
    // quants are made signed before the products: taking 32 · Σqx off afterwards made each row the
    // difference of two sums several times its size, and the same row then came out a few ulps of
    // those sums apart depending on how C2 had compiled the reduction (Q8DotParityTest saw it).
    //
    // Each row goes three times through its super-blocks, so that no pass grows past the node count at
    // which C2 stops inlining the Vector API: rowScales writes the sub-blocks' factors, lowPairs sums
    // groups 0 and 2 of each half (the low and high nibbles of the first run of low bits), highPairs
    // groups 1 and 3. A pass builds a chunk of 32 quants in byte lanes and multiplies them in place
    // (SubBlockProducts.chunkSum). Each pass's shifts are constants, and its steps are whole halves, so
    // the activations' and scales' indices are affine in the loop counter and C2 drops their bounds
    // checks. In cache on AVX2 (Q8DotInterleaved) this reads 7.4 to 8.4 GB/s; the kernel before it, one
    // pass over 16 positions of two groups a step with its addresses from tables, read 5.4.

    @Override
    float dotQ8Vector(long offset, Q8Activations a, int aOffset, int n) {
        float[] scales = SubBlockProducts.chunkScaleScratch(n);
        rowScales(offset, n, a, aOffset / 16, scales);
        return dotQ8Chunks(offset, a, aOffset, n, scales);
    }

    private float dotQ8Chunks(long offset, Q8Activations a, int aOffset, int n, float[] scales) {
        return (lowPairs(offset, a, aOffset, n, scales) + highPairs(offset, a, aOffset, n, scales)) * SubBlockProducts.CHUNK_SUM_UNIT;
    }

    // lowPairs and highPairs differ only in their offsets and shift counts, and stay two methods: one
    // method taking the pair as a parameter (shift counts the same through a pass, steps and indices
    // from shared helpers), called in a loop, ran at 0.6 times their speed in cache (Q8DotInterleaved).
    // Each writes SubBlockProducts.chunkSum out twice rather than calling it: under type profiles that
    // other kernels had filled (a Q4_K_M file's Q4_K matrices, say), highPairs reached C2's node count
    // for inlining our own methods (NodeCountInliningCutoff) before its second call, which then took
    // and returned its vectors as objects: 6.6 KB allocated a row on AVX-512 (KernelAllocationTest).
    // The Vector API's own methods are inlined past that count.

    /** Groups 0 and 2 of every half: low bits from the first run, high bits 0-1 and 4-5. */
    private float lowPairs(long offset, Q8Activations a, int aOffset, int n, float[] scales) {
        short[] even = a.evenWide;
        short[] odd = a.oddWide;
        FloatVector acc0 = FloatVector.zero(CHUNK_FLOATS);
        FloatVector acc1 = FloatVector.zero(CHUNK_FLOATS);
        long first = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        int xh = aOffset >> 1;
        ShortVector both;
        IntVector pairs;
        for (int s = 0; s < n / (4 * CHUNK); s++) {
            int h = s / CHUNKS_PER_RUN & 1;
            int l0 = (s & (CHUNKS_PER_RUN - 1)) * CHUNK;
            long block = first + (long) (s / CHUNK_STEPS_PER_BLOCK) * BLOCK_BYTES;
            ByteVector run = SubBlockProducts.chunk(data, block + 64 * h + l0);
            ByteVector bits = SubBlockProducts.chunk(data, block + QH + 32 * h + l0);
            ByteVector q0 = run.and((byte) 0x0F).or(SubBlockProducts.shiftLeftInInts(bits, 4).and((byte) 0x30)).sub((byte) 32);
            ByteVector q2 = SubBlockProducts.shiftRightInInts(run, 4).and((byte) 0x0F).or(bits.and((byte) 0x30)).sub((byte) 32);
            // Written so that at 32 positions a chunk (CHUNKS_PER_RUN = 1) both indices are affine in s, and
            // C2 takes the arrays' bounds checks out of the loop.
            int wh = CHUNKS_PER_RUN == 1 ? 64 * s : (s / CHUNKS_PER_RUN) * 64 + l0 / 2;
            int ws = CHUNKS_PER_RUN == 1 ? 8 * s : (s / CHUNKS_PER_RUN) * 8 + l0 / 16;
            // SubBlockProducts.chunkSum(q0, even, odd, xh + wh, scales, ws, acc0), written out: see above.
            both = q0.reinterpretAsShorts();
            pairs = both.reinterpretAsInts().lanewise(VectorOperators.LSHL, 8).reinterpretAsShorts()
                    .lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(PRODUCT_SHORTS, even, xh + wh))
                    .add(both.lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(PRODUCT_SHORTS, odd, xh + wh)))
                    .reinterpretAsInts();
            acc0 = ((FloatVector) pairs.add(pairs.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000)
                    .convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromArray(CHUNK_FLOATS, scales, ws).rearrange(SubBlockProducts.SPREAD), acc0);
            // SubBlockProducts.chunkSum(q2, even, odd, xh + wh + 32, scales, ws + 4, acc1), written out: see above.
            both = q2.reinterpretAsShorts();
            pairs = both.reinterpretAsInts().lanewise(VectorOperators.LSHL, 8).reinterpretAsShorts()
                    .lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(PRODUCT_SHORTS, even, xh + wh + 32))
                    .add(both.lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(PRODUCT_SHORTS, odd, xh + wh + 32)))
                    .reinterpretAsInts();
            acc1 = ((FloatVector) pairs.add(pairs.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000)
                    .convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromArray(CHUNK_FLOATS, scales, ws + 4).rearrange(SubBlockProducts.SPREAD), acc1);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /** Groups 1 and 3 of every half: low bits from the second run, high bits 2-3 and 6-7. */
    private float highPairs(long offset, Q8Activations a, int aOffset, int n, float[] scales) {
        short[] even = a.evenWide;
        short[] odd = a.oddWide;
        FloatVector acc0 = FloatVector.zero(CHUNK_FLOATS);
        FloatVector acc1 = FloatVector.zero(CHUNK_FLOATS);
        long first = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        int xh = aOffset >> 1;
        ShortVector both;
        IntVector pairs;
        for (int s = 0; s < n / (4 * CHUNK); s++) {
            int h = s / CHUNKS_PER_RUN & 1;
            int l0 = (s & (CHUNKS_PER_RUN - 1)) * CHUNK;
            long block = first + (long) (s / CHUNK_STEPS_PER_BLOCK) * BLOCK_BYTES;
            ByteVector run = SubBlockProducts.chunk(data, block + 64 * h + 32 + l0);
            ByteVector bits = SubBlockProducts.chunk(data, block + QH + 32 * h + l0);
            ByteVector q1 = run.and((byte) 0x0F).or(SubBlockProducts.shiftLeftInInts(bits, 2).and((byte) 0x30)).sub((byte) 32);
            ByteVector q3 = SubBlockProducts.shiftRightInInts(run, 4).and((byte) 0x0F)
                    .or(SubBlockProducts.shiftRightInInts(bits, 2).and((byte) 0x30)).sub((byte) 32);
            int wh = CHUNKS_PER_RUN == 1 ? 64 * s : (s / CHUNKS_PER_RUN) * 64 + l0 / 2;
            int ws = CHUNKS_PER_RUN == 1 ? 8 * s : (s / CHUNKS_PER_RUN) * 8 + l0 / 16;
            // SubBlockProducts.chunkSum(q1, even, odd, xh + wh + 16, scales, ws + 2, acc0), written out: see above.
            both = q1.reinterpretAsShorts();
            pairs = both.reinterpretAsInts().lanewise(VectorOperators.LSHL, 8).reinterpretAsShorts()
                    .lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(PRODUCT_SHORTS, even, xh + wh + 16))
                    .add(both.lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(PRODUCT_SHORTS, odd, xh + wh + 16)))
                    .reinterpretAsInts();
            acc0 = ((FloatVector) pairs.add(pairs.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000)
                    .convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromArray(CHUNK_FLOATS, scales, ws + 2).rearrange(SubBlockProducts.SPREAD), acc0);
            // SubBlockProducts.chunkSum(q3, even, odd, xh + wh + 48, scales, ws + 6, acc1), written out: see above.
            both = q3.reinterpretAsShorts();
            pairs = both.reinterpretAsInts().lanewise(VectorOperators.LSHL, 8).reinterpretAsShorts()
                    .lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(PRODUCT_SHORTS, even, xh + wh + 48))
                    .add(both.lanewise(VectorOperators.ASHR, 8).mul(ShortVector.fromArray(PRODUCT_SHORTS, odd, xh + wh + 48)))
                    .reinterpretAsInts();
            acc1 = ((FloatVector) pairs.add(pairs.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000)
                    .convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromArray(CHUNK_FLOATS, scales, ws + 6).rearrange(SubBlockProducts.SPREAD), acc1);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }
    // No variant reading the activations' bytes for long rows (as Q4_K and Q5_K have, Q8Activations.readsBytes):
    // one was 13% faster from memory at rows of 8192 (4.6 to 5.2 GB/s), but in about one JVM of five C2
    // compiled it with Vector API calls it could not devirtualize ("virtual call" on asVectorRaw, with
    // the type profiles the other kernels share), and it allocated its vectors (KernelAllocationTest).

    /**
     * Writes {@code d · sc · dx} of each of the {@code n / 16} sub-blocks from {@code offset} to
     * {@code scales[sub]} ({@code d · sc} is exact, then one rounding, as in the scalar kernel). The
     * activations' scales per 16 start at {@code xs}.
     */
    private void rowScales(long offset, int n, Q8Activations a, int xs, float[] scales) {
        float[] halfD = a.halfD;
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int sub = 0; sub < n / 16; sub += 16, block += BLOCK_BYTES) {
            float d = f16At(block + D);
            for (int k = 0; k < 16; k += BYTES.length()) {
                ByteVector sc = ByteVector.fromMemorySegment(BYTES, data, block + SCALES + k, ByteOrder.LITTLE_ENDIAN);
                for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                    int at = sub + k + part * FLOATS.length();
                    ((FloatVector) sc.convertShape(VectorOperators.B2F, FLOATS, part)).mul(d)
                            .mul(FloatVector.fromArray(FLOATS, halfD, xs + at)).intoArray(scales, at);
                }
            }
        }
    }

    @Override
    float dotQ8Scalar(long offset, Q8Activations a, int aOffset, int n) {
        byte[] xq = a.qs;
        float sum = 0f;
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            float d = f16At(block + D);
            for (int sub = 0; sub < 16; sub++) {
                int products = 0;
                for (int w = 16 * sub; w < 16 * sub + 16; w++) {
                    products += (quant(block, w) - 32) * xq[aOffset + i + w];
                }
                sum += products * (d * data.get(JAVA_BYTE, block + SCALES + sub) * a.d[(aOffset + i + 16 * sub) / 32]);
            }
        }
        return sum;
    }

    /** Weight {@code w} (0..255) of the super-block at {@code block} as stored: 0..63. */
    private int quant(long block, int w) {
        int half = w / 128;
        int g = w % 128 / 32;
        int l = w % 32;
        int lowBits = data.get(JAVA_BYTE, block + 64 * half + l + 32 * (g & 1)) >> (g < 2 ? 0 : 4) & 0x0F;
        int highBits = data.get(JAVA_BYTE, block + QH + 32 * half + l) >> (2 * g) & 3;
        return lowBits | highBits << 4;
    }

    /**
     * {@code d · sc} of the 16 sub-blocks of the super-block at {@code block} into
     * {@code factors[0..16)}, exact. Shared by the float kernel and the vector decode; it passes no
     * vector in or out.
     */
    private void decodeFactors(long block, float[] factors) {
        float d = f16At(block + D);
        for (int k = 0; k < 16; k += BYTES.length()) {
            ByteVector sc = ByteVector.fromMemorySegment(BYTES, data, block + SCALES + k, ByteOrder.LITTLE_ENDIAN);
            for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                ((FloatVector) sc.convertShape(VectorOperators.B2F, FLOATS, part)).mul(d)
                        .intoArray(factors, k + part * FLOATS.length());
            }
        }
    }

    // Batched prompt processing decodes every weight row once per batch. Per half and vector of
    // positions l, one load each of the two runs of low bits and of the high bits gives all four
    // groups, with constant shifts; the sixteen d · sc are converted once per super-block, and each
    // weight is then (d · sc) · (q − 32), the one rounding of the scalar decode. On AVX2 (one thread,
    // rows of 2048) a weight takes 0.24 ns, against 0.76 a sub-block at a time with shifts by a count
    // that varied with the group. The float kernel (dotVector) reads the super-block the same way.
    @Override
    void decodeVector(long offset, float[] out, int outOffset, int n) {
        float[] factors = SubBlockProducts.decodeFactorScratch();
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            decodeFactors(block, factors);
            for (int half = 0; half < 2; half++) {
                long ql = block + 64L * half;
                long qh = block + QH + 32L * half;
                int at = outOffset + i + 128 * half;
                for (int l = 0; l < 32; l += BYTES.length()) {
                    ByteVector lowRun = ByteVector.fromMemorySegment(BYTES, data, ql + l, ByteOrder.LITTLE_ENDIAN);
                    ByteVector highRun = ByteVector.fromMemorySegment(BYTES, data, ql + 32 + l, ByteOrder.LITTLE_ENDIAN);
                    ByteVector highBits = ByteVector.fromMemorySegment(BYTES, data, qh + l, ByteOrder.LITTLE_ENDIAN);
                    for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                        IntVector low0 = (IntVector) lowRun.convertShape(VectorOperators.B2I, INTS, part);
                        IntVector low1 = (IntVector) highRun.convertShape(VectorOperators.B2I, INTS, part);
                        IntVector h = (IntVector) highBits.convertShape(VectorOperators.B2I, INTS, part);
                        int j = l + part * FLOATS.length();
                        // Sub-block of group g at position j: 8 · half + 2g + j / 16.
                        int sub = 8 * half + j / 16;
                        IntVector q0 = low0.and(0x0F).or(h.lanewise(VectorOperators.LSHL, 4).and(0x30));
                        IntVector q1 = low1.and(0x0F).or(h.lanewise(VectorOperators.LSHL, 2).and(0x30));
                        IntVector q2 = low0.lanewise(VectorOperators.LSHR, 4).and(0x0F).or(h.and(0x30));
                        IntVector q3 = low1.lanewise(VectorOperators.LSHR, 4).and(0x0F).or(h.lanewise(VectorOperators.LSHR, 2).and(0x30));
                        ((FloatVector) q0.sub(32).convert(VectorOperators.I2F, 0)).mul(factors[sub]).intoArray(out, at + j);
                        ((FloatVector) q1.sub(32).convert(VectorOperators.I2F, 0)).mul(factors[sub + 2]).intoArray(out, at + j + 32);
                        ((FloatVector) q2.sub(32).convert(VectorOperators.I2F, 0)).mul(factors[sub + 4]).intoArray(out, at + j + 64);
                        ((FloatVector) q3.sub(32).convert(VectorOperators.I2F, 0)).mul(factors[sub + 6]).intoArray(out, at + j + 96);
                    }
                }
            }
        }
    }

    @Override
    void decode(long offset, float[] out, int outOffset, int n) {
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            for (int half = 0; half < 2; half++) {
                long ql = block + 64L * half;
                long qh = block + QH + 32L * half;
                int at = outOffset + i + 128 * half;
                for (int l = 0; l < 32; l++) {
                    int sub = 8 * half + l / 16;
                    int lowRun = data.get(JAVA_BYTE, ql + l);
                    int highRun = data.get(JAVA_BYTE, ql + 32 + l);
                    int h = data.get(JAVA_BYTE, qh + l);
                    out[at + l] = scale(block, sub) * ((lowRun & 0x0F | (h & 3) << 4) - 32);
                    out[at + l + 32] = scale(block, sub + 2) * ((highRun & 0x0F | (h >> 2 & 3) << 4) - 32);
                    out[at + l + 64] = scale(block, sub + 4) * ((lowRun >> 4 & 0x0F | (h >> 4 & 3) << 4) - 32);
                    out[at + l + 96] = scale(block, sub + 6) * ((highRun >> 4 & 0x0F | (h >> 6 & 3) << 4) - 32);
                }
            }
        }
    }

    /**
     * One super-block of {@code src[from..from + 256)} into {@code out} at byte {@code at}, as ggml's
     * {@code quantize_row_q6_K_ref}: each sub-block's scale is searched for
     * ({@link QuantMath#makeQxQuants}, 64 levels), the scales are quantized to int8 against the
     * largest in magnitude (which becomes -128), and the weights are rounded again against the
     * scales as stored.
     */
    static void quantizeBlock(float[] src, int from, ByteBuffer out, int at) {
        int[] levels = new int[BLOCK_WEIGHTS];
        float[] scales = new float[16];
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int sub = 0; sub < 16; sub++) {
            float scale = QuantMath.makeQxQuants(16, 32, src, from + 16 * sub, levels, 16 * sub);
            scales[sub] = scale;
            if (Math.abs(scale) > maxAbsScale) {
                maxAbsScale = Math.abs(scale);
                maxScale = scale;
            }
        }
        if (maxAbsScale < QuantMath.GROUP_MAX_EPS) {
            for (int b = 0; b < BLOCK_BYTES; b++) {
                out.put(at + b, (byte) 0);
            }
            return;
        }
        float iscale = -128f / maxScale;
        short d = QuantMath.toHalf(1 / iscale);
        out.putShort(at + D, d);
        byte[] stored = new byte[16];
        for (int sub = 0; sub < 16; sub++) {
            stored[sub] = (byte) Math.min(127, QuantMath.nearestInt(iscale * scales[sub]));
            out.put(at + SCALES + sub, stored[sub]);
        }
        for (int sub = 0; sub < 16; sub++) {
            float scale = QuantMath.fromHalf(d) * stored[sub];
            if (scale == 0) {
                continue;
            }
            for (int l = 0; l < 16; l++) {
                int q = QuantMath.nearestInt(src[from + 16 * sub + l] / scale);
                levels[16 * sub + l] = Math.max(-32, Math.min(31, q)) + 32;
            }
        }
        for (int half = 0; half < 2; half++) {
            int first = 128 * half;
            for (int l = 0; l < 32; l++) {
                int q0 = levels[first + l];
                int q1 = levels[first + l + 32];
                int q2 = levels[first + l + 64];
                int q3 = levels[first + l + 96];
                out.put(at + 64 * half + l, (byte) ((q0 & 0x0F) | (q2 & 0x0F) << 4));
                out.put(at + 64 * half + 32 + l, (byte) ((q1 & 0x0F) | (q3 & 0x0F) << 4));
                out.put(at + QH + 32 * half + l, (byte) (q0 >> 4 | (q1 >> 4) << 2 | (q2 >> 4) << 4 | (q3 >> 4) << 6));
            }
        }
    }
}
