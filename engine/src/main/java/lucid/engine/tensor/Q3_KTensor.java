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
 * GGML_TYPE_Q3_K: super-blocks of 256 weights in 110 bytes (3.4375 bits per weight), made of 16
 * sub-blocks of 16 weights that each have a signed 6-bit scale.
 *
 * <pre>
 * offset  size  field
 *   0      32   hmask[32]   third bits: bit b of byte l belongs to weight 32b + l
 *  32      64   qs[64]      low 2 bits, in two halves of 32 bytes: bits 2g, 2g+1 of byte l of half
 *                           h belong to weight 128h + 32g + l (g = 0..3)
 *  96      12   scales[12]  sixteen 6-bit scales with a bias of 32, packed as in {@link PackedScales}
 * 108       2   d           f16 scale of the scales
 * </pre>
 *
 * Weight of sub-block s = (d · (scale[s] − 32)) · (q − 4), where q = low 2 bits + 4 · third bit, so
 * q − 4 is -4..3 (a clear third bit means "minus 4"). The products are exact in float.
 */
public final class Q3_KTensor extends FloatTensor {

    static final int BLOCK_WEIGHTS = 256;
    static final int BLOCK_BYTES = 32 + 64 + 12 + 2;
    private static final int QS = 32;
    private static final int SCALES = 96;
    private static final int D = 108;

    static {
        checkBlockLayout(GgmlType.Q3_K, BLOCK_WEIGHTS, BLOCK_BYTES);
    }

    private static final VectorSpecies<Float> FLOATS = VectorSupport.FLOAT_SPECIES;
    private static final VectorSpecies<Byte> BYTES = VectorSupport.BYTE_SPECIES;
    private static final VectorSpecies<Integer> INTS = VectorSupport.INT_SPECIES;

    Q3_KTensor(MemorySegment data, long size) {
        super(data, size);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q3_K;
    }

    @Override
    public float getFloat(long index) {
        long block = index / BLOCK_WEIGHTS * BLOCK_BYTES;
        int j = (int) (index % BLOCK_WEIGHTS);
        int l = j % 32;
        int lowBits = data.get(JAVA_BYTE, block + QS + j / 128 * 32 + l) >> (2 * (j % 128 / 32)) & 3;
        int third = data.get(JAVA_BYTE, block + l) >> (j / 32) & 1;
        return scale(block, j / 16) * ((lowBits | third << 2) - 4);
    }

    /** d · (scale[sub] − 32): exact. */
    private float scale(long block, int sub) {
        return f16At(block + D) * PackedScales.scaleQ3(data, block + SCALES, sub);
    }

    // The float kernel (--exact) reads a super-block as decodeVector does, one load each of the low
    // bits and the third bits giving all four groups with constant shifts, and multiplies each decoded
    // weight by its activation, a group to an accumulator. One group and sub-block at a time, with a
    // byte shift by the group's count and a compare for the third bit, it read 0.9 GB/s in cache on
    // AVX-512 (Q8DotInterleaved, rows of 2048).
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
                int third = 4 * half;
                int at = xOffset + i + 128 * half;
                for (int l = 0; l < 32; l += BYTES.length()) {
                    ByteVector packed = ByteVector.fromMemorySegment(BYTES, data, qs + l, ByteOrder.LITTLE_ENDIAN);
                    ByteVector mask = ByteVector.fromMemorySegment(BYTES, data, block + l, ByteOrder.LITTLE_ENDIAN);
                    for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                        IntVector q = (IntVector) packed.convertShape(VectorOperators.B2I, INTS, part);
                        IntVector h = ((IntVector) mask.convertShape(VectorOperators.B2I, INTS, part))
                                .lanewise(VectorOperators.LSHR, third).lanewise(VectorOperators.LSHL, 2);
                        int j = l + part * FLOATS.length();
                        int sub = 8 * half + j / 16;
                        IntVector q0 = q.and(3).or(h.and(4));
                        IntVector q1 = q.lanewise(VectorOperators.LSHR, 2).and(3).or(h.lanewise(VectorOperators.LSHR, 1).and(4));
                        IntVector q2 = q.lanewise(VectorOperators.LSHR, 4).and(3).or(h.lanewise(VectorOperators.LSHR, 2).and(4));
                        IntVector q3 = q.lanewise(VectorOperators.LSHR, 6).and(3).or(h.lanewise(VectorOperators.LSHR, 3).and(4));
                        acc0 = ((FloatVector) q0.sub(4).convert(VectorOperators.I2F, 0)).mul(factors[sub])
                                .fma(FloatVector.fromArray(FLOATS, x, at + j), acc0);
                        acc1 = ((FloatVector) q1.sub(4).convert(VectorOperators.I2F, 0)).mul(factors[sub + 2])
                                .fma(FloatVector.fromArray(FLOATS, x, at + j + 32), acc1);
                        acc2 = ((FloatVector) q2.sub(4).convert(VectorOperators.I2F, 0)).mul(factors[sub + 4])
                                .fma(FloatVector.fromArray(FLOATS, x, at + j + 64), acc2);
                        acc3 = ((FloatVector) q3.sub(4).convert(VectorOperators.I2F, 0)).mul(factors[sub + 6])
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
                long qs = block + QS + 32L * half;
                int base = xOffset + i + 128 * half;
                for (int l0 = 0; l0 < 32; l0 += 16) {
                    float sum0 = 0f;
                    float sum1 = 0f;
                    float sum2 = 0f;
                    float sum3 = 0f;
                    for (int l = l0; l < l0 + 16; l++) {
                        int low = data.get(JAVA_BYTE, qs + l);
                        int third = (data.get(JAVA_BYTE, block + l) >> (4 * half)) << 2;
                        sum0 += ((low & 3 | third & 4) - 4) * x[base + l];
                        sum1 += ((low >> 2 & 3 | third >> 1 & 4) - 4) * x[base + l + 32];
                        sum2 += ((low >> 4 & 3 | third >> 2 & 4) - 4) * x[base + l + 64];
                        sum3 += ((low >> 6 & 3 | third >> 3 & 4) - 4) * x[base + l + 96];
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
        return Q8Activations.EVEN_ODD;
    }

    // Integer path in decode, as llama.cpp multiplies Q3_K by 8-bit activations: the float kernel read
    // 0.4 GB/s in cache on AVX2 (Q8DotInterleaved), a tenth of the integer one (docs/PERFORMANCE.md).
    @Override
    public boolean prefersQ8(int cols) {
        return true;
    }

    // As Q6_KTensor's: per sub-block s of 16 weights, (d · sc[s] · dx) · Σ((q − 4) · qx), the scales
    // first (rowScales), then the products of the signed quants.

    @Override
    float dotQ8Vector(long offset, Q8Activations a, int aOffset, int n) {
        float[] scales = SubBlockProducts.chunkScaleScratch(n);
        rowScales(offset, n, a, aOffset / 16, scales);
        return dotQ8Chunks(offset, a, aOffset, n, scales);
    }

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
            eightScales(biasedScales(block, 0), d, halfD, xs + sub, scales, sub);
            eightScales(biasedScales(block, 1), d, halfD, xs + sub + 8, scales, sub + 8);
        }
    }

    /**
     * The biased scales (0..63) of sub-blocks {@code 8 · which .. 8 · which + 7} of the super-block at
     * {@code block}, as the bytes of a long: their low nibbles from the first eight packed bytes (low
     * nibbles for the first eight sub-blocks, high for the rest), their high 2 bits from the last four
     * (PackedScales.scaleQ3).
     */
    private long biasedScales(long block, int which) {
        long nibbles = data.get(FloatTensor.LONG_LE, block + SCALES) >>> (4 * which);
        long highs = (data.get(FloatTensor.INT_LE, block + SCALES + 8) & 0xFFFFFFFFL) >>> (4 * which);
        return nibbles & 0x0F0F0F0F0F0F0F0FL | ((highs & 0x03030303L) | (highs >>> 2 & 0x03030303L) << 32) << 4;
    }

    /**
     * {@code scales[at + j] = d · (byte j of biased − 32) · halfD[from + j]} for j = 0..7. Scalar: in eight vector lanes it was 14% faster
     * in cache, but once C2 inlined it with the products into the row loop, the products passed the
     * node count at which C2 stops inlining and the kernel ran at a quarter of its speed. With the
     * products in passes of their own it still happens: lanes that each shift their own byte out of the
     * two longs ({@code vpsrlvd}) made this pass three times faster in cache, but in a whole-model bench
     * C2 inlined a pass into the row loop with them and decode fell to 2.8 tok/s. A long reinterpreted
     * as eight byte lanes ran at a third of this loop's speed.
     */
    private static void eightScales(long biased, float d, float[] halfD, int from, float[] scales, int at) {
        for (int j = 0; j < 8; j++) {
            scales[at + j] = d * ((int) (biased >>> (8 * j) & 0xFF) - 32) * halfD[from + j];
        }
    }

    /**
     * Σ over the sub-blocks of {@code scales[sub] · Σ((q − 4) · qx)}, in four passes over the row, one
     * per group of each half. Two groups a pass, as Q2_KTensor does, passed the node count at which C2
     * stops inlining (NodeCountInliningCutoff): Q3_K's quants take more steps to build.
     */
    private float dotQ8Chunks(long offset, Q8Activations a, int aOffset, int n, float[] scales) {
        float sum = 0f;
        for (int g = 0; g < 4; g++) {
            sum += group(offset, a, aOffset, n, scales, g);
        }
        return sum * SubBlockProducts.CHUNK_SUM_UNIT;
    }

    private static final int CHUNK = SubBlockProducts.CHUNK;
    private static final int CHUNKS_PER_RUN = SubBlockProducts.CHUNKS_PER_RUN;
    private static final int CHUNK_STEPS_PER_BLOCK = SubBlockProducts.CHUNK_STEPS_PER_BLOCK;
    private static final VectorSpecies<Float> CHUNK_FLOATS = SubBlockProducts.CHUNK_FLOATS;

    /**
     * Group {@code g} of each half: its low bits are bits 2g, 2g + 1 of the half's bytes of qs[], its
     * third bits bit 4h + g of hmask[l] (weight 128h + 32g + l). The low bits' shift count is the
     * same through the pass; only the third bits' (4h + g) changes from step to step. Shifts are of
     * int lanes: what crosses in from a neighbouring byte is masked off.
     */
    private float group(long offset, Q8Activations a, int aOffset, int n, float[] scales, int g) {
        short[] even = a.evenWide;
        short[] odd = a.oddWide;
        FloatVector acc = FloatVector.zero(CHUNK_FLOATS);
        long first = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        int xh = (aOffset >> 1) + 16 * g;
        for (int s = 0; s < n / (4 * CHUNK); s++) {
            int h = s / CHUNKS_PER_RUN & 1;
            int l0 = (s & (CHUNKS_PER_RUN - 1)) * CHUNK;
            long block = first + (long) (s / CHUNK_STEPS_PER_BLOCK) * BLOCK_BYTES;
            ByteVector low = SubBlockProducts.shiftRightInInts(SubBlockProducts.chunk(data, block + QS + 32 * h + l0), 2 * g)
                    .and((byte) 3);
            ByteVector third = SubBlockProducts.shiftRightInInts(SubBlockProducts.chunk(data, block + l0), 4 * h + g)
                    .and((byte) 1);
            ByteVector q = low.or(SubBlockProducts.shiftLeftInInts(third, 2)).sub((byte) 4);
            // Affine in s at 32 positions a chunk, so C2 drops the arrays' bounds checks (see Q6_KTensor).
            int wh = CHUNKS_PER_RUN == 1 ? 64 * s : (s / CHUNKS_PER_RUN) * 64 + l0 / 2;
            int ws = CHUNKS_PER_RUN == 1 ? 8 * s : (s / CHUNKS_PER_RUN) * 8 + l0 / 16;
            acc = SubBlockProducts.chunkSum(q, even, odd, xh + wh, scales, ws + 2 * g, acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    float dotQ8Scalar(long offset, Q8Activations a, int aOffset, int n) {
        byte[] xq = a.qs;
        float sum = 0f;
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            float d = f16At(block + D);
            for (int sub = 0; sub < 16; sub++) {
                int half = sub / 8;
                int g = sub % 8 / 2;
                int products = 0;
                for (int l = 16 * (sub & 1); l < 16 * (sub & 1) + 16; l++) {
                    int low = data.get(JAVA_BYTE, block + QS + 32 * half + l);
                    int hmask = data.get(JAVA_BYTE, block + l);
                    int q = (low >> (2 * g) & 3 | (hmask >> (4 * half + g) & 1) << 2) - 4;
                    products += q * xq[aOffset + i + 128 * half + 32 * g + l];
                }
                sum += products * (d * PackedScales.scaleQ3(data, block + SCALES, sub) * a.d[(aOffset + i + 16 * sub) / 32]);
            }
        }
        return sum;
    }


    // Batched prompt processing decodes every weight row once per batch. Per half and vector of
    // positions, one load of the low bits and one of the third bits give all four groups with constant
    // shifts (the half's shift of the third bits, 4 · half, once per vector); the sixteen
    // d · (scale - 32) are converted once per super-block, and each weight is then that times q − 4,
    // the one rounding of the scalar decode. On AVX2 (one thread, rows of 2048) a weight takes 0.20
    // ns, against 0.89 a sub-block at a time.
    @Override
    void decodeVector(long offset, float[] out, int outOffset, int n) {
        float[] factors = SubBlockProducts.decodeFactorScratch();
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            decodeFactors(block, factors);
            for (int half = 0; half < 2; half++) {
                long qs = block + QS + 32L * half;
                int third = 4 * half;
                int at = outOffset + i + 128 * half;
                for (int l = 0; l < 32; l += BYTES.length()) {
                    ByteVector packed = ByteVector.fromMemorySegment(BYTES, data, qs + l, ByteOrder.LITTLE_ENDIAN);
                    ByteVector mask = ByteVector.fromMemorySegment(BYTES, data, block + l, ByteOrder.LITTLE_ENDIAN);
                    for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                        IntVector q = (IntVector) packed.convertShape(VectorOperators.B2I, INTS, part);
                        // Group g's third bit moved to bit 2 + g: bit 2 is then worth 4.
                        IntVector h = ((IntVector) mask.convertShape(VectorOperators.B2I, INTS, part))
                                .lanewise(VectorOperators.LSHR, third).lanewise(VectorOperators.LSHL, 2);
                        int j = l + part * FLOATS.length();
                        int sub = 8 * half + j / 16;
                        IntVector q0 = q.and(3).or(h.and(4));
                        IntVector q1 = q.lanewise(VectorOperators.LSHR, 2).and(3).or(h.lanewise(VectorOperators.LSHR, 1).and(4));
                        IntVector q2 = q.lanewise(VectorOperators.LSHR, 4).and(3).or(h.lanewise(VectorOperators.LSHR, 2).and(4));
                        IntVector q3 = q.lanewise(VectorOperators.LSHR, 6).and(3).or(h.lanewise(VectorOperators.LSHR, 3).and(4));
                        ((FloatVector) q0.sub(4).convert(VectorOperators.I2F, 0)).mul(factors[sub]).intoArray(out, at + j);
                        ((FloatVector) q1.sub(4).convert(VectorOperators.I2F, 0)).mul(factors[sub + 2]).intoArray(out, at + j + 32);
                        ((FloatVector) q2.sub(4).convert(VectorOperators.I2F, 0)).mul(factors[sub + 4]).intoArray(out, at + j + 64);
                        ((FloatVector) q3.sub(4).convert(VectorOperators.I2F, 0)).mul(factors[sub + 6]).intoArray(out, at + j + 96);
                    }
                }
            }
        }
    }

    /**
     * {@code factors[s] = d · (scale[s] − 32)} for the sixteen sub-blocks of the super-block at
     * {@code block}. A method of its own that passes no vectors: inlined into decodeVector, the node
     * count reached C2's inlining limit and the vectors of the conversion were left boxed in objects.
     */
    private void decodeFactors(long block, float[] factors) {
        float d = f16At(block + D);
        Q4_KTensor.storeEight(biasedScales(block, 0), -32, d, factors, 0);
        Q4_KTensor.storeEight(biasedScales(block, 1), -32, d, factors, 8);
    }

    @Override
    void decode(long offset, float[] out, int outOffset, int n) {
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            for (int sub = 0; sub < 16; sub++) {
                float scale = scale(block, sub);
                int half = sub / 8;
                int g = sub % 8 / 2;
                for (int l = 16 * (sub & 1); l < 16 * (sub & 1) + 16; l++) {
                    int low = data.get(JAVA_BYTE, block + QS + 32 * half + l);
                    int hmask = data.get(JAVA_BYTE, block + l);
                    int q = (low >> (2 * g) & 3 | (hmask >> (4 * half + g) & 1) << 2) - 4;
                    out[outOffset + i + 128 * half + 32 * g + l] = scale * q;
                }
            }
        }
    }

    /**
     * One super-block of {@code src[from..from + 256)} into {@code out} at byte {@code at}, as ggml's
     * {@code quantize_row_q3_K_ref}: each sub-block's scale is searched for
     * ({@link QuantMath#makeQ3Quants}, 8 levels), the scales are quantized to 6 bits against the
     * largest in magnitude (which becomes -32), and the weights are rounded again against the
     * scales as stored.
     */
    static void quantizeBlock(float[] src, int from, ByteBuffer out, int at) {
        int[] levels = new int[BLOCK_WEIGHTS];
        float[] scales = new float[16];
        float maxScale = 0;
        float amax = 0;
        for (int sub = 0; sub < 16; sub++) {
            scales[sub] = QuantMath.makeQ3Quants(16, 4, src, from + 16 * sub, levels, 16 * sub);
            if (Math.abs(scales[sub]) > amax) {
                amax = Math.abs(scales[sub]);
                maxScale = scales[sub];
            }
        }
        int[] biased = new int[16];
        short d;
        if (maxScale != 0) {
            float iscale = -32f / maxScale;
            for (int sub = 0; sub < 16; sub++) {
                int l = (byte) QuantMath.nearestInt(iscale * scales[sub]);
                biased[sub] = Math.max(-32, Math.min(31, l)) + 32;
            }
            d = QuantMath.toHalf(1 / iscale);
        } else {
            d = 0;
        }
        PackedScales.packQ3(biased, out, at + SCALES);
        out.putShort(at + D, d);

        for (int sub = 0; sub < 16; sub++) {
            float scale = QuantMath.fromHalf(d) * (biased[sub] - 32);
            if (scale == 0) {
                continue;
            }
            for (int l = 0; l < 16; l++) {
                int q = QuantMath.nearestInt(src[from + 16 * sub + l] / scale);
                levels[16 * sub + l] = Math.max(-4, Math.min(3, q)) + 4;
            }
        }
        // Third bits go out as bit j / 32 of hmask[j % 32]; the low two bits stay in levels.
        for (int l = 0; l < 32; l++) {
            out.put(at + l, (byte) 0);
        }
        for (int j = 0; j < BLOCK_WEIGHTS; j++) {
            if (levels[j] > 3) {
                int mask = j % 32;
                out.put(at + mask, (byte) (out.get(at + mask) | 1 << (j / 32)));
                levels[j] -= 4;
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
