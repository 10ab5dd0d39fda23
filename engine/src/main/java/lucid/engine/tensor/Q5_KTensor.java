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
 * GGML_TYPE_Q5_K: super-blocks of 256 weights in 176 bytes (5.5 bits per weight): Q4_K plus a
 * fifth bit per weight.
 *
 * <pre>
 * offset  size  field
 *  0       2    d           f16 scale of the sub-block scales
 *  2       2    dmin        f16 scale of the sub-block minimums
 *  4      12    scales[12]  sc[0..7] and m[0..7], 6 bits each, packed as in {@link PackedScales}
 * 16      32    qh[32]      fifth bits: bit s of byte l belongs to weight 32s + l (sub-block s)
 * 48     128    qs[128]     low 4 bits, in four runs of 32 bytes: byte l of run r holds weight
 *                           64r + l in its low nibble and weight 64r + 32 + l in its high nibble
 * </pre>
 *
 * Weight of sub-block s = (d · sc[s]) · q − dmin · m[s], q = nibble + 16 · fifth bit = 0..31. The
 * products are exact in float, so the subtraction is the only rounding.
 */
public final class Q5_KTensor extends FloatTensor {

    static final int BLOCK_WEIGHTS = 256;
    static final int BLOCK_BYTES = 2 + 2 + 12 + 32 + 128;
    private static final int DMIN = 2;
    private static final int SCALES = 4;
    static final int QH = 16;
    static final int QS = 48;

    static {
        checkBlockLayout(GgmlType.Q5_K, BLOCK_WEIGHTS, BLOCK_BYTES);
    }

    private static final VectorSpecies<Float> FLOATS = VectorSupport.FLOAT_SPECIES;
    private static final VectorSpecies<Byte> BYTES = VectorSupport.BYTE_SPECIES;
    private static final VectorSpecies<Integer> INTS = VectorSupport.INT_SPECIES;
    private static final VectorSpecies<Short> SHORTS = SubBlockProducts.SHORTS;
    private static final VectorSpecies<Byte> HALF_BYTES = VectorSupport.PRODUCT_BYTE_SPECIES;

    // The rows in groups for the integer kernel (repacking), or null: decode only reads the mapping.
    // Volatile: a copy made in the background is published here while other threads run products.
    private volatile Q5_KRowGroups rowGroups;

    Q5_KTensor(MemorySegment data, long size) {
        this(data, size, null);
    }

    private Q5_KTensor(MemorySegment data, long size, Q5_KRowGroups rowGroups) {
        super(data, size);
        this.rowGroups = rowGroups;
    }

    @Override
    public FloatTensor repacked(int rows, int cols) {
        if (rowGroups != null || Q5_KRowGroups.byteSize(rows, cols) == 0) {
            return this;
        }
        checkShape(rows, cols);
        return new Q5_KTensor(data, size, Q5_KRowGroups.copy(data, rows, cols, true));
    }

    @Override
    public long attachRepacked(int rows, int cols) {
        if (rowGroups != null || Q5_KRowGroups.byteSize(rows, cols) == 0) {
            return 0;
        }
        checkShape(rows, cols);
        rowGroups = Q5_KRowGroups.copy(data, rows, cols, false);
        return Q5_KRowGroups.byteSize(rows, cols);
    }

    @Override
    public long repackedBytes(int rows, int cols) {
        return Q5_KRowGroups.byteSize(rows, cols);
    }

    @Override
    public int rowAlignment() {
        return rowGroups != null ? Q5_KRowGroups.ROWS : 1;
    }

    @Override
    public int repackedRows(int rows, int cols) {
        return Q5_KRowGroups.byteSize(rows, cols) > 0 ? rows / Q5_KRowGroups.ROWS * Q5_KRowGroups.ROWS : 0;
    }

    // The pairs wherever a copy could be made, as Q4_0Tensor.q8Forms says.
    @Override
    public int q8Forms() {
        return Q5_KRowGroups.SUPPORTED ? Q8Activations.PAIRS : 0;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    public float getFloat(long index) {
        long block = index / BLOCK_WEIGHTS * BLOCK_BYTES;
        int j = (int) (index % BLOCK_WEIGHTS);
        int sub = j / 32;
        int l = j % 32;
        int packed = data.get(JAVA_BYTE, block + QS + j / 64 * 32 + l);
        int nibble = (sub & 1) == 0 ? packed & 0x0F : (packed >> 4) & 0x0F;
        int fifth = (data.get(JAVA_BYTE, block + QH + l) >> sub) & 1;
        return scale(block, sub) * (nibble | fifth << 4) - min(block, sub);
    }

    /** d · sc[sub]: exact. */
    private float scale(long block, int sub) {
        return f16At(block) * PackedScales.scaleK4(data, block + SCALES, sub);
    }

    /** dmin · m[sub]: exact. */
    private float min(long block, int sub) {
        return f16At(block + DMIN) * PackedScales.minK4(data, block + SCALES, sub);
    }

    // Per sub-block, sum((a·q − b)·x) = a·Σ(q·x) − b·Σx: two sums, each scaled once. As Q4_K's float
    // kernel: Σx per 32 activations once for a range of rows (Q4_KTensor.activationSums), the scales
    // and the minimums' term in a first pass over the row (Q4_KTensor.floatRowScales: the scales are
    // packed alike), then Σ(q·x) per sub-block over the row's runs of 64 weights, the nibbles and the
    // fifth bits split in int lanes (x86 has no byte shifts). Byte lanes with a compare for the fifth
    // bit and the scales unpacked inside the loop read 1.9 GB/s in cache on AVX-512 (Q8DotInterleaved).

    @Override
    float dotVector(long offset, float[] x, int xOffset, int n) {
        float[] sums = Q4_KTensor.sumScratch(n);
        Q4_KTensor.activationSums(x, xOffset, n, sums);
        return dotVectorWithSums(offset, x, xOffset, n, sums);
    }

    /** {@link #dotVector} given {@code sums} from {@link Q4_KTensor#activationSums} of the same activations. */
    private float dotVectorWithSums(long offset, float[] x, int xOffset, int n, float[] sums) {
        int sc = n / 32;
        long first = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        float mins = Q4_KTensor.floatRowScales(data, first, BLOCK_BYTES, n, sums);
        FloatVector accLow = FloatVector.zero(FLOATS);
        FloatVector accHigh = FloatVector.zero(FLOATS);
        for (int run = 0; run < n / 64; run++) {
            long block = first + (long) (run >> 2) * BLOCK_BYTES;
            long at = block + QS + (run & 3) * 32;
            int shift = 2 * (run & 3);
            int j = xOffset + run * 64;
            FloatVector qxLow = FloatVector.zero(FLOATS);
            FloatVector qxHigh = FloatVector.zero(FLOATS);
            for (int step = 0; step < 32; step += FLOATS.length()) {
                // The byte loads holding this step, and the part of them that widens to its ints.
                int load = step / BYTES.length() * BYTES.length();
                int part = (step - load) / FLOATS.length();
                IntVector q = (IntVector) ByteVector.fromMemorySegment(BYTES, data, at + load, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2I, INTS, part);
                // The fifth bits of both sub-blocks of the run at bits 0 and 1.
                IntVector h = ((IntVector) ByteVector.fromMemorySegment(BYTES, data, block + QH + load, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2I, INTS, part)).lanewise(VectorOperators.LSHR, shift);
                qxLow = ((FloatVector) q.and(0x0F).or(h.lanewise(VectorOperators.LSHL, 4).and(0x10))
                        .convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(FLOATS, x, j + step), qxLow);
                qxHigh = ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).and(0x0F).or(h.lanewise(VectorOperators.LSHL, 3).and(0x10))
                        .convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(FLOATS, x, j + 32 + step), qxHigh);
            }
            accLow = qxLow.fma(FloatVector.broadcast(FLOATS, sums[sc + 2 * run]), accLow);
            accHigh = qxHigh.fma(FloatVector.broadcast(FLOATS, sums[sc + 2 * run + 1]), accHigh);
        }
        return accLow.add(accHigh).reduceLanes(VectorOperators.ADD) - mins;
    }

    @Override
    float dotScalar(long offset, float[] x, int xOffset, int n) {
        float sum = 0f;
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            for (int run = 0; run < 4; run++) {
                int subLow = 2 * run;
                float qxLow = 0f;
                float qxHigh = 0f;
                float xLow = 0f;
                float xHigh = 0f;
                for (int l = 0; l < 32; l++) {
                    int packed = data.get(JAVA_BYTE, block + QS + run * 32 + l);
                    int qh = data.get(JAVA_BYTE, block + QH + l);
                    float xl = x[xOffset + i + run * 64 + l];
                    float xh = x[xOffset + i + run * 64 + 32 + l];
                    qxLow += ((packed & 0x0F) | ((qh >> subLow) & 1) << 4) * xl;
                    qxHigh += (((packed >> 4) & 0x0F) | ((qh >> (subLow + 1)) & 1) << 4) * xh;
                    xLow += xl;
                    xHigh += xh;
                }
                sum += qxLow * scale(block, subLow) - xLow * min(block, subLow);
                sum += qxHigh * scale(block, subLow + 1) - xHigh * min(block, subLow + 1);
            }
        }
        return sum;
    }

    // The row loop again, so that this type's loop calls its own kernel (see FloatTensor.rowsVector).
    @Override
    void rowsVector(int rowStart, int rowEnd, int cols, float[] x, int xOffset, float[] out, int outOffset) {
        float[] sums = Q4_KTensor.sumScratch(cols);
        Q4_KTensor.activationSums(x, xOffset, cols, sums);
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r - rowStart] = dotVectorWithSums((long) r * cols, x, xOffset, cols, sums);
        }
    }

    @Override
    void rowsQ8Vector(int rowStart, int rowEnd, int cols, Q8Activations a, float[] out, int outOffset) {
        Q5_KRowGroups groups = rowGroups;
        if (groups != null && groups.cols == cols) {
            int rows = Q5_KRowGroups.ROWS;
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
        float[] scales = Q4_KTensor.sumScratch(cols);
        if (Q8Activations.readsBytes(cols)) {
            for (int r = rowStart; r < rowEnd; r++) {
                long offset = (long) r * cols;
                float mins = Q4_KTensor.rowScales(data, offset / BLOCK_WEIGHTS * BLOCK_BYTES, BLOCK_BYTES, cols, a, 0, scales);
                out[outOffset + r - rowStart] = dotQ8ScaledBytes(offset, a, 0, cols, scales) - mins;
            }
            return;
        }
        for (int r = rowStart; r < rowEnd; r++) {
            long offset = (long) r * cols;
            float mins = Q4_KTensor.rowScales(data, offset / BLOCK_WEIGHTS * BLOCK_BYTES, BLOCK_BYTES, cols, a, 0, scales);
            out[outOffset + r - rowStart] = dotQ8Scaled(offset, a, 0, cols, scales) - mins;
        }
    }

    @Override
    public boolean hasQ8Dot() {
        return true;
    }

    // Integer path in decode, as llama.cpp multiplies Q5_K by 8-bit activations: the float kernel read
    // 1.2 GB/s in cache on AVX2 (Q8DotInterleaved), a quarter of the integer one (docs/PERFORMANCE.md).
    @Override
    public boolean prefersQ8(int cols) {
        return true;
    }

    // Q4_K's integer kernel with the fifth bit: per sub-block s against activation block b,
    // a·Σ(q·qx)·dx − bmin·(dx·Σqx), the scales and the minimums' term from Q4_KTensor.rowScales (the
    // two types share the layout of d, dmin and the packed scales), then the products in a second pass.

    @Override
    float dotQ8Vector(long offset, Q8Activations a, int aOffset, int n) {
        float[] scales = Q4_KTensor.sumScratch(n);
        float mins = Q4_KTensor.rowScales(data, offset / BLOCK_WEIGHTS * BLOCK_BYTES, BLOCK_BYTES, n, a, aOffset / 32, scales);
        return (Q8Activations.readsBytes(n) ? dotQ8ScaledBytes(offset, a, aOffset, n, scales)
                : dotQ8Scaled(offset, a, aOffset, n, scales)) - mins;
    }

    /**
     * Σ over the sub-blocks of {@code scales[sub] · Σ(q·qx)}, as Q4_KTensor's: one loop over the
     * row's runs of 64 weights, the packed bytes and the fifth bits zero-extended to shorts (x86 has
     * no byte shifts). q is 0..31, so a product is at most 3937 in magnitude; a lane sums 32 / lanes of
     * them (2 at 256 and 512 bits, 4 at 128) and a pair of lanes at most 31496, within widenNarrowSum.
     */
    private float dotQ8Scaled(long offset, Q8Activations a, int aOffset, int n, float[] scales) {
        short[] xw = a.wide;
        FloatVector accLow = FloatVector.zero(FLOATS);
        FloatVector accHigh = FloatVector.zero(FLOATS);
        long first = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int run = 0; run < n / 64; run++) {
            int j = aOffset + run * 64;
            long block = first + (long) (run >> 2) * BLOCK_BYTES;
            long q0 = block + QS + (run & 3) * 32;
            // The run's two sub-blocks take bits 2r and 2r + 1 of the fifth bits.
            short shift = (short) (2 * (run & 3));
            ShortVector pl = ShortVector.zero(SHORTS);
            ShortVector ph = ShortVector.zero(SHORTS);
            for (int k = 0; k < 32; k += SHORTS.length()) {
                ShortVector packed = ((ShortVector) ByteVector.fromMemorySegment(HALF_BYTES, data, q0 + k, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0));
                ShortVector fifths = ((ShortVector) ByteVector.fromMemorySegment(HALF_BYTES, data, block + QH + k, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0)).lanewise(VectorOperators.LSHR, shift);
                pl = pl.add(packed.and((short) 0x0F).or(fifths.lanewise(VectorOperators.LSHL, 4).and((short) 0x10))
                        .mul(ShortVector.fromArray(SHORTS, xw, j + k)));
                ph = ph.add(packed.lanewise(VectorOperators.LSHR, 4).or(fifths.lanewise(VectorOperators.LSHL, 3).and((short) 0x10))
                        .mul(ShortVector.fromArray(SHORTS, xw, j + 32 + k)));
            }
            FloatVector sumLow = (FloatVector) VectorSupport.widenNarrowSum(pl).convert(VectorOperators.I2F, 0);
            FloatVector sumHigh = (FloatVector) VectorSupport.widenNarrowSum(ph).convert(VectorOperators.I2F, 0);
            accLow = sumLow.fma(FloatVector.broadcast(FLOATS, scales[2 * run]), accLow);
            accHigh = sumHigh.fma(FloatVector.broadcast(FLOATS, scales[2 * run + 1]), accHigh);
        }
        return accLow.add(accHigh).reduceLanes(VectorOperators.ADD) * VectorSupport.NARROW_SUM_UNIT;
    }
    /** {@link #dotQ8Scaled} reading the activations as bytes, for long rows ({@link Q8Activations#readsBytes}). */
    private float dotQ8ScaledBytes(long offset, Q8Activations a, int aOffset, int n, float[] scales) {
        byte[] xq = a.qs;
        FloatVector accLow = FloatVector.zero(FLOATS);
        FloatVector accHigh = FloatVector.zero(FLOATS);
        long first = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int run = 0; run < n / 64; run++) {
            int j = aOffset + run * 64;
            long block = first + (long) (run >> 2) * BLOCK_BYTES;
            long q0 = block + QS + (run & 3) * 32;
            // The run's two sub-blocks take bits 2r and 2r + 1 of the fifth bits.
            short shift = (short) (2 * (run & 3));
            ShortVector pl = ShortVector.zero(SHORTS);
            ShortVector ph = ShortVector.zero(SHORTS);
            for (int k = 0; k < 32; k += SHORTS.length()) {
                ShortVector packed = ((ShortVector) ByteVector.fromMemorySegment(HALF_BYTES, data, q0 + k, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0));
                ShortVector fifths = ((ShortVector) ByteVector.fromMemorySegment(HALF_BYTES, data, block + QH + k, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0)).lanewise(VectorOperators.LSHR, shift);
                pl = pl.add(packed.and((short) 0x0F).or(fifths.lanewise(VectorOperators.LSHL, 4).and((short) 0x10))
                        .mul((ShortVector) ByteVector.fromArray(HALF_BYTES, xq, j + k)
                        .convertShape(VectorOperators.B2S, SHORTS, 0)));
                ph = ph.add(packed.lanewise(VectorOperators.LSHR, 4).or(fifths.lanewise(VectorOperators.LSHL, 3).and((short) 0x10))
                        .mul((ShortVector) ByteVector.fromArray(HALF_BYTES, xq, j + 32 + k)
                        .convertShape(VectorOperators.B2S, SHORTS, 0)));
            }
            FloatVector sumLow = (FloatVector) VectorSupport.widenNarrowSum(pl).convert(VectorOperators.I2F, 0);
            FloatVector sumHigh = (FloatVector) VectorSupport.widenNarrowSum(ph).convert(VectorOperators.I2F, 0);
            accLow = sumLow.fma(FloatVector.broadcast(FLOATS, scales[2 * run]), accLow);
            accHigh = sumHigh.fma(FloatVector.broadcast(FLOATS, scales[2 * run + 1]), accHigh);
        }
        return accLow.add(accHigh).reduceLanes(VectorOperators.ADD) * VectorSupport.NARROW_SUM_UNIT;
    }

    @Override
    float dotQ8Scalar(long offset, Q8Activations a, int aOffset, int n) {
        byte[] xq = a.qs;
        float sum = 0f;
        float mins = 0f;
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            float d = f16At(block);
            float blockMins = 0f;
            for (int run = 0; run < 4; run++) {
                int j = aOffset + i + run * 64;
                int sub = 2 * run;
                int sumLow = 0;
                int sumHigh = 0;
                for (int l = 0; l < 32; l++) {
                    int packed = data.get(JAVA_BYTE, block + QS + run * 32 + l);
                    int qh = data.get(JAVA_BYTE, block + QH + l);
                    sumLow += ((packed & 0x0F) | ((qh >> sub) & 1) << 4) * xq[j + l];
                    sumHigh += (((packed >> 4) & 0x0F) | ((qh >> (sub + 1)) & 1) << 4) * xq[j + 32 + l];
                }
                int xb = j / 32;
                sum += sumLow * (d * PackedScales.scaleK4(data, block + SCALES, sub) * a.d[xb]);
                sum += sumHigh * (d * PackedScales.scaleK4(data, block + SCALES, sub + 1) * a.d[xb + 1]);
                blockMins += PackedScales.minK4(data, block + SCALES, sub) * a.sum[xb]
                        + PackedScales.minK4(data, block + SCALES, sub + 1) * a.sum[xb + 1];
            }
            mins += f16At(block + DMIN) * blockMins;
        }
        return sum - mins;
    }


    // Batched prompt processing decodes every weight row once per batch. As Q4_K's decode: the
    // super-block's a and -b unpacked once (Q4_KTensor.decodeFactors), both sub-blocks of a run from one
    // load of its nibbles, and one FMA a weight (a·q is exact: a 17-bit a times a 5-bit q, so
    // fma(q, a, -b) rounds a·q - b once, as the scalar decode does). The fifth bits of sub-block s are
    // bit s of the QH bytes, moved to bit 4. On AVX2 (one thread, rows of 2048) a weight takes 0.25 ns
    // instead of 0.49.
    @Override
    void decodeVector(long offset, float[] out, int outOffset, int n) {
        float[] factors = SubBlockProducts.decodeFactorScratch();
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            Q4_KTensor.decodeFactors(data, block, factors);
            for (int run = 0; run < 4; run++) {
                FloatVector aLow = FloatVector.broadcast(FLOATS, factors[2 * run]);
                FloatVector bLow = FloatVector.broadcast(FLOATS, factors[8 + 2 * run]);
                FloatVector aHigh = FloatVector.broadcast(FLOATS, factors[2 * run + 1]);
                FloatVector bHigh = FloatVector.broadcast(FLOATS, factors[9 + 2 * run]);
                int shift = 2 * run;
                int at = outOffset + i + run * 64;
                for (int k = 0; k < 32; k += BYTES.length()) {
                    ByteVector packed = ByteVector.fromMemorySegment(BYTES, data, block + QS + run * 32 + k,
                            ByteOrder.LITTLE_ENDIAN);
                    ByteVector fifth = ByteVector.fromMemorySegment(BYTES, data, block + QH + k, ByteOrder.LITTLE_ENDIAN);
                    for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                        IntVector q = (IntVector) packed.convertShape(VectorOperators.B2I, INTS, part);
                        // The QH bits with bit 0 moved to bit 4: sub-block s's bit is then bit s + 4.
                        IntVector h = ((IntVector) fifth.convertShape(VectorOperators.B2I, INTS, part)).lanewise(VectorOperators.LSHL, 4);
                        int j = at + k + part * FLOATS.length();
                        ((FloatVector) q.and(0x0F).or(h.lanewise(VectorOperators.LSHR, shift).and(0x10))
                                .convert(VectorOperators.I2F, 0)).fma(aLow, bLow).intoArray(out, j);
                        ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).and(0x0F).or(h.lanewise(VectorOperators.LSHR, shift + 1).and(0x10))
                                .convert(VectorOperators.I2F, 0)).fma(aHigh, bHigh).intoArray(out, j + 32);
                    }
                }
            }
        }
    }

    @Override
    public int smallQuantsBound() {
        return 16;
    }

    @Override
    public boolean smallQuantsHaveOffsets() {
        return true;
    }

    // Weight a·q - b with q = 0..31 is a·(q - 16) + (16a - b): the quants less 16 are the small
    // quants, a the factor and 16a - b (16a exact, one rounding) the offset of each sub-block of 32.
    @Override
    void decodeSmallQuants(long offset, short[] q, int qOffset, float[] scale, float[] offsets, int fOffset, int n) {
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            Q4_KTensor.smallFactors(data, block, 16, scale, offsets, fOffset + i / 32);
            for (int run = 0; run < 4; run++) {
                int at = qOffset + i + run * 64;
                for (int k = 0; k < 32; k += SMALL_BYTES.length()) {
                    long from = block + QS + run * 32 + k;
                    if (!VectorSupport.ENABLED) {
                        for (int l = 0; l < SMALL_BYTES.length(); l++) {
                            int packed = data.get(JAVA_BYTE, from + l);
                            int bits = data.get(JAVA_BYTE, block + QH + k + l) >> (2 * run);
                            q[at + k + l] = (short) (((packed & 0x0F) | (bits & 1) << 4) - 16);
                            q[at + 32 + k + l] = (short) ((((packed >> 4) & 0x0F) | (bits & 2) << 3) - 16);
                        }
                        continue;
                    }
                    ByteVector packed = ByteVector.fromMemorySegment(SMALL_BYTES, data, from, ByteOrder.LITTLE_ENDIAN);
                    // The QH bits of these weights: sub-block 2·run's in bit 2·run, the next one's above it.
                    ByteVector bits = ByteVector.fromMemorySegment(SMALL_BYTES, data, block + QH + k, ByteOrder.LITTLE_ENDIAN);
                    ShortVector wide = (ShortVector) bits.convertShape(VectorOperators.B2S, SMALL_SHORTS, 0);
                    ((ShortVector) packed.and((byte) 0x0F).convertShape(VectorOperators.B2S, SMALL_SHORTS, 0))
                            .or(wide.lanewise(VectorOperators.LSHR, 2 * run).and((short) 1).lanewise(VectorOperators.LSHL, 4))
                            .sub((short) 16).intoArray(q, at + k);
                    ((ShortVector) packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).convertShape(VectorOperators.B2S, SMALL_SHORTS, 0))
                            .or(wide.lanewise(VectorOperators.LSHR, 2 * run + 1).and((short) 1).lanewise(VectorOperators.LSHL, 4))
                            .sub((short) 16).intoArray(q, at + 32 + k);
                }
            }
        }
    }

    private static final VectorSpecies<Byte> SMALL_BYTES = Q4_KTensor.SMALL_BYTES;
    private static final VectorSpecies<Short> SMALL_SHORTS = Q4_KTensor.SMALL_SHORTS;

    @Override
    void decode(long offset, float[] out, int outOffset, int n) {
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            for (int run = 0; run < 4; run++) {
                int subLow = 2 * run;
                float aLow = scale(block, subLow);
                float bLow = min(block, subLow);
                float aHigh = scale(block, subLow + 1);
                float bHigh = min(block, subLow + 1);
                int at = outOffset + i + run * 64;
                for (int l = 0; l < 32; l++) {
                    int packed = data.get(JAVA_BYTE, block + QS + run * 32 + l);
                    int qh = data.get(JAVA_BYTE, block + QH + l);
                    out[at + l] = aLow * ((packed & 0x0F) | ((qh >> subLow) & 1) << 4) - bLow;
                    out[at + 32 + l] = aHigh * (((packed >> 4) & 0x0F) | ((qh >> (subLow + 1)) & 1) << 4) - bHigh;
                }
            }
        }
    }

    /**
     * One super-block of {@code src[from..from + 256)} into {@code out} at byte {@code at}, as ggml's
     * {@code quantize_row_q5_K_ref}: Q4_K's procedure with 32 levels and a narrower search.
     */
    static void quantizeBlock(float[] src, int from, ByteBuffer out, int at) {
        int[] levels = new int[BLOCK_WEIGHTS];
        float[] scales = new float[8];
        float[] mins = new float[8];
        float maxScale = 0;
        float maxMin = 0;
        float[] weights = new float[32];
        for (int sub = 0; sub < 8; sub++) {
            int start = from + 32 * sub;
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) {
                sumX2 += src[start + l] * src[start + l];
            }
            float rms = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) {
                weights[l] = rms + Math.abs(src[start + l]);
            }
            QuantMath.ScaleMin fit = QuantMath.makeQkx2Quants(32, 31, src, start, weights, levels, 32 * sub,
                    -0.5f, 0.1f, 15, false);
            scales[sub] = fit.scale();
            mins[sub] = fit.min();
            if (fit.scale() > maxScale) {
                maxScale = fit.scale();
            }
            if (fit.min() > maxMin) {
                maxMin = fit.min();
            }
        }
        int[] sixBitScales = new int[8];
        int[] sixBitMins = new int[8];
        Q4_KTensor.sixBitQuantize(scales, maxScale, sixBitScales);
        Q4_KTensor.sixBitQuantize(mins, maxMin, sixBitMins);
        PackedScales.packK4(sixBitScales, sixBitMins, out, at + SCALES);
        short d = QuantMath.toHalf(maxScale / 63f);
        short dmin = QuantMath.toHalf(maxMin / 63f);
        out.putShort(at, d).putShort(at + DMIN, dmin);

        Q4_KTensor.requantize(src, from, QuantMath.fromHalf(d), QuantMath.fromHalf(dmin), sixBitScales, sixBitMins, 31,
                levels);
        for (int l = 0; l < 32; l++) {
            int fifths = 0;
            for (int sub = 0; sub < 8; sub++) {
                fifths |= (levels[32 * sub + l] >> 4) << sub;
            }
            out.put(at + QH + l, (byte) fifths);
        }
        for (int run = 0; run < 4; run++) {
            for (int l = 0; l < 32; l++) {
                int low = levels[64 * run + l] & 0x0F;
                int high = levels[64 * run + 32 + l] & 0x0F;
                out.put(at + QS + run * 32 + l, (byte) (low | high << 4));
            }
        }
    }
}
