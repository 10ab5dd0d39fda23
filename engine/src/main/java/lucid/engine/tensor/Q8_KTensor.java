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
 * GGML_TYPE_Q8_K: super-blocks of 256 weights in 292 bytes (9.125 bits per weight). ggml uses it
 * for activations and intermediates (llama.cpp rounds activations to it before a K-quant product);
 * model files do not store it, but Lucid reads and writes it like any other type.
 *
 * <pre>
 * offset  size  field
 *   0       4   d           f32 scale (not f16, unlike every other type)
 *   4     256   qs[256]     int8 quants; weight j = qs[j] · d
 * 260      32   bsums[16]   int16 sums of qs in groups of 16, for the integer dot kernels; not
 *                           needed to decode
 * </pre>
 */
public final class Q8_KTensor extends FloatTensor {

    static final int BLOCK_WEIGHTS = 256;
    static final int BLOCK_BYTES = 4 + 256 + 32;
    private static final int QS = 4;
    private static final int BSUMS = 260;

    static {
        checkBlockLayout(GgmlType.Q8_K, BLOCK_WEIGHTS, BLOCK_BYTES);
    }

    private static final VectorSpecies<Float> FLOATS = VectorSupport.FLOAT_SPECIES;
    private static final VectorSpecies<Byte> BYTES = VectorSupport.BYTE_SPECIES;

    Q8_KTensor(MemorySegment data, long size) {
        super(data, size);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_K;
    }

    @Override
    public float getFloat(long index) {
        long block = index / BLOCK_WEIGHTS * BLOCK_BYTES;
        int j = (int) (index % BLOCK_WEIGHTS);
        return data.get(JAVA_BYTE, block + QS + j) * data.get(FLOAT_LE, block);
    }

    @Override
    float dotVector(long offset, float[] x, int xOffset, int n) {
        FloatVector acc = FloatVector.zero(FLOATS);
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            FloatVector blockSum = FloatVector.zero(FLOATS);
            for (int k = 0; k < BLOCK_WEIGHTS; k += BYTES.length()) {
                ByteVector q = ByteVector.fromMemorySegment(BYTES, data, block + QS + k, ByteOrder.LITTLE_ENDIAN);
                for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                    FloatVector w = (FloatVector) q.convertShape(VectorOperators.B2F, FLOATS, part);
                    FloatVector xs = FloatVector.fromArray(FLOATS, x, xOffset + i + k + part * FLOATS.length());
                    blockSum = w.fma(xs, blockSum);
                }
            }
            acc = blockSum.fma(FloatVector.broadcast(FLOATS, data.get(FLOAT_LE, block)), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    float dotScalar(long offset, float[] x, int xOffset, int n) {
        float sum = 0f;
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            float blockSum = 0f;
            for (int j = 0; j < BLOCK_WEIGHTS; j++) {
                blockSum += data.get(JAVA_BYTE, block + QS + j) * x[xOffset + i + j];
            }
            sum += blockSum * data.get(FLOAT_LE, block);
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
            float d = data.get(FLOAT_LE, block);
            for (int j = 0; j < BLOCK_WEIGHTS; j++) {
                out[outOffset + i + j] = data.get(JAVA_BYTE, block + QS + j) * d;
            }
        }
    }

    /**
     * One super-block of {@code src[from..from + 256)} into {@code out} at byte {@code at}, as ggml's
     * {@code quantize_row_q8_K_ref}: the largest magnitude becomes -127 (its sign decides the sign
     * of d), the rest round to nearest, and the group sums are filled in.
     */
    static void quantizeBlock(float[] src, int from, ByteBuffer out, int at) {
        float max = 0;
        float amax = 0;
        for (int j = 0; j < BLOCK_WEIGHTS; j++) {
            float ax = Math.abs(src[from + j]);
            if (ax > amax) {
                amax = ax;
                max = src[from + j];
            }
        }
        float iscale = -127f / max;
        // All zero, or so close to it (below 127 / Float.MAX_VALUE) that 127 / max overflows: d = 0.
        if (amax == 0 || Float.isInfinite(iscale)) {
            for (int b = 0; b < BLOCK_BYTES; b++) {
                out.put(at + b, (byte) 0);
            }
            return;
        }
        for (int group = 0; group < 16; group++) {
            int sum = 0;
            for (int l = 0; l < 16; l++) {
                int j = 16 * group + l;
                int q = Math.min(127, QuantMath.nearestInt(iscale * src[from + j]));
                out.put(at + QS + j, (byte) q);
                sum += q;
            }
            out.putShort(at + BSUMS + 2 * group, (short) sum);
        }
        out.putFloat(at, 1 / iscale);
    }
}
