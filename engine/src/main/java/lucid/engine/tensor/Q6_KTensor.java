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
    private static final int SCALES = 192;
    private static final int D = 208;

    static {
        checkBlockLayout(GgmlType.Q6_K, BLOCK_WEIGHTS, BLOCK_BYTES);
    }

    private static final VectorSpecies<Float> FLOATS = VectorSupport.FLOAT_SPECIES;
    private static final VectorSpecies<Byte> BYTES = VectorSupport.BYTE_SPECIES;
    private static final VectorSpecies<Short> SHORTS = SubBlockProducts.SHORTS;
    /** Positions l of a half that one integer step takes: a short vector's lanes (16, or 8 at 128 bits). */
    private static final int STEP = SHORTS.length();
    /** Integer steps per super-block: each takes STEP bytes of ql[], two groups' weights. */
    private static final int STEPS_PER_BLOCK = 128 / STEP;
    // Step t of a super-block reads STEP bytes of ql[] from u = STEP · t, which is 64h + 32g + l0 for
    // half h, group g (with g + 2) and positions l0..: the high bits from QH + 32h + l0, shifted right by
    // 2g, and the activations from the low group's first weight, 128h + 32g + l0. Tables, so that a
    // step's addresses cost a load each instead of a chain of shifts and masks.
    private static final int[] STEP_RUN = new int[STEPS_PER_BLOCK];
    private static final int[] STEP_BITS = new int[STEPS_PER_BLOCK];
    private static final int[] STEP_SHIFT = new int[STEPS_PER_BLOCK];
    private static final int[] STEP_WEIGHT = new int[STEPS_PER_BLOCK];

    static {
        for (int t = 0; t < STEPS_PER_BLOCK; t++) {
            int u = STEP * t;
            int h = u / 64;
            int g = u % 64 / 32;
            int l0 = u % 32;
            STEP_RUN[t] = u;
            STEP_BITS[t] = QH + 32 * h + l0;
            STEP_SHIFT[t] = 2 * g;
            STEP_WEIGHT[t] = 128 * h + 32 * g + l0;
        }
    }

    Q6_KTensor(MemorySegment data, long size) {
        super(data, size);
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

    // One sub-block of 16 weights at a time, its quants built in int lanes: x86 has no byte shifts, and
    // the kernel that shifted bytes (by a variable count) ran at 0.02 to 0.7 GB/s on AVX2 depending on
    // what else the process had run (Q8DotInterleaved).
    @Override
    float dotVector(long offset, float[] x, int xOffset, int n) {
        FloatVector acc = FloatVector.zero(FLOATS);
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            float d = f16At(block + D);
            for (int sub = 0; sub < 16; sub++) {
                // Sub-block s: half s / 8, group (s % 8) / 2, positions from 16 · (s % 2).
                int half = sub >> 3;
                int g = sub >> 1 & 3;
                int l0 = (sub & 1) * 16;
                long ql = block + 64L * half + 32 * (g & 1);
                long qh = block + QH + 32L * half;
                int base = xOffset + i + 128 * half + 32 * g;
                FloatVector sum = FloatVector.zero(FLOATS);
                for (int l = l0; l < l0 + 16; l += FLOATS.length()) {
                    sum = ((FloatVector) quantsMinus32(ql, qh, g, l).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromArray(FLOATS, x, base + l), sum);
                }
                acc = sum.fma(FloatVector.broadcast(FLOATS, d * data.get(JAVA_BYTE, block + SCALES + sub)), acc);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
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
        float[] scales = SubBlockProducts.scaleScratch(cols);
        for (int r = rowStart; r < rowEnd; r++) {
            long offset = (long) r * cols;
            rowScales(offset, cols, a, 0, scales);
            out[outOffset + r - rowStart] = dotQ8Scaled(offset, a, 0, cols, scales);
        }
    }

    @Override
    public boolean hasQ8Dot() {
        return true;
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
    // those sums apart depending on how C2 had compiled the reduction (Q8DotParityTest saw it). As for
    // Q4_K, each row goes twice through its super-blocks: rowScales writes the sub-blocks' factors,
    // then dotQ8Scaled sums the products against them, so that neither pass grows past the node
    // count at which C2 stops inlining the Vector API.

    @Override
    float dotQ8Vector(long offset, Q8Activations a, int aOffset, int n) {
        float[] scales = SubBlockProducts.scaleScratch(n);
        rowScales(offset, n, a, aOffset / 16, scales);
        return dotQ8Scaled(offset, a, aOffset, n, scales);
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

    /**
     * Σ over the sub-blocks of {@code scales[sub] · Σ((q − 32) · qx)}. One step takes {@link #STEP}
     * positions l of a half in two of its groups, g and g + 2, which share a run of packed bytes (low
     * and high nibbles) and take bits 2g and 2g + 4 of the high bits: the run and the high bits are
     * zero-extended to shorts, where x86 has the shifts and masks that bytes lack. A product is at most
     * 32 · 127 = 4064 in magnitude, so a pair of short lanes fits widenNarrowSum.
     */
    private float dotQ8Scaled(long offset, Q8Activations a, int aOffset, int n, float[] scales) {
        short[] xw = a.wide;
        // Two accumulators: groups 0, 1 and groups 2, 3 add up in independent chains.
        FloatVector accLow = FloatVector.zero(FLOATS);
        FloatVector accHigh = FloatVector.zero(FLOATS);
        long first = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        // One loop over the row's steps, not loops over super-blocks, halves and positions: C2 gives
        // short inner loops their own set-up at every turn (see Q4_KTensor.dotQ8Scaled). Two groups a
        // step, not four: four passed the node count at which C2 stops inlining (NodeCountInliningCutoff),
        // and the products were left calls on boxed vectors, at 1.0 GB/s in cache on AVX2.
        for (int step = 0; step < n / (2 * STEP); step++) {
            int t = step & (STEPS_PER_BLOCK - 1);
            int sb = step / STEPS_PER_BLOCK;
            long block = first + (long) sb * BLOCK_BYTES;
            ShortVector run = SubBlockProducts.unsignedShorts(data, block + STEP_RUN[t]);
            ShortVector bits = SubBlockProducts.unsignedShorts(data, block + STEP_BITS[t]).lanewise(VectorOperators.LSHR, (short) STEP_SHIFT[t]);
            ShortVector low = run.and((short) 0x0F).or(bits.lanewise(VectorOperators.LSHL, 4).and((short) 0x30)).sub((short) 32);
            ShortVector high = run.lanewise(VectorOperators.LSHR, 4).or(bits.and((short) 0x30)).sub((short) 32);
            int w = sb * BLOCK_WEIGHTS + STEP_WEIGHT[t];
            int sub = w >>> 4;
            accLow = SubBlockProducts.scaledSum(low, xw, aOffset + w, scales[sub], accLow);
            accHigh = SubBlockProducts.scaledSum(high, xw, aOffset + w + 64, scales[sub + 4], accHigh);
        }
        return accLow.add(accHigh).reduceLanes(VectorOperators.ADD) * VectorSupport.NARROW_SUM_UNIT;
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


    // Batched prompt processing decodes every weight row once per batch: a sub-block at a time, as in
    // dotVector, its quants built in int lanes (x86 has no byte shifts), then (d · sc) · (q − 32), the
    // one rounding of the scalar decode. (All four groups from one load of each run went past the node
    // count at which C2 stops inlining, and left the stores calls on boxed vectors.)
    @Override
    void decodeVector(long offset, float[] out, int outOffset, int n) {
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            float d = f16At(block + D);
            for (int sub = 0; sub < 16; sub++) {
                int half = sub >> 3;
                int g = sub >> 1 & 3;
                int l0 = (sub & 1) * 16;
                long ql = block + 64L * half + 32 * (g & 1);
                long qh = block + QH + 32L * half;
                float scale = d * data.get(JAVA_BYTE, block + SCALES + sub);
                int at = outOffset + i + 128 * half + 32 * g;
                for (int l = l0; l < l0 + 16; l += FLOATS.length()) {
                    ((FloatVector) quantsMinus32(ql, qh, g, l).convert(VectorOperators.I2F, 0)).mul(scale).intoArray(out, at + l);
                }
            }
        }
    }

    /** q − 32 of group {@code g} at positions {@code l..} of the half whose runs start at {@code ql}, {@code qh}. */
    private IntVector quantsMinus32(long ql, long qh, int g, int l) {
        IntVector low = SubBlockProducts.unsignedInts(data, ql, l).lanewise(VectorOperators.LSHR, 4 * (g >> 1)).and(0x0F);
        IntVector high = SubBlockProducts.unsignedInts(data, qh, l).lanewise(VectorOperators.LSHR, 2 * g).and(3).lanewise(VectorOperators.LSHL, 4);
        return low.or(high).sub(32);
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
