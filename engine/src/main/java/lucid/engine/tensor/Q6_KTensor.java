package lucid.engine.tensor;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
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

    @Override
    float dotVector(long offset, float[] x, int xOffset, int n) {
        FloatVector acc = FloatVector.zero(FLOATS);
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            float d = f16At(block + D);
            for (int half = 0; half < 2; half++) {
                long qh = block + QH + 32L * half;
                int base = xOffset + i + 128 * half;
                // One group and one 16-weight sub-block at a time: building all four groups' quants
                // from one load made a loop body that C2 compiled 2-5 times slower.
                for (int g = 0; g < 4; g++) {
                    long ql = block + 64L * half + 32 * (g & 1);
                    int nibbleShift = 4 * (g >> 1);
                    for (int l0 = 0; l0 < 32; l0 += 16) {
                        FloatVector sum = FloatVector.zero(FLOATS);
                        for (int k = l0; k < l0 + 16; k += BYTES.length()) {
                            ByteVector lowBits = VectorSupport.shiftRight(
                                    ByteVector.fromMemorySegment(BYTES, data, ql + k, ByteOrder.LITTLE_ENDIAN), nibbleShift)
                                    .and((byte) 0x0F);
                            ByteVector highBits = VectorSupport.shiftRight(
                                    ByteVector.fromMemorySegment(BYTES, data, qh + k, ByteOrder.LITTLE_ENDIAN), 2 * g)
                                    .and((byte) 3).lanewise(VectorOperators.LSHL, 4);
                            ByteVector q = lowBits.or(highBits).sub((byte) 32);
                            for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                                FloatVector xs = FloatVector.fromArray(FLOATS, x, base + 32 * g + k + part * FLOATS.length());
                                sum = ((FloatVector) q.convertShape(VectorOperators.B2F, FLOATS, part)).fma(xs, sum);
                            }
                        }
                        float scale = d * data.get(JAVA_BYTE, block + SCALES + 8 * half + 2 * g + l0 / 16);
                        acc = sum.fma(FloatVector.broadcast(FLOATS, scale), acc);
                    }
                }
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
