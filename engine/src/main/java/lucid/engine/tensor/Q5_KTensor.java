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
    private static final int QH = 16;
    private static final int QS = 48;

    static {
        checkBlockLayout(GgmlType.Q5_K, BLOCK_WEIGHTS, BLOCK_BYTES);
    }

    private static final VectorSpecies<Float> FLOATS = VectorSupport.FLOAT_SPECIES;
    private static final VectorSpecies<Byte> BYTES = VectorSupport.BYTE_SPECIES;

    Q5_KTensor(MemorySegment data, long size) {
        super(data, size);
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

    // Per sub-block, sum((a·q − b)·x) = a·Σ(q·x) − b·Σx: two sums, each scaled once.

    @Override
    float dotVector(long offset, float[] x, int xOffset, int n) {
        FloatVector acc = FloatVector.zero(FLOATS);
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            float d = f16At(block);
            float dmin = f16At(block + DMIN);
            for (int run = 0; run < 4; run++) {
                int subLow = 2 * run;
                byte lowBit = (byte) (1 << subLow);
                byte highBit = (byte) (2 << subLow);
                FloatVector qxLow = FloatVector.zero(FLOATS);
                FloatVector qxHigh = FloatVector.zero(FLOATS);
                FloatVector xLow = FloatVector.zero(FLOATS);
                FloatVector xHigh = FloatVector.zero(FLOATS);
                for (int k = 0; k < 32; k += BYTES.length()) {
                    ByteVector packed = ByteVector.fromMemorySegment(BYTES, data, block + QS + run * 32 + k,
                            ByteOrder.LITTLE_ENDIAN);
                    ByteVector qh = ByteVector.fromMemorySegment(BYTES, data, block + QH + k, ByteOrder.LITTLE_ENDIAN);
                    // 16 added where the sub-block's fifth bit is set: 0..31. A mask test rather than a
                    // shift by the run's bit, because byte shifts by a variable count are slow.
                    ByteVector low = packed.and((byte) 0x0F)
                            .add((byte) 16, qh.and(lowBit).compare(VectorOperators.NE, (byte) 0));
                    ByteVector high = packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F)
                            .add((byte) 16, qh.and(highBit).compare(VectorOperators.NE, (byte) 0));
                    for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                        int j = xOffset + i + run * 64 + k + part * FLOATS.length();
                        FloatVector xl = FloatVector.fromArray(FLOATS, x, j);
                        FloatVector xh = FloatVector.fromArray(FLOATS, x, j + 32);
                        qxLow = ((FloatVector) low.convertShape(VectorOperators.B2F, FLOATS, part)).fma(xl, qxLow);
                        qxHigh = ((FloatVector) high.convertShape(VectorOperators.B2F, FLOATS, part)).fma(xh, qxHigh);
                        xLow = xLow.add(xl);
                        xHigh = xHigh.add(xh);
                    }
                }
                acc = qxLow.fma(FloatVector.broadcast(FLOATS, d * PackedScales.scaleK4(data, block + SCALES, subLow)), acc);
                acc = xLow.fma(FloatVector.broadcast(FLOATS, -(dmin * PackedScales.minK4(data, block + SCALES, subLow))), acc);
                acc = qxHigh.fma(FloatVector.broadcast(FLOATS, d * PackedScales.scaleK4(data, block + SCALES, subLow + 1)), acc);
                acc = xHigh.fma(FloatVector.broadcast(FLOATS, -(dmin * PackedScales.minK4(data, block + SCALES, subLow + 1))), acc);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
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
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r - rowStart] = dotVector((long) r * cols, x, xOffset, cols);
        }
    }

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
