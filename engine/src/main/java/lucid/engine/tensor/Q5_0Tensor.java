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
 * GGML_TYPE_Q5_0: blocks of 32 weights in 22 bytes (5.5 bits per weight).
 *
 * <pre>
 * offset  size  field
 *  0       2    d       f16 scale
 *  2       4    qh      fifth bits, a little-endian uint32: bit j belongs to weight j (0..31)
 *  6      16    qs[16]  low 4 bits, two per byte: byte j holds weight j in its low nibble and
 *                       weight j + 16 in its high nibble
 * </pre>
 *
 * Weight = ((nibble | fifth bit << 4) - 16) * d, so the 5-bit quants 0..31 stand for -16..15.
 */
public final class Q5_0Tensor extends FloatTensor {

    static final int BLOCK_WEIGHTS = 32;
    static final int BLOCK_BYTES = 2 + 4 + 16;
    private static final int QH = 2;
    private static final int QS = 6;

    static {
        checkBlockLayout(GgmlType.Q5_0, BLOCK_WEIGHTS, BLOCK_BYTES);
    }

    private static final VectorSpecies<Float> FLOATS = VectorSupport.FLOAT_SPECIES;
    private static final VectorSpecies<Integer> INTS = VectorSupport.INT_SPECIES;
    private static final VectorSpecies<Byte> BYTES = VectorSupport.BYTE_SPECIES;
    private static final VectorSpecies<Short> SHORTS = SubBlockProducts.SHORTS;
    /** Lane l holds bit l: picks each lane's fifth bit out of a broadcast of the block's qh. */
    private static final ShortVector LANE_BITS = laneBits();

    private static ShortVector laneBits() {
        short[] bits = new short[SHORTS.length()];
        for (int l = 0; l < bits.length; l++) {
            bits[l] = (short) (1 << l);
        }
        return ShortVector.fromArray(SHORTS, bits, 0);
    }

    Q5_0Tensor(MemorySegment data, long size) {
        super(data, size);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
    }

    @Override
    public float getFloat(long index) {
        long block = index / BLOCK_WEIGHTS * BLOCK_BYTES;
        int j = (int) (index % BLOCK_WEIGHTS);
        int packed = data.get(JAVA_BYTE, block + QS + j % 16);
        int nibble = j < 16 ? packed & 0x0F : (packed >> 4) & 0x0F;
        int fifth = (data.get(INT_LE, block + QH) >>> j) & 1;
        return ((nibble | (fifth << 4)) - 16) * f16At(block);
    }

    @Override
    float dotVector(long offset, float[] x, int xOffset, int n) {
        FloatVector acc = FloatVector.zero(FLOATS);
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            int qh = data.get(INT_LE, block + QH);
            FloatVector blockSum = FloatVector.zero(FLOATS);
            for (int k = 0; k < 16; k += BYTES.length()) {
                ByteVector packed = ByteVector.fromMemorySegment(BYTES, data, block + QS + k, ByteOrder.LITTLE_ENDIAN);
                ByteVector low = packed.and((byte) 0x0F);
                ByteVector high = packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F);
                for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                    int first = k + part * FLOATS.length(); // weight index of lane 0, low half
                    FloatVector wLow = quants(low, part, qh, first);
                    FloatVector wHigh = quants(high, part, qh, first + 16);
                    blockSum = wLow.fma(FloatVector.fromArray(FLOATS, x, xOffset + i + first), blockSum);
                    blockSum = wHigh.fma(FloatVector.fromArray(FLOATS, x, xOffset + i + first + 16), blockSum);
                }
            }
            acc = blockSum.fma(FloatVector.broadcast(FLOATS, f16At(block)), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /**
     * The signed 5-bit quants of weights {@code first..}: nibbles from {@code part} of the byte lanes,
     * widened to ints so that each lane can take its fifth bit from {@code qh} by its own shift.
     */
    private static FloatVector quants(ByteVector nibbles, int part, int qh, int first) {
        IntVector q = (IntVector) nibbles.convertShape(VectorOperators.B2I, INTS, part);
        return (FloatVector) q.or(fifthBits(qh, first)).sub(16).convert(VectorOperators.I2F, 0);
    }

    @Override
    float dotScalar(long offset, float[] x, int xOffset, int n) {
        float sum = 0f;
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            int qh = data.get(INT_LE, block + QH);
            float blockSum = 0f;
            for (int j = 0; j < 16; j++) {
                int packed = data.get(JAVA_BYTE, block + QS + j);
                int low = ((packed & 0x0F) | ((qh >>> j) & 1) << 4) - 16;
                int high = (((packed >> 4) & 0x0F) | ((qh >>> (j + 16)) & 1) << 4) - 16;
                blockSum += low * x[xOffset + i + j] + high * x[xOffset + i + j + 16];
            }
            sum += blockSum * f16At(block);
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
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r - rowStart] = dotQ8Vector((long) r * cols, a, 0, cols);
        }
    }

    @Override
    public boolean hasQ8Dot() {
        return true;
    }

    // Integer path in decode, as llama.cpp multiplies Q5_0 by 8-bit activations (docs/PERFORMANCE.md).
    @Override
    public boolean prefersQ8(int cols) {
        return true;
    }

    // Per block: d · dx · Σ((q − 16) · qx), the sum exact in short and int lanes (a product is at most
    // 2032, a pair of lanes at most 16256 at 128 bits). Signed before the products, as Q6_K's quants.
    @Override
    float dotQ8Vector(long offset, Q8Activations a, int aOffset, int n) {
        short[] xw = a.wide;
        float[] xd = a.d;
        FloatVector acc = FloatVector.zero(FLOATS);
        long first = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        int xb0 = aOffset / BLOCK_WEIGHTS;
        for (int b = 0; b < n / BLOCK_WEIGHTS; b++) {
            long block = first + (long) b * BLOCK_BYTES;
            int j = aOffset + BLOCK_WEIGHTS * b;
            int qh = data.get(INT_LE, block + QH);
            ShortVector p = ShortVector.zero(SHORTS);
            for (int k = 0; k < 16; k += SHORTS.length()) {
                p = p.add(products(block, qh, xw, j, k));
            }
            float d = f16At(block);
            FloatVector sum = (FloatVector) VectorSupport.widenNarrowSum(p).convert(VectorOperators.I2F, 0);
            acc = sum.fma(FloatVector.broadcast(FLOATS, d * xd[xb0 + b]), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD) * VectorSupport.NARROW_SUM_UNIT;
    }

    /**
     * Products of weights {@code k..} (low nibbles) and {@code k + 16..} (high nibbles) of the block,
     * q − 16 (the fifth bit adds 16 where qh has it), with the activations from {@code xw[j]}.
     */
    private ShortVector products(long block, int qh, short[] xw, int j, int k) {
        ShortVector packed = SubBlockProducts.unsignedShorts(data, block + QS + k);
        ShortVector low = packed.and((short) 0x0F).add((short) 16,
                ShortVector.broadcast(SHORTS, (short) (qh >>> k)).and(LANE_BITS).compare(VectorOperators.NE, 0)).sub((short) 16);
        ShortVector high = packed.lanewise(VectorOperators.LSHR, 4).add((short) 16,
                ShortVector.broadcast(SHORTS, (short) (qh >>> (16 + k))).and(LANE_BITS).compare(VectorOperators.NE, 0)).sub((short) 16);
        return low.mul(ShortVector.fromArray(SHORTS, xw, j + k)).add(high.mul(ShortVector.fromArray(SHORTS, xw, j + 16 + k)));
    }

    @Override
    float dotQ8Scalar(long offset, Q8Activations a, int aOffset, int n) {
        byte[] xq = a.qs;
        float sum = 0f;
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            int qh = data.get(INT_LE, block + QH);
            int products = 0;
            for (int j = 0; j < 16; j++) {
                int packed = data.get(JAVA_BYTE, block + QS + j);
                products += ((packed & 0x0F | (qh >>> j & 1) << 4) - 16) * xq[aOffset + i + j];
                products += ((packed >> 4 & 0x0F | (qh >>> (j + 16) & 1) << 4) - 16) * xq[aOffset + i + j + 16];
            }
            sum += products * (f16At(block) * a.d[(aOffset + i) / BLOCK_WEIGHTS]);
        }
        return sum;
    }

    // Batched prompt processing decodes every weight row once per batch. The nibbles are split in int
    // lanes (x86 has no byte shift), each lane takes its fifth bit by its own shift of qh, then
    // (q − 16) · d, the one rounding of the scalar decode. On AVX2 (one thread, rows of 2048) a weight
    // takes 0.20 ns, against 1.2 in the scalar decode.
    @Override
    void decodeVector(long offset, float[] out, int outOffset, int n) {
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            float d = f16At(block);
            int qh = data.get(INT_LE, block + QH);
            for (int k = 0; k < 16; k += BYTES.length()) {
                ByteVector packed = ByteVector.fromMemorySegment(BYTES, data, block + QS + k, ByteOrder.LITTLE_ENDIAN);
                for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                    IntVector q = (IntVector) packed.convertShape(VectorOperators.B2I, INTS, part);
                    int first = k + part * FLOATS.length(); // weight index of lane 0, low half
                    ((FloatVector) q.and(0x0F).or(fifthBits(qh, first)).sub(16).convert(VectorOperators.I2F, 0))
                            .mul(d).intoArray(out, outOffset + i + first);
                    ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).and(0x0F).or(fifthBits(qh, first + 16)).sub(16)
                            .convert(VectorOperators.I2F, 0)).mul(d).intoArray(out, outOffset + i + first + 16);
                }
            }
        }
    }

    @Override
    public int smallQuantsBound() {
        return 16;
    }

    @Override
    void decodeSmallQuants(long offset, short[] q, int qOffset, float[] scale, float[] offsets, int fOffset, int n) {
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            scale[fOffset + i / BLOCK_WEIGHTS] = f16At(block);
            smallFiveBits(data, block + QS, data.get(INT_LE, block + QH), q, qOffset + i);
        }
    }

    private static final VectorSpecies<Byte> SMALL_BYTES = Q4_0Tensor.SMALL_BYTES;
    private static final VectorSpecies<Short> SMALL_SHORTS = Q4_0Tensor.SMALL_SHORTS;
    private static final short[] SMALL_LANES = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

    /**
     * The 16 bytes of nibbles at {@code at} and the fifth bits {@code qh} of a Q5_0 or Q5_1 block (bit
     * j for weight j) as 32 quants less 16 into {@code q[to..to + 32)}, in 16 short lanes.
     */
    static void smallFiveBits(MemorySegment data, long at, int qh, short[] q, int to) {
        if (!VectorSupport.ENABLED) {
            for (int j = 0; j < 16; j++) {
                int packed = data.get(JAVA_BYTE, at + j);
                q[to + j] = (short) (((packed & 0x0F) | ((qh >>> j) & 1) << 4) - 16);
                q[to + j + 16] = (short) ((((packed >> 4) & 0x0F) | ((qh >>> (j + 16)) & 1) << 4) - 16);
            }
            return;
        }
        ByteVector packed = ByteVector.fromMemorySegment(SMALL_BYTES, data, at, ByteOrder.LITTLE_ENDIAN);
        ShortVector lanes = ShortVector.fromArray(SMALL_SHORTS, SMALL_LANES, 0);
        ShortVector low = (ShortVector) packed.and((byte) 0x0F).convertShape(VectorOperators.B2S, SMALL_SHORTS, 0);
        ShortVector high = (ShortVector) packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F)
                .convertShape(VectorOperators.B2S, SMALL_SHORTS, 0);
        low.or(ShortVector.broadcast(SMALL_SHORTS, (short) qh).lanewise(VectorOperators.LSHR, lanes).and((short) 1)
                .lanewise(VectorOperators.LSHL, 4)).sub((short) 16).intoArray(q, to);
        high.or(ShortVector.broadcast(SMALL_SHORTS, (short) (qh >>> 16)).lanewise(VectorOperators.LSHR, lanes).and((short) 1)
                .lanewise(VectorOperators.LSHL, 4)).sub((short) 16).intoArray(q, to + 16);
    }

    /** Bits {@code first..} of {@code qh}, one a lane, each moved to bit 4 (Q5_0 and Q5_1). */
    static IntVector fifthBits(int qh, int first) {
        return IntVector.broadcast(INTS, qh >>> first)
                .lanewise(VectorOperators.LSHR, VectorSupport.LANE_INDEX)
                .and(1)
                .lanewise(VectorOperators.LSHL, 4);
    }

    @Override
    void decode(long offset, float[] out, int outOffset, int n) {
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            float d = f16At(block);
            int qh = data.get(INT_LE, block + QH);
            for (int j = 0; j < 16; j++) {
                int packed = data.get(JAVA_BYTE, block + QS + j);
                out[outOffset + i + j] = (((packed & 0x0F) | ((qh >>> j) & 1) << 4) - 16) * d;
                out[outOffset + i + j + 16] = ((((packed >> 4) & 0x0F) | ((qh >>> (j + 16)) & 1) << 4) - 16) * d;
            }
        }
    }

    /**
     * One block of {@code src[from..from + 32)} into {@code out} at byte {@code at}, as ggml's
     * {@code quantize_row_q5_0_ref}: Q4_0's procedure with 32 levels (the largest magnitude becomes -16).
     */
    static void quantizeBlock(float[] src, int from, ByteBuffer out, int at) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < BLOCK_WEIGHTS; j++) {
            float v = src[from + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -16;
        float id = d != 0 ? 1f / d : 0f;
        out.putShort(at, QuantMath.toHalf(d));
        int qh = 0;
        for (int j = 0; j < 16; j++) {
            int low = Math.min(31, (int) (src[from + j] * id + 16.5f));
            int high = Math.min(31, (int) (src[from + 16 + j] * id + 16.5f));
            out.put(at + QS + j, (byte) ((low & 0x0F) | (high & 0x0F) << 4));
            qh |= (low >> 4) << j | (high >> 4) << (j + 16);
        }
        out.putInt(at + QH, qh);
    }
}
