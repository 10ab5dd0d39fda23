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
 * GGML_TYPE_Q4_0: blocks of 32 weights in 18 bytes (4.5 bits per weight).
 *
 * <pre>
 * offset  size  field
 *  0       2    d       f16 scale
 *  2      16    qs[16]  4-bit quants, two per byte: byte j holds weight j in its low nibble and
 *                       weight j + 16 in its high nibble
 * </pre>
 *
 * Weight = (nibble - 8) * d, so nibbles 0..15 stand for -8..7.
 */
public final class Q4_0Tensor extends FloatTensor {

    static final int BLOCK_WEIGHTS = 32;
    static final int BLOCK_BYTES = 2 + 16;
    private static final int QS = 2;

    static {
        checkBlockLayout(GgmlType.Q4_0, BLOCK_WEIGHTS, BLOCK_BYTES);
    }

    private static final VectorSpecies<Float> FLOATS = VectorSupport.FLOAT_SPECIES;
    private static final VectorSpecies<Byte> BYTES = VectorSupport.BYTE_SPECIES;
    // The integer path reads the 16 bytes of nibbles as shorts: 16 lanes at most (256 bits), else the
    // float width, in one or two steps.
    private static final VectorSpecies<Short> NIBBLE_SHORTS = VectorSupport.PRODUCT_SHORT_SPECIES;
    private static final VectorSpecies<Byte> NIBBLE_BYTES = VectorSupport.PRODUCT_BYTE_SPECIES;

    // The rows in groups for the integer kernel (--repack), or null: decode only reads the mapping.
    // Volatile: a copy made in the background is published here while other threads run products.
    private volatile Q4_0RowGroups rowGroups;

    Q4_0Tensor(MemorySegment data, long size) {
        this(data, size, null);
    }

    private Q4_0Tensor(MemorySegment data, long size, Q4_0RowGroups rowGroups) {
        super(data, size);
        this.rowGroups = rowGroups;
    }

    @Override
    public FloatTensor repacked(int rows, int cols) {
        if (rowGroups != null || Q4_0RowGroups.byteSize(rows, cols) == 0) {
            return this;
        }
        checkShape(rows, cols);
        return new Q4_0Tensor(data, size, Q4_0RowGroups.copy(data, rows, cols, true));
    }

    @Override
    public long attachRepacked(int rows, int cols) {
        if (rowGroups != null || Q4_0RowGroups.byteSize(rows, cols) == 0) {
            return 0;
        }
        checkShape(rows, cols);
        rowGroups = Q4_0RowGroups.copy(data, rows, cols, false);
        return Q4_0RowGroups.byteSize(rows, cols);
    }

    @Override
    public long repackedBytes(int rows, int cols) {
        return Q4_0RowGroups.byteSize(rows, cols);
    }

    @Override
    public int rowAlignment() {
        return rowGroups != null ? Q4_0RowGroups.ROWS : 1;
    }

    @Override
    public int repackedRows(int rows, int cols) {
        return Q4_0RowGroups.byteSize(rows, cols) > 0 ? rows / Q4_0RowGroups.ROWS * Q4_0RowGroups.ROWS : 0;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
    }

    @Override
    public float getFloat(long index) {
        long block = index / BLOCK_WEIGHTS * BLOCK_BYTES;
        int j = (int) (index % BLOCK_WEIGHTS);
        int packed = data.get(JAVA_BYTE, block + QS + j % 16);
        int nibble = j < 16 ? packed & 0x0F : (packed >> 4) & 0x0F;
        return (nibble - 8) * f16At(block);
    }

    @Override
    float dotVector(long offset, float[] x, int xOffset, int n) {
        FloatVector acc = FloatVector.zero(FLOATS);
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            FloatVector blockSum = FloatVector.zero(FLOATS);
            for (int k = 0; k < 16; k += BYTES.length()) {
                ByteVector packed = ByteVector.fromMemorySegment(BYTES, data, block + QS + k, ByteOrder.LITTLE_ENDIAN);
                // Low nibbles are weights k.., high nibbles weights 16 + k..; taking 8 off in the byte
                // lanes leaves -8..7, which B2F widens as signed.
                ByteVector low = packed.and((byte) 0x0F).sub((byte) 8);
                ByteVector high = packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8);
                for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                    int j = xOffset + i + k + part * FLOATS.length();
                    FloatVector wLow = (FloatVector) low.convertShape(VectorOperators.B2F, FLOATS, part);
                    FloatVector wHigh = (FloatVector) high.convertShape(VectorOperators.B2F, FLOATS, part);
                    blockSum = wLow.fma(FloatVector.fromArray(FLOATS, x, j), blockSum);
                    blockSum = wHigh.fma(FloatVector.fromArray(FLOATS, x, j + 16), blockSum);
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
            for (int j = 0; j < 16; j++) {
                int packed = data.get(JAVA_BYTE, block + QS + j);
                blockSum += ((packed & 0x0F) - 8) * x[xOffset + i + j]
                        + (((packed >> 4) & 0x0F) - 8) * x[xOffset + i + j + 16];
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
        int r = rowStart;
        Q4_0RowGroups groups = rowGroups;
        if (groups != null && groups.cols == cols) {
            int rows = Q4_0RowGroups.ROWS;
            int g0 = (rowStart + rows - 1) / rows;
            int g1 = Math.min(rowEnd / rows, groups.groups);
            if (g0 < g1) {
                // The rows before the first whole group, the groups, then what is left after them.
                for (; r < g0 * rows; r++) {
                    out[outOffset + r - rowStart] = dotQ8Vector((long) r * cols, a, 0, cols);
                }
                groups.products(g0, g1, a, out, outOffset + r - rowStart);
                r = g1 * rows;
            }
        }
        rowsQ8InPairs(r, rowEnd, rowStart, cols, a, out, outOffset);
    }

    // Each step's activations and nibble bias are loaded once for both rows.
    @Override
    void dotQ8Pair(long offset, long apart, Q8Activations a, int n, float[] out, int at, int rowsApart) {
        short[] xw = a.wide;
        float[] xd = a.d;
        short[] bias = a.nibbleBias;
        FloatVector first = FloatVector.zero(FLOATS);
        FloatVector second = FloatVector.zero(FLOATS);
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        int xb = 0;
        for (int j = 0; j < n; j += BLOCK_WEIGHTS, block += BLOCK_BYTES, xb++) {
            ShortVector low = ShortVector.fromArray(NIBBLE_SHORTS, xw, j);
            ShortVector high = ShortVector.fromArray(NIBBLE_SHORTS, xw, j + 16);
            ShortVector b = ShortVector.fromArray(NIBBLE_SHORTS, bias, xb * 16);
            ShortVector p = nibbleProducts(block, low, high, b);
            ShortVector q = nibbleProducts(block + apart, low, high, b);
            for (int k = NIBBLE_SHORTS.length(); k < 16; k += NIBBLE_SHORTS.length()) {
                low = ShortVector.fromArray(NIBBLE_SHORTS, xw, j + k);
                high = ShortVector.fromArray(NIBBLE_SHORTS, xw, j + 16 + k);
                b = ShortVector.fromArray(NIBBLE_SHORTS, bias, xb * 16 + k);
                p = p.add(nibbleProducts(block + k, low, high, b));
                q = q.add(nibbleProducts(block + apart + k, low, high, b));
            }
            FloatVector f = (FloatVector) VectorSupport.widenNarrowSum(p).convert(VectorOperators.I2F, 0);
            FloatVector g = (FloatVector) VectorSupport.widenNarrowSum(q).convert(VectorOperators.I2F, 0);
            float dx = xd[xb];
            first = f.fma(FloatVector.broadcast(FLOATS, f16At(block) * dx), first);
            second = g.fma(FloatVector.broadcast(FLOATS, f16At(block + apart) * dx), second);
        }
        out[at] = first.reduceLanes(VectorOperators.ADD) * VectorSupport.NARROW_SUM_UNIT;
        out[at + rowsApart] = second.reduceLanes(VectorOperators.ADD) * VectorSupport.NARROW_SUM_UNIT;
    }

    @Override
    public boolean hasQ8Dot() {
        return true;
    }

    // The mapping's kernel adds the nibble bias; a repacked copy reads the pairs (and its rows outside
    // whole groups the mapping's kernel). The pairs are asked for wherever a copy could be made, not
    // only once one is: a copy published in the background between a product's quantization and its
    // kernel must find them.
    @Override
    public int q8Forms() {
        return Q8Activations.NIBBLE_BIAS | (Q4_0RowGroups.SUPPORTED ? Q8Activations.PAIRS : 0);
    }

    // Integer path in decode: 13 to 21% faster than the float kernel at rows of 576, 2048 and 8192 (JMH Q8DotBenchmark, docs/PERFORMANCE.md).
    @Override
    public boolean prefersQ8(int cols) {
        return true;
    }

    @Override
    float dotQ8Vector(long offset, Q8Activations a, int aOffset, int n) {
        short[] xw = a.wide;
        float[] xd = a.d;
        short[] bias = a.nibbleBias;
        FloatVector acc = FloatVector.zero(FLOATS);
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        int xb = aOffset / BLOCK_WEIGHTS;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES, xb++) {
            int j = aOffset + i;
            // One or two steps of 16 or 8 nibble pairs; two steps' products still fit a short (2 · 5842).
            ShortVector p = nibbleProducts(block, xw, j, bias, xb * 16);
            for (int k = NIBBLE_SHORTS.length(); k < 16; k += NIBBLE_SHORTS.length()) {
                p = p.add(nibbleProducts(block + k, xw, j + k, bias, xb * 16 + k));
            }
            IntVector blockSum = VectorSupport.widenNarrowSum(p);
            FloatVector f = (FloatVector) blockSum.convert(VectorOperators.I2F, 0);
            acc = f.fma(FloatVector.broadcast(FLOATS, f16At(block) * xd[xb]), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD) * VectorSupport.NARROW_SUM_UNIT;
    }

    /**
     * Products of the stored nibbles at {@code block + QS} (weight + 8, so 0..15) with the
     * activations {@code xw[j..]} (low nibbles) and {@code xw[j + 16..]} (high nibbles), two summed,
     * plus the activations' {@code -8 · (x[j] + x[j + 16])}: at most 3810 + 2032 in magnitude, so
     * short lanes cannot overflow. Multiplying the stored nibbles saves taking 8 off each of them.
     */
    private ShortVector nibbleProducts(long block, short[] xw, int j, short[] bias, int biasAt) {
        return nibbleProducts(block, ShortVector.fromArray(NIBBLE_SHORTS, xw, j),
                ShortVector.fromArray(NIBBLE_SHORTS, xw, j + 16), ShortVector.fromArray(NIBBLE_SHORTS, bias, biasAt));
    }

    /** {@link #nibbleProducts(long, short[], int, short[], int)} with the activations and bias loaded. */
    private ShortVector nibbleProducts(long block, ShortVector lowActivations, ShortVector highActivations,
            ShortVector bias) {
        ShortVector packed = (ShortVector) ByteVector.fromMemorySegment(NIBBLE_BYTES, data, block + QS,
                ByteOrder.LITTLE_ENDIAN).convertShape(VectorOperators.ZERO_EXTEND_B2S, NIBBLE_SHORTS, 0);
        return packed.and((short) 0x0F).mul(lowActivations)
                .add(packed.lanewise(VectorOperators.LSHR, 4).mul(highActivations)).add(bias);
    }

    @Override
    float dotQ8Scalar(long offset, Q8Activations a, int aOffset, int n) {
        byte[] xq = a.qs;
        float sum = 0f;
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        int xb = aOffset / BLOCK_WEIGHTS;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES, xb++) {
            int blockSum = 0;
            for (int j = 0; j < 16; j++) {
                int packed = data.get(JAVA_BYTE, block + QS + j);
                blockSum += ((packed & 0x0F) - 8) * xq[aOffset + i + j]
                        + (((packed >> 4) & 0x0F) - 8) * xq[aOffset + i + j + 16];
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
            for (int j = 0; j < 16; j++) {
                int packed = data.get(JAVA_BYTE, block + QS + j);
                out[outOffset + i + j] = ((packed & 0x0F) - 8) * d;
                out[outOffset + i + j + 16] = (((packed >> 4) & 0x0F) - 8) * d;
            }
        }
    }

    @Override
    void decodeVector(long offset, float[] out, int outOffset, int n) {
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            FloatVector d = FloatVector.broadcast(FLOATS, f16At(block));
            for (int k = 0; k < 16; k += BYTES.length()) {
                ByteVector packed = ByteVector.fromMemorySegment(BYTES, data, block + QS + k, ByteOrder.LITTLE_ENDIAN);
                ByteVector low = packed.and((byte) 0x0F).sub((byte) 8);
                ByteVector high = packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8);
                for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                    int at = outOffset + i + k + part * FLOATS.length();
                    ((FloatVector) low.convertShape(VectorOperators.B2F, FLOATS, part)).mul(d).intoArray(out, at);
                    ((FloatVector) high.convertShape(VectorOperators.B2F, FLOATS, part)).mul(d).intoArray(out, at + 16);
                }
            }
        }
    }

    @Override
    public int smallQuantsBound() {
        return 8;
    }

    @Override
    void decodeSmallQuants(long offset, short[] q, int qOffset, float[] scale, float[] offsets, int fOffset, int n) {
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            scale[fOffset + i / BLOCK_WEIGHTS] = f16At(block);
            smallNibbles(data, block + QS, q, qOffset + i);
        }
    }

    /**
     * The 16 bytes at {@code at} (weight j in the low nibble of byte j, weight j + 16 in its high
     * nibble, as Q4_0 and Q4_1 store them) as 32 nibbles less 8 into {@code q[to..to + 32)}: 16 byte
     * lanes widened to 16 short lanes.
     */
    static void smallNibbles(MemorySegment data, long at, short[] q, int to) {
        if (!VectorSupport.ENABLED) {
            for (int j = 0; j < 16; j++) {
                int packed = data.get(JAVA_BYTE, at + j);
                q[to + j] = (short) ((packed & 0x0F) - 8);
                q[to + j + 16] = (short) (((packed >> 4) & 0x0F) - 8);
            }
            return;
        }
        ByteVector packed = ByteVector.fromMemorySegment(SMALL_BYTES, data, at, ByteOrder.LITTLE_ENDIAN);
        ((ShortVector) packed.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2S, SMALL_SHORTS, 0))
                .intoArray(q, to);
        ((ShortVector) packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8)
                .convertShape(VectorOperators.B2S, SMALL_SHORTS, 0)).intoArray(q, to + 16);
    }

    // A block's 16 bytes of nibbles and their widening to 16 shorts (Q4_0, Q4_1, Q5_0, Q5_1).
    static final VectorSpecies<Byte> SMALL_BYTES = ByteVector.SPECIES_128;
    static final VectorSpecies<Short> SMALL_SHORTS = ShortVector.SPECIES_256;

    /**
     * One block of {@code src[from..from + 32)} into {@code out} at byte {@code at}, as ggml's
     * {@code quantize_row_q4_0_ref}: the weight largest in magnitude becomes -8 (d takes its sign),
     * so the unpaired level -8 is always used; the rest round to nearest, 7 at most.
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
        float d = max / -8;
        float id = d != 0 ? 1f / d : 0f;
        out.putShort(at, QuantMath.toHalf(d));
        for (int j = 0; j < 16; j++) {
            // + 8.5 then truncation: round to nearest with the offset of 8 folded in, as ggml does.
            int low = Math.min(15, (int) (src[from + j] * id + 8.5f));
            int high = Math.min(15, (int) (src[from + 16 + j] * id + 8.5f));
            out.put(at + QS + j, (byte) (low | high << 4));
        }
    }
}
