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
 * GGML_TYPE_Q8_0: blocks of 32 weights in 34 bytes (8.5 bits per weight).
 *
 * <pre>
 * offset  size  field
 *  0       2    d       f16 scale
 *  2      32    qs[32]  int8 quants; weight j = qs[j] * d
 * </pre>
 */
public final class Q8_0Tensor extends FloatTensor {

    static final int BLOCK_WEIGHTS = 32;
    static final int BLOCK_BYTES = 2 + 32;
    private static final int QS = 2;

    static {
        checkBlockLayout(GgmlType.Q8_0, BLOCK_WEIGHTS, BLOCK_BYTES);
    }

    private static final VectorSpecies<Float> FLOATS = VectorSupport.FLOAT_SPECIES;
    private static final VectorSpecies<Byte> BYTES = VectorSupport.BYTE_SPECIES;
    private static final VectorSpecies<Short> SHORTS = VectorSupport.PRODUCT_SHORT_SPECIES;
    private static final VectorSpecies<Byte> HALF_BYTES = VectorSupport.PRODUCT_BYTE_SPECIES;

    Q8_0Tensor(MemorySegment data, long size) {
        super(data, size);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public float getFloat(long index) {
        long block = index / BLOCK_WEIGHTS * BLOCK_BYTES;
        int j = (int) (index % BLOCK_WEIGHTS);
        return data.get(JAVA_BYTE, block + QS + j) * f16At(block);
    }

    @Override
    float dotVector(long offset, float[] x, int xOffset, int n) {
        FloatVector acc = FloatVector.zero(FLOATS);
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            // Sum q * x over the block first, then scale once by d.
            FloatVector blockSum = FloatVector.zero(FLOATS);
            for (int k = 0; k < BLOCK_WEIGHTS; k += BYTES.length()) {
                ByteVector q = ByteVector.fromMemorySegment(BYTES, data, block + QS + k, ByteOrder.LITTLE_ENDIAN);
                for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                    FloatVector w = (FloatVector) q.convertShape(VectorOperators.B2F, FLOATS, part);
                    FloatVector xs = FloatVector.fromArray(FLOATS, x, xOffset + i + k + part * FLOATS.length());
                    blockSum = w.fma(xs, blockSum);
                }
            }
            acc = blockSum.fma(FloatVector.broadcast(FLOATS, f16At(block)), acc);
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
            sum += blockSum * f16At(block);
        }
        return sum;
    }

    // The row loops again, so that each type's loop calls its own kernel (see FloatTensor.rowsVector).
    @Override
    void rowsVector(int rowStart, int rowEnd, int cols, float[] x, int xOffset, float[] out, int outOffset) {
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r - rowStart] = dotVector((long) r * cols, x, xOffset, cols);
        }
    }

    @Override
    void rowsQ8Vector(int rowStart, int rowEnd, int cols, Q8Activations a, float[] out, int outOffset) {
        rowsQ8InPairs(rowStart, rowEnd, rowStart, cols, a, out, outOffset);
    }

    @Override
    void dotQ8Pair(long offset, long apart, Q8Activations a, int n, float[] out, int at, int rowsApart) {
        short[] xw = a.wide;
        float[] xd = a.d;
        int lanes = SHORTS.length();
        FloatVector first = FloatVector.zero(FLOATS);
        FloatVector second = FloatVector.zero(FLOATS);
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        int xb = 0;
        for (int j = 0; j < n; j += BLOCK_WEIGHTS, block += BLOCK_BYTES, xb++) {
            ShortVector x0 = ShortVector.fromArray(SHORTS, xw, j);
            ShortVector x1 = ShortVector.fromArray(SHORTS, xw, j + lanes);
            IntVector p = VectorSupport.widenSum(productPair(block + QS, x0, x1));
            IntVector q = VectorSupport.widenSum(productPair(block + apart + QS, x0, x1));
            for (int k = 2 * lanes; k < BLOCK_WEIGHTS; k += 2 * lanes) {
                x0 = ShortVector.fromArray(SHORTS, xw, j + k);
                x1 = ShortVector.fromArray(SHORTS, xw, j + k + lanes);
                p = p.add(VectorSupport.widenSum(productPair(block + QS + k, x0, x1)));
                q = q.add(VectorSupport.widenSum(productPair(block + apart + QS + k, x0, x1)));
            }
            float dx = xd[xb];
            first = ((FloatVector) p.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(FLOATS, f16At(block) * dx), first);
            second = ((FloatVector) q.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.broadcast(FLOATS, f16At(block + apart) * dx), second);
        }
        out[at] = first.reduceLanes(VectorOperators.ADD);
        out[at + rowsApart] = second.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public boolean hasQ8Dot() {
        return true;
    }

    // Integer path in decode for rows of 256 and more: 8 to 25% faster than the float kernel there once the
    // two halves of a block share one widening, 0.90 to 1.02 times as fast at rows of 64 and 128
    // (Q8DotInterleaved, docs/PERFORMANCE.md). ggml also multiplies Q8_0 weights with Q8_0 activations.
    static final int MIN_Q8_COLS = 256;

    @Override
    public boolean prefersQ8(int cols) {
        return cols >= MIN_Q8_COLS;
    }

    @Override
    float dotQ8Vector(long offset, Q8Activations a, int aOffset, int n) {
        short[] xw = a.wide;
        float[] xd = a.d;
        FloatVector acc = FloatVector.zero(FLOATS);
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        int xb = aOffset / BLOCK_WEIGHTS;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES, xb++) {
            int j = aOffset + i;
            // One pair of short vectors per block at 256 and 512 bits, two at 128; pairs widen apart
            // (two of them could overflow a short).
            IntVector blockSum = VectorSupport.widenSum(productPair(block + QS, xw, j));
            for (int k = 2 * SHORTS.length(); k < BLOCK_WEIGHTS; k += 2 * SHORTS.length()) {
                blockSum = blockSum.add(VectorSupport.widenSum(productPair(block + QS + k, xw, j + k)));
            }
            FloatVector f = (FloatVector) blockSum.convert(VectorOperators.I2F, 0);
            acc = f.fma(FloatVector.broadcast(FLOATS, f16At(block) * xd[xb]), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Two short vectors of products, weights at byte {@code at} against activations {@code xw[j..]},
     * added lane by lane: int8 times -127..127 is at most 16256 in magnitude, so two of them still
     * fit a short.
     */
    private ShortVector productPair(long at, short[] xw, int j) {
        return productPair(at, ShortVector.fromArray(SHORTS, xw, j), ShortVector.fromArray(SHORTS, xw, j + SHORTS.length()));
    }

    /** {@link #productPair(long, short[], int)} with the two activation vectors loaded. */
    private ShortVector productPair(long at, ShortVector x0, ShortVector x1) {
        int lanes = SHORTS.length();
        ShortVector w0 = (ShortVector) ByteVector.fromMemorySegment(HALF_BYTES, data, at, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2S, SHORTS, 0);
        ShortVector w1 = (ShortVector) ByteVector.fromMemorySegment(HALF_BYTES, data, at + lanes,
                ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.B2S, SHORTS, 0);
        return w0.mul(x0).add(w1.mul(x1));
    }

    @Override
    float dotQ8Scalar(long offset, Q8Activations a, int aOffset, int n) {
        byte[] xq = a.qs;
        float sum = 0f;
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        int xb = aOffset / BLOCK_WEIGHTS;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES, xb++) {
            int blockSum = 0;
            for (int j = 0; j < BLOCK_WEIGHTS; j++) {
                blockSum += data.get(JAVA_BYTE, block + QS + j) * xq[aOffset + i + j];
            }
            sum += blockSum * (f16At(block) * a.d[xb]);
        }
        return sum;
    }

    @Override
    void decode(long offset, float[] out, int outOffset, int n) {
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            float d = f16At(block);
            for (int j = 0; j < BLOCK_WEIGHTS; j++) {
                out[outOffset + i + j] = data.get(JAVA_BYTE, block + QS + j) * d;
            }
        }
    }

    @Override
    void decodeVector(long offset, float[] out, int outOffset, int n) {
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            FloatVector d = FloatVector.broadcast(FLOATS, f16At(block));
            for (int k = 0; k < BLOCK_WEIGHTS; k += BYTES.length()) {
                ByteVector q = ByteVector.fromMemorySegment(BYTES, data, block + QS + k, ByteOrder.LITTLE_ENDIAN);
                for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                    ((FloatVector) q.convertShape(VectorOperators.B2F, FLOATS, part)).mul(d)
                            .intoArray(out, outOffset + i + k + part * FLOATS.length());
                }
            }
        }
    }

    /**
     * One block of {@code src[from..from + 32)} into {@code out} at byte {@code at}, as ggml's
     * {@code quantize_row_q8_0_ref}: d = max|x| / 127, quants rounded half away from zero.
     */
    static void quantizeBlock(float[] src, int from, ByteBuffer out, int at) {
        float amax = 0;
        for (int j = 0; j < BLOCK_WEIGHTS; j++) {
            amax = Math.max(amax, Math.abs(src[from + j]));
        }
        float d = amax / 127;
        float id = d != 0 ? 1f / d : 0f;
        out.putShort(at, QuantMath.toHalf(d));
        for (int j = 0; j < BLOCK_WEIGHTS; j++) {
            out.put(at + QS + j, (byte) QuantMath.roundHalfAway(src[from + j] * id));
        }
    }
}
