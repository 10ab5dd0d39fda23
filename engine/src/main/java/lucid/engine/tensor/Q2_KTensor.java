package lucid.engine.tensor;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * GGML_TYPE_Q2_K: super-blocks of 256 weights in 84 bytes (2.625 bits per weight), made of 16
 * sub-blocks of 16 weights that each have a 4-bit scale and a 4-bit minimum.
 *
 * <pre>
 * offset  size  field
 *   0      16   scales[16]  byte s: scale of sub-block s in bits 0-3, its minimum in bits 4-7
 *  16      64   qs[64]      2-bit quants, in two halves of 32 bytes: bits 2g, 2g+1 of byte l of
 *                           half h belong to weight 128h + 32g + l (g = 0..3)
 *  80       2   d           f16 scale of the sub-block scales
 *  82       2   dmin        f16 scale of the sub-block minimums
 * </pre>
 *
 * Weight of sub-block s = (d · scale[s]) · q − dmin · min[s], q = 0..3. The products are exact in
 * float, so the subtraction is the only rounding.
 */
public final class Q2_KTensor extends FloatTensor {

    static final int BLOCK_WEIGHTS = 256;
    static final int BLOCK_BYTES = 16 + 64 + 2 + 2;
    private static final int QS = 16;
    private static final int D = 80;
    private static final int DMIN = 82;

    static {
        checkBlockLayout(GgmlType.Q2_K, BLOCK_WEIGHTS, BLOCK_BYTES);
    }

    private static final VectorSpecies<Float> FLOATS = VectorSupport.FLOAT_SPECIES;
    private static final VectorSpecies<Byte> BYTES = VectorSupport.BYTE_SPECIES;
    private static final VectorSpecies<Integer> INTS = VectorSupport.INT_SPECIES;

    Q2_KTensor(MemorySegment data, long size) {
        super(data, size);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q2_K;
    }

    @Override
    public float getFloat(long index) {
        long block = index / BLOCK_WEIGHTS * BLOCK_BYTES;
        int j = (int) (index % BLOCK_WEIGHTS);
        int q = data.get(JAVA_BYTE, block + QS + j / 128 * 32 + j % 32) >> (2 * (j % 128 / 32)) & 3;
        return scale(block, j / 16) * q - min(block, j / 16);
    }

    /** d · scale[sub]: exact. */
    private float scale(long block, int sub) {
        return f16At(block + D) * (data.get(JAVA_BYTE, block + sub) & 0x0F);
    }

    /** dmin · min[sub]: exact. */
    private float min(long block, int sub) {
        return f16At(block + DMIN) * ((data.get(JAVA_BYTE, block + sub) & 0xF0) >>> 4);
    }

    // Per sub-block, sum((a·q − b)·x) = a·Σ(q·x) − b·Σx: two sums, each scaled once.

    // The float kernel (--exact) reads a super-block as decodeVector does: its factors d · sc and
    // -dmin · m once, then per vector of positions one load of the quants gives all four groups, each
    // weight decoded with one FMA (q · a is exact, so it rounds a · q − b once, as the scalar decode)
    // and multiplied by its activation, a group to an accumulator. One group and sub-block at a time,
    // with a byte shift by the group's count, it read 1.3 GB/s in cache on AVX-512 (Q8DotInterleaved).
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
                long qs = block + QS + 32L * half;
                int at = xOffset + i + 128 * half;
                for (int l = 0; l < 32; l += BYTES.length()) {
                    ByteVector packed = ByteVector.fromMemorySegment(BYTES, data, qs + l, ByteOrder.LITTLE_ENDIAN);
                    for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                        IntVector q = (IntVector) packed.convertShape(VectorOperators.B2I, INTS, part);
                        int j = l + part * FLOATS.length();
                        int sub = 8 * half + j / 16;
                        acc0 = ((FloatVector) q.and(3).convert(VectorOperators.I2F, 0))
                                .fma(factors[sub], factors[16 + sub]).fma(FloatVector.fromArray(FLOATS, x, at + j), acc0);
                        acc1 = ((FloatVector) q.lanewise(VectorOperators.LSHR, 2).and(3).convert(VectorOperators.I2F, 0))
                                .fma(factors[sub + 2], factors[18 + sub]).fma(FloatVector.fromArray(FLOATS, x, at + j + 32), acc1);
                        acc2 = ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).and(3).convert(VectorOperators.I2F, 0))
                                .fma(factors[sub + 4], factors[20 + sub]).fma(FloatVector.fromArray(FLOATS, x, at + j + 64), acc2);
                        acc3 = ((FloatVector) q.lanewise(VectorOperators.LSHR, 6).and(3).convert(VectorOperators.I2F, 0))
                                .fma(factors[sub + 6], factors[22 + sub]).fma(FloatVector.fromArray(FLOATS, x, at + j + 96), acc3);
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
            for (int sub = 0; sub < 16; sub++) {
                int half = sub / 8;
                int g = sub % 8 / 2;
                int first = 16 * (sub & 1);
                float qx = 0f;
                float xs = 0f;
                for (int l = first; l < first + 16; l++) {
                    int q = data.get(JAVA_BYTE, block + QS + 32 * half + l) >> (2 * g) & 3;
                    float xv = x[xOffset + i + 128 * half + 32 * g + l];
                    qx += q * xv;
                    xs += xv;
                }
                sum += qx * scale(block, sub) - xs * min(block, sub);
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
        float[] scales = SubBlockProducts.chunkScaleScratch(cols);
        for (int r = rowStart; r < rowEnd; r++) {
            long offset = (long) r * cols;
            float mins = rowScales(offset, cols, a, 0, scales);
            out[outOffset + r - rowStart] = dotQ8Chunks(offset, a, 0, cols, scales) - mins;
        }
    }

    @Override
    public boolean hasQ8Dot() {
        return true;
    }

    @Override
    public int q8Forms() {
        return Q8Activations.EVEN_ODD;
    }

    // Integer path in decode, as llama.cpp multiplies Q2_K by 8-bit activations: the float kernel read
    // 0.5 GB/s in cache on AVX2 (Q8DotInterleaved), a fraction of the integer one (docs/PERFORMANCE.md).
    @Override
    public boolean prefersQ8(int cols) {
        return true;
    }

    // Per sub-block s of 16 weights: (d · sc[s] · dx) · Σ(q · qx) − dmin · m[s] · (dx · Σqx), the first
    // factors and the minimums' term from rowScales, then the products (as Q3_KTensor's, without the
    // third bits).

    @Override
    float dotQ8Vector(long offset, Q8Activations a, int aOffset, int n) {
        float[] scales = SubBlockProducts.chunkScaleScratch(n);
        float mins = rowScales(offset, n, a, aOffset / 16, scales);
        return dotQ8Chunks(offset, a, aOffset, n, scales) - mins;
    }

    /**
     * Writes {@code d · sc · dx} of each of the {@code n / 16} sub-blocks from {@code offset} to
     * {@code scales[sub]} ({@code d · sc} is exact, then one rounding, as in the scalar kernel) and
     * returns {@code Σ dmin · m · (dx · Σqx)}. The activations' scales and sums per 16 start at
     * {@code xs}.
     */
    private float rowScales(long offset, int n, Q8Activations a, int xs, float[] scales) {
        float[] halfD = a.halfD;
        float[] halfSum = a.halfSum;
        FloatVector mins = FloatVector.zero(FLOATS);
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int sub = 0; sub < n / 16; sub += 16, block += BLOCK_BYTES) {
            float d = f16At(block + D);
            FloatVector blockMins = FloatVector.zero(FLOATS);
            // A scale in each byte's low nibble, a minimum in its high one.
            for (int k = 0; k < 16; k += BYTES.length()) {
                ByteVector packed = ByteVector.fromMemorySegment(BYTES, data, block + k, ByteOrder.LITTLE_ENDIAN);
                for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                    int at = sub + k + part * FLOATS.length();
                    IntVector b = (IntVector) packed.convertShape(VectorOperators.B2I, INTS, part);
                    FloatVector dx = FloatVector.fromArray(FLOATS, halfD, xs + at);
                    ((FloatVector) b.and(0x0F).convert(VectorOperators.I2F, 0)).mul(d).mul(dx).intoArray(scales, at);
                    FloatVector m = (FloatVector) b.lanewise(VectorOperators.LSHR, 4).and(0x0F).convert(VectorOperators.I2F, 0);
                    blockMins = m.fma(dx.mul(FloatVector.fromArray(FLOATS, halfSum, xs + at)), blockMins);
                }
            }
            mins = blockMins.fma(FloatVector.broadcast(FLOATS, f16At(block + DMIN)), mins);
        }
        // The lanes in a fixed order: reduceLanes adds them in another order in C2's code than when
        // interpreted, and a row must come out the same from every path (Q8DotParityTest).
        float total = 0f;
        for (int lane = 0; lane < FLOATS.length(); lane++) {
            total += mins.lane(lane);
        }
        return total;
    }

    /**
     * Σ over the sub-blocks of {@code scales[sub] · Σ(q · qx)}, q = 0..3, in two passes over the row
     * (as Q6_KTensor's): groups 0 and 1 of each half, then groups 2 and 3, each a chunk of quants a
     * load, built in byte lanes with constant shifts.
     */
    private float dotQ8Chunks(long offset, Q8Activations a, int aOffset, int n, float[] scales) {
        return (lowGroups(offset, a, aOffset, n, scales) + highGroups(offset, a, aOffset, n, scales))
                * SubBlockProducts.CHUNK_SUM_UNIT;
    }

    private static final int CHUNK = SubBlockProducts.CHUNK;
    private static final int CHUNKS_PER_RUN = SubBlockProducts.CHUNKS_PER_RUN;
    private static final int CHUNK_STEPS_PER_BLOCK = SubBlockProducts.CHUNK_STEPS_PER_BLOCK;
    private static final VectorSpecies<Float> CHUNK_FLOATS = SubBlockProducts.CHUNK_FLOATS;

    // Two methods, not one taking the pair as a parameter: see Q6_KTensor.lowPairs.

    /** Groups 0 and 1 of each half: bits 0-1 and 2-3 of its quant bytes. */
    private float lowGroups(long offset, Q8Activations a, int aOffset, int n, float[] scales) {
        short[] even = a.evenWide;
        short[] odd = a.oddWide;
        FloatVector acc0 = FloatVector.zero(CHUNK_FLOATS);
        FloatVector acc1 = FloatVector.zero(CHUNK_FLOATS);
        long first = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        int xh = aOffset >> 1;
        for (int s = 0; s < n / (4 * CHUNK); s++) {
            int h = s / CHUNKS_PER_RUN & 1;
            int l0 = (s & (CHUNKS_PER_RUN - 1)) * CHUNK;
            long block = first + (long) (s / CHUNK_STEPS_PER_BLOCK) * BLOCK_BYTES;
            ByteVector q = SubBlockProducts.chunk(data, block + QS + 32 * h + l0);
            // Affine in s at 32 positions a chunk, so C2 drops the arrays' bounds checks (see Q6_KTensor).
            int wh = CHUNKS_PER_RUN == 1 ? 64 * s : (s / CHUNKS_PER_RUN) * 64 + l0 / 2;
            int ws = CHUNKS_PER_RUN == 1 ? 8 * s : (s / CHUNKS_PER_RUN) * 8 + l0 / 16;
            acc0 = SubBlockProducts.chunkSum(q.and((byte) 3), even, odd, xh + wh, scales, ws, acc0);
            acc1 = SubBlockProducts.chunkSum(SubBlockProducts.shiftRightInInts(q, 2).and((byte) 3), even, odd,
                    xh + wh + 16, scales, ws + 2, acc1);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    /** Groups 2 and 3 of each half: bits 4-5 and 6-7 of its quant bytes. */
    private float highGroups(long offset, Q8Activations a, int aOffset, int n, float[] scales) {
        short[] even = a.evenWide;
        short[] odd = a.oddWide;
        FloatVector acc0 = FloatVector.zero(CHUNK_FLOATS);
        FloatVector acc1 = FloatVector.zero(CHUNK_FLOATS);
        long first = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        int xh = aOffset >> 1;
        for (int s = 0; s < n / (4 * CHUNK); s++) {
            int h = s / CHUNKS_PER_RUN & 1;
            int l0 = (s & (CHUNKS_PER_RUN - 1)) * CHUNK;
            long block = first + (long) (s / CHUNK_STEPS_PER_BLOCK) * BLOCK_BYTES;
            ByteVector q = SubBlockProducts.chunk(data, block + QS + 32 * h + l0);
            int wh = CHUNKS_PER_RUN == 1 ? 64 * s : (s / CHUNKS_PER_RUN) * 64 + l0 / 2;
            int ws = CHUNKS_PER_RUN == 1 ? 8 * s : (s / CHUNKS_PER_RUN) * 8 + l0 / 16;
            acc0 = SubBlockProducts.chunkSum(SubBlockProducts.shiftRightInInts(q, 4).and((byte) 3), even, odd,
                    xh + wh + 32, scales, ws + 4, acc0);
            acc1 = SubBlockProducts.chunkSum(SubBlockProducts.shiftRightInInts(q, 6).and((byte) 3), even, odd,
                    xh + wh + 48, scales, ws + 6, acc1);
        }
        return acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    }

    @Override
    float dotQ8Scalar(long offset, Q8Activations a, int aOffset, int n) {
        byte[] xq = a.qs;
        float sum = 0f;
        float mins = 0f;
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            float d = f16At(block + D);
            float blockMins = 0f;
            for (int sub = 0; sub < 16; sub++) {
                int half = sub / 8;
                int g = sub % 8 / 2;
                int products = 0;
                int activations = 0;
                for (int l = 16 * (sub & 1); l < 16 * (sub & 1) + 16; l++) {
                    int q = data.get(JAVA_BYTE, block + QS + 32 * half + l) >> (2 * g) & 3;
                    int qx = xq[aOffset + i + 128 * half + 32 * g + l];
                    products += q * qx;
                    activations += qx;
                }
                int b = data.get(JAVA_BYTE, block + sub);
                float dx = a.d[(aOffset + i + 16 * sub) / 32];
                sum += products * (d * (b & 0x0F) * dx);
                blockMins += (b >>> 4 & 0x0F) * (dx * activations);
            }
            mins += f16At(block + DMIN) * blockMins;
        }
        return sum - mins;
    }

    /**
     * The super-block's factors at {@code block}: {@code d · sc} of its 16 sub-blocks in
     * {@code factors[0..16)} and {@code -dmin · m} in {@code factors[16..32)}, exact. Shared by the
     * float kernel and the vector decode; it passes no vector in or out.
     */
    private void decodeFactors(long block, float[] factors) {
        float d = f16At(block + D);
        float negativeDmin = -f16At(block + DMIN);
        for (int k = 0; k < 16; k += BYTES.length()) {
            ByteVector sc = ByteVector.fromMemorySegment(BYTES, data, block + k, ByteOrder.LITTLE_ENDIAN);
            for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                IntVector both = (IntVector) sc.convertShape(VectorOperators.B2I, INTS, part);
                int at = k + part * FLOATS.length();
                ((FloatVector) both.and(0x0F).convert(VectorOperators.I2F, 0)).mul(d).intoArray(factors, at);
                ((FloatVector) both.lanewise(VectorOperators.LSHR, 4).and(0x0F).convert(VectorOperators.I2F, 0))
                        .mul(negativeDmin).intoArray(factors, 16 + at);
            }
        }
    }

    // Batched prompt processing decodes every weight row once per batch. Per half and vector of
    // positions, one load of the quants' bytes gives all four groups with constant shifts; the
    // sixteen a = d · scale and -b = -dmin · min are converted once per super-block, and each weight
    // takes one FMA: a·q is exact, so fma(q, a, -b) rounds a·q - b once, as the scalar decode does. On
    // AVX2 (one thread, rows of 2048) a weight takes 0.16 ns, against 0.70 a sub-block at a time.
    @Override
    void decodeVector(long offset, float[] out, int outOffset, int n) {
        float[] factors = SubBlockProducts.decodeFactorScratch();
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            decodeFactors(block, factors);
            for (int half = 0; half < 2; half++) {
                long qs = block + QS + 32L * half;
                int at = outOffset + i + 128 * half;
                for (int l = 0; l < 32; l += BYTES.length()) {
                    ByteVector packed = ByteVector.fromMemorySegment(BYTES, data, qs + l, ByteOrder.LITTLE_ENDIAN);
                    for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                        IntVector q = (IntVector) packed.convertShape(VectorOperators.B2I, INTS, part);
                        int j = l + part * FLOATS.length();
                        // Sub-block of group g at position j: 8 · half + 2g + j / 16.
                        int sub = 8 * half + j / 16;
                        ((FloatVector) q.and(3).convert(VectorOperators.I2F, 0))
                                .fma(factors[sub], factors[16 + sub]).intoArray(out, at + j);
                        ((FloatVector) q.lanewise(VectorOperators.LSHR, 2).and(3).convert(VectorOperators.I2F, 0))
                                .fma(factors[sub + 2], factors[18 + sub]).intoArray(out, at + j + 32);
                        ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).and(3).convert(VectorOperators.I2F, 0))
                                .fma(factors[sub + 4], factors[20 + sub]).intoArray(out, at + j + 64);
                        ((FloatVector) q.lanewise(VectorOperators.LSHR, 6).and(3).convert(VectorOperators.I2F, 0))
                                .fma(factors[sub + 6], factors[22 + sub]).intoArray(out, at + j + 96);
                    }
                }
            }
        }
    }

    @Override
    void decode(long offset, float[] out, int outOffset, int n) {
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            for (int sub = 0; sub < 16; sub++) {
                float a = scale(block, sub);
                float b = min(block, sub);
                int half = sub / 8;
                int g = sub % 8 / 2;
                int first = 16 * (sub & 1);
                for (int l = first; l < first + 16; l++) {
                    int q = data.get(JAVA_BYTE, block + QS + 32 * half + l) >> (2 * g) & 3;
                    out[outOffset + i + 128 * half + 32 * g + l] = a * q - b;
                }
            }
        }
    }

    /**
     * One super-block of {@code src[from..from + 256)} into {@code out} at byte {@code at}, as ggml's
     * {@code quantize_row_q2_K_ref}: each sub-block's scale and minimum are searched for
     * ({@link QuantMath#makeQkx2Quants} on absolute error, weighted by |x|), both sets are quantized
     * to 4 bits against their largest member, and the weights are rounded again against the scales
     * as stored.
     */
    static void quantizeBlock(float[] src, int from, ByteBuffer out, int at) {
        int[] levels = new int[BLOCK_WEIGHTS];
        float[] scales = new float[16];
        float[] mins = new float[16];
        float[] weights = new float[16];
        float maxScale = 0;
        float maxMin = 0;
        for (int sub = 0; sub < 16; sub++) {
            for (int l = 0; l < 16; l++) {
                weights[l] = Math.abs(src[from + 16 * sub + l]);
            }
            QuantMath.ScaleMin fit = QuantMath.makeQkx2Quants(16, 3, src, from + 16 * sub, weights, levels, 16 * sub,
                    -0.5f, 0.1f, 15, true);
            scales[sub] = fit.scale();
            mins[sub] = fit.min();
            if (fit.scale() > maxScale) {
                maxScale = fit.scale();
            }
            if (fit.min() > maxMin) {
                maxMin = fit.min();
            }
        }
        int[] packed = new int[16];
        short d = 0;
        if (maxScale > 0) {
            float iscale = 15f / maxScale;
            for (int sub = 0; sub < 16; sub++) {
                packed[sub] = QuantMath.nearestInt(iscale * scales[sub]) & 0xFF;
            }
            d = QuantMath.toHalf(maxScale / 15f);
        }
        short dmin = 0;
        if (maxMin > 0) {
            float iscale = 15f / maxMin;
            for (int sub = 0; sub < 16; sub++) {
                packed[sub] = (packed[sub] | QuantMath.nearestInt(iscale * mins[sub]) << 4) & 0xFF;
            }
            dmin = QuantMath.toHalf(maxMin / 15f);
        }
        for (int sub = 0; sub < 16; sub++) {
            out.put(at + sub, (byte) packed[sub]);
        }
        out.putShort(at + D, d).putShort(at + DMIN, dmin);

        for (int sub = 0; sub < 16; sub++) {
            float scale = QuantMath.fromHalf(d) * (packed[sub] & 0x0F);
            if (scale == 0) {
                continue;
            }
            float min = QuantMath.fromHalf(dmin) * (packed[sub] >> 4);
            for (int l = 0; l < 16; l++) {
                int q = QuantMath.nearestInt((src[from + 16 * sub + l] + min) / scale);
                levels[16 * sub + l] = Math.max(0, Math.min(3, q));
            }
        }
        for (int half = 0; half < 2; half++) {
            for (int l = 0; l < 32; l++) {
                int first = 128 * half + l;
                out.put(at + QS + 32 * half + l, (byte) (levels[first] | levels[first + 32] << 2
                        | levels[first + 64] << 4 | levels[first + 96] << 6));
            }
        }
    }
}
