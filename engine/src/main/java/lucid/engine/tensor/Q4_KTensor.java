package lucid.engine.tensor;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * GGML_TYPE_Q4_K: super-blocks of 256 weights in 144 bytes (4.5 bits per weight), made of 8
 * sub-blocks of 32 weights that each have a 6-bit scale and a 6-bit minimum.
 *
 * <pre>
 * offset  size  field
 *  0       2    d           f16 scale of the sub-block scales
 *  2       2    dmin        f16 scale of the sub-block minimums
 *  4      12    scales[12]  sc[0..7] and m[0..7], 6 bits each, packed as in {@link PackedScales}
 * 16     128    qs[128]     4-bit quants in four runs of 32 bytes: byte l of run r holds weight
 *                           64r + l (sub-block 2r) in its low nibble and weight 64r + 32 + l
 *                           (sub-block 2r + 1) in its high nibble
 * </pre>
 *
 * Weight of sub-block s = (d · sc[s]) · q − dmin · m[s], q = 0..15. Every product is exact in float
 * (an f16 times 6 bits times 4 bits), so the one subtraction is the only rounding, whatever path
 * computes it.
 */
public final class Q4_KTensor extends FloatTensor {

    static final int BLOCK_WEIGHTS = 256;
    static final int BLOCK_BYTES = 2 + 2 + 12 + 128;
    private static final int DMIN = 2;
    private static final int SCALES = 4;
    private static final int QS = 16;

    static {
        checkBlockLayout(GgmlType.Q4_K, BLOCK_WEIGHTS, BLOCK_BYTES);
    }

    private static final VectorSpecies<Float> FLOATS = VectorSupport.FLOAT_SPECIES;
    private static final VectorSpecies<Byte> BYTES = VectorSupport.BYTE_SPECIES;
    private static final VectorSpecies<Integer> INTS = VectorSupport.INT_SPECIES;
    private static final VectorSpecies<Short> SHORTS = VectorSupport.PRODUCT_SHORT_SPECIES;
    private static final VectorSpecies<Byte> HALF_BYTES = VectorSupport.PRODUCT_BYTE_SPECIES;

    // A super-block's eight scales or minimums, in one vector where vectors hold at least eight floats;
    // as a scalar loop the eight int-to-float conversions and the chain of additions took about 16% of
    // the row kernel (Q8DotInterleaved). See storeEight.
    static final boolean EIGHT_LANES = FLOATS.vectorBitSize() >= 256;

    /** The first eight lanes of {@link #FLOATS} (all of them at 256 bits): see {@link #storeEight}. */
    private static final VectorMask<Float> FIRST_EIGHT = FLOATS.indexInRange(0, 8);

    // The rows in groups for the integer kernel (--repack), or null: decode only reads the mapping.
    // Volatile: a copy made in the background is published here while other threads run products.
    private volatile Q4_KRowGroups rowGroups;

    Q4_KTensor(MemorySegment data, long size) {
        this(data, size, null);
    }

    private Q4_KTensor(MemorySegment data, long size, Q4_KRowGroups rowGroups) {
        super(data, size);
        this.rowGroups = rowGroups;
    }

    @Override
    public FloatTensor repacked(int rows, int cols) {
        if (rowGroups != null || Q4_KRowGroups.byteSize(rows, cols) == 0) {
            return this;
        }
        checkShape(rows, cols);
        return new Q4_KTensor(data, size, Q4_KRowGroups.copy(data, rows, cols, true));
    }

    @Override
    public long attachRepacked(int rows, int cols) {
        if (rowGroups != null || Q4_KRowGroups.byteSize(rows, cols) == 0) {
            return 0;
        }
        checkShape(rows, cols);
        rowGroups = Q4_KRowGroups.copy(data, rows, cols, false);
        return Q4_KRowGroups.byteSize(rows, cols);
    }

    @Override
    public long repackedBytes(int rows, int cols) {
        return Q4_KRowGroups.byteSize(rows, cols);
    }

    @Override
    public int rowAlignment() {
        return rowGroups != null ? Q4_KRowGroups.ROWS : 1;
    }

    @Override
    public int repackedRows(int rows, int cols) {
        return Q4_KRowGroups.byteSize(rows, cols) > 0 ? rows / Q4_KRowGroups.ROWS * Q4_KRowGroups.ROWS : 0;
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    public float getFloat(long index) {
        long block = index / BLOCK_WEIGHTS * BLOCK_BYTES;
        int j = (int) (index % BLOCK_WEIGHTS);
        int sub = j / 32;
        int packed = data.get(JAVA_BYTE, block + QS + j / 64 * 32 + j % 32);
        int q = (sub & 1) == 0 ? packed & 0x0F : (packed >> 4) & 0x0F;
        return scale(block, sub) * q - min(block, sub);
    }

    /** d · sc[sub]: exact. */
    private float scale(long block, int sub) {
        return f16At(block) * PackedScales.scaleK4(data, block + SCALES, sub);
    }

    /** dmin · m[sub]: exact. */
    private float min(long block, int sub) {
        return f16At(block + DMIN) * PackedScales.minK4(data, block + SCALES, sub);
    }

    // Per sub-block, sum((a·q − b)·x) = a·Σ(q·x) − b·Σx: two sums, each scaled once. Σx does not
    // depend on the row, so the Vector API path takes it per 32 activations once for a whole range
    // of rows (activationSums) and the row kernel only sums q·x.

    @Override
    float dotVector(long offset, float[] x, int xOffset, int n) {
        float[] sums = sumScratch(n);
        activationSums(x, xOffset, n, sums);
        return dotVectorWithSums(offset, x, xOffset, n, sums);
    }

    // The row loops again, so that each type's loop calls its own kernel (see FloatTensor.rowsVector).
    @Override
    void rowsVector(int rowStart, int rowEnd, int cols, float[] x, int xOffset, float[] out, int outOffset) {
        float[] sums = sumScratch(cols);
        activationSums(x, xOffset, cols, sums);
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r - rowStart] = dotVectorWithSums((long) r * cols, x, xOffset, cols, sums);
        }
    }

    // Each thread's Σx per 32 activations, grown to the longest row seen.
    private static final ThreadLocal<float[]> SUMS = ThreadLocal.withInitial(() -> new float[0]);

    // The float kernel's Σx per 32 activations, then each sub-block's d · scale at [n / 32, 2n / 32);
    // the integer kernel's row scales at [0, n / 32). Eight floats more for a whole-vector load.
    static float[] sumScratch(int n) {
        float[] sums = SUMS.get();
        if (sums.length < 2 * (n / 32) + 8) {
            sums = new float[2 * (n / 32) + 8];
            SUMS.set(sums);
        }
        return sums;
    }

    /** {@code sums[b] = Σ x[xOffset + 32b .. xOffset + 32b + 32)} for every 32 of the {@code n} activations. */
    static void activationSums(float[] x, int xOffset, int n, float[] sums) {
        for (int b = 0; b < n / 32; b++) {
            int j = xOffset + 32 * b;
            FloatVector s = FloatVector.fromArray(FLOATS, x, j);
            for (int k = FLOATS.length(); k < 32; k += FLOATS.length()) {
                s = s.add(FloatVector.fromArray(FLOATS, x, j + k));
            }
            sums[b] = s.reduceLanes(VectorOperators.ADD);
        }
    }

    /**
     * {@link #dotVector} given {@code sums} from {@link #activationSums} of the same {@code n}
     * activations: per sub-block a·Σ(q·x) in vector lanes, and b·Σx as one scalar term.
     *
     * <p>Two passes over the row's super-blocks, as the integer kernel: {@link #floatRowScales}
     * unpacks the scales and takes the minimums' term, then one loop over the row's runs of 64
     * weights sums q·x. The loop calls none of our methods: a call C2 refuses to inline passes its
     * vectors as objects, and in one method with the scales' unpacking, under type profiles that
     * other kernels had filled, this kernel reached C2's node count for inlining our own methods
     * (NodeCountInliningCutoff) before its nibble helpers: 6 KB allocated a row on AVX-512 and 1.0
     * GB/s in cache instead of 5.8 (KernelAllocationTest). The Vector API's own methods are inlined
     * past that count.
     */
    float dotVectorWithSums(long offset, float[] x, int xOffset, int n, float[] sums) {
        int sc = n / 32;
        float mins = floatRowScales(data, offset / BLOCK_WEIGHTS * BLOCK_BYTES, BLOCK_BYTES, n, sums);
        // Two accumulators: the low and high sub-blocks' products add up in independent chains.
        FloatVector accLow = FloatVector.zero(FLOATS);
        FloatVector accHigh = FloatVector.zero(FLOATS);
        long first = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int run = 0; run < n / 64; run++) {
            long at = first + (long) (run >> 2) * BLOCK_BYTES + QS + (run & 3) * 32;
            int j = xOffset + run * 64;
            // The first step's products start the sums (no zero vector to add them to: 5 to 6%
            // faster, Q8DotInterleaved); each step is one float vector of the sub-block's 32, its
            // nibbles split in int lanes (x86 has no byte shift).
            IntVector q = (IntVector) ByteVector.fromMemorySegment(BYTES, data, at, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.B2I, INTS, 0);
            FloatVector qxLow = ((FloatVector) q.and(0x0F).convert(VectorOperators.I2F, 0))
                    .mul(FloatVector.fromArray(FLOATS, x, j));
            FloatVector qxHigh = ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).and(0x0F).convert(VectorOperators.I2F, 0))
                    .mul(FloatVector.fromArray(FLOATS, x, j + 32));
            for (int step = FLOATS.length(); step < 32; step += FLOATS.length()) {
                // The byte load holding this step, and the part of it that widens to this step's ints.
                int load = step / BYTES.length() * BYTES.length();
                q = (IntVector) ByteVector.fromMemorySegment(BYTES, data, at + load, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.B2I, INTS, (step - load) / FLOATS.length());
                qxLow = ((FloatVector) q.and(0x0F).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(FLOATS, x, j + step), qxLow);
                qxHigh = ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).and(0x0F).convert(VectorOperators.I2F, 0))
                        .fma(FloatVector.fromArray(FLOATS, x, j + 32 + step), qxHigh);
            }
            accLow = qxLow.fma(FloatVector.broadcast(FLOATS, sums[sc + 2 * run]), accLow);
            accHigh = qxHigh.fma(FloatVector.broadcast(FLOATS, sums[sc + 2 * run + 1]), accHigh);
        }
        return accLow.add(accHigh).reduceLanes(VectorOperators.ADD) - mins;
    }

    /**
     * Writes {@code d · sc} of each sub-block of the {@code n} weights in super-blocks of
     * {@code blockBytes} from {@code block} (exact) to {@code sums[n / 32 + sub]}, and returns
     * {@code Σ dmin · m · Σx} over the sub-blocks, Σx from {@code sums[sub]}: for any type whose
     * super-blocks begin with Q4_K's d, dmin and packed scales (Q4_K, Q5_K).
     */
    static float floatRowScales(MemorySegment data, long block, int blockBytes, int n, float[] sums) {
        int sc = n / 32;
        float mins = 0f;
        for (int sub = 0; sub < sc; sub += 8, block += blockBytes) {
            long low = PackedScales.lowWordK4(data, block + SCALES);
            int high = PackedScales.highWordK4(data, block + SCALES);
            storeEight(PackedScales.scalesK4(low, high), 0, Float.float16ToFloat(data.get(SHORT_LE, block)), sums, sc + sub);
            mins += Float.float16ToFloat(data.get(SHORT_LE, block + DMIN)) * eightProducts(PackedScales.minsK4(low, high), sums, sub);
        }
        return mins;
    }

    // The eight-lane steps below pass no vector in or out: a call of ours that C2 does not inline
    // passes its vectors as objects, and it refuses to inline ours once a method's node count is past
    // its limit (NodeCountInliningCutoff), which type profiles that other kernels filled can bring
    // about in any kernel. Each builds its eight lanes in FLOATS, the kernels' own species, with a
    // mask past eight lanes (AVX-512): no eight-float vector of a second shape. C2 resolves a kernel's
    // Vector API calls on a vector whose class it cannot yet see from the profile of the library
    // method, which every caller shares. Eight-float stores here once gave FloatVector.intoArray's
    // profile two vector classes, and BatchMatmul.outer4's stores then compiled to code that kept its
    // accumulators in objects: 1B Q4_K prompts ran at 6 to 8 tok/s instead of about 100
    // (docs/PERFORMANCE.md). The eight bytes of a long go in through a two-lane vector: C2 compiles no
    // one-lane long vector. Each byte is 0..63, so converting it as a signed byte is exact.

    /** {@code a[at + j] = (b_j + bias) · factor} for the eight bytes {@code b_j} of {@code packed}. */
    static void storeEight(long packed, int bias, float factor, float[] a, int at) {
        if (!EIGHT_LANES) {
            for (int j = 0; j < 8; j++) {
                a[at + j] = ((int) (packed >>> (8 * j) & 0xFF) + bias) * factor;
            }
            return;
        }
        FloatVector v = ((FloatVector) LongVector.broadcast(LongVector.SPECIES_128, packed).reinterpretAsBytes()
                .convertShape(VectorOperators.B2F, FLOATS, 0)).add(bias).mul(factor);
        if (FLOATS.length() == 8) {
            v.intoArray(a, at);
        } else {
            v.intoArray(a, at, FIRST_EIGHT);
        }
    }

    /** {@code a[at + j] = b_j · factor · by[byAt + j]} for the eight bytes {@code b_j} of {@code packed}. */
    static void storeEightTimes(long packed, float factor, float[] by, int byAt, float[] a, int at) {
        if (!EIGHT_LANES) {
            for (int j = 0; j < 8; j++) {
                a[at + j] = factor * (int) (packed >>> (8 * j) & 0xFF) * by[byAt + j];
            }
            return;
        }
        if (FLOATS.length() == 8) {
            ((FloatVector) LongVector.broadcast(LongVector.SPECIES_128, packed).reinterpretAsBytes()
                    .convertShape(VectorOperators.B2F, FLOATS, 0)).mul(factor)
                    .mul(FloatVector.fromArray(FLOATS, by, byAt)).intoArray(a, at);
        } else {
            ((FloatVector) LongVector.broadcast(LongVector.SPECIES_128, packed).reinterpretAsBytes()
                    .convertShape(VectorOperators.B2F, FLOATS, 0)).mul(factor)
                    .mul(FloatVector.fromArray(FLOATS, by, byAt, FIRST_EIGHT)).intoArray(a, at, FIRST_EIGHT);
        }
    }

    /** {@code Σ b_j · by[at + j]} over the eight bytes {@code b_j} of {@code packed}. */
    static float eightProducts(long packed, float[] by, int at) {
        if (!EIGHT_LANES) {
            float sum = 0f;
            for (int j = 0; j < 8; j++) {
                sum += (int) (packed >>> (8 * j) & 0xFF) * by[at + j];
            }
            return sum;
        }
        FloatVector b = (FloatVector) LongVector.broadcast(LongVector.SPECIES_128, packed).reinterpretAsBytes()
                .convertShape(VectorOperators.B2F, FLOATS, 0);
        FloatVector products = FLOATS.length() == 8 ? b.mul(FloatVector.fromArray(FLOATS, by, at))
                : b.mul(FloatVector.fromArray(FLOATS, by, at, FIRST_EIGHT));
        return products.reduceLanes(VectorOperators.ADD);
    }

    @Override
    float dotScalar(long offset, float[] x, int xOffset, int n) {
        float sum = 0f;
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            for (int run = 0; run < 4; run++) {
                float qxLow = 0f;
                float qxHigh = 0f;
                float xLow = 0f;
                float xHigh = 0f;
                for (int l = 0; l < 32; l++) {
                    int packed = data.get(JAVA_BYTE, block + QS + run * 32 + l);
                    float xl = x[xOffset + i + run * 64 + l];
                    float xh = x[xOffset + i + run * 64 + 32 + l];
                    qxLow += (packed & 0x0F) * xl;
                    qxHigh += ((packed >> 4) & 0x0F) * xh;
                    xLow += xl;
                    xHigh += xh;
                }
                int sub = 2 * run;
                sum += qxLow * scale(block, sub) - xLow * min(block, sub);
                sum += qxHigh * scale(block, sub + 1) - xHigh * min(block, sub + 1);
            }
        }
        return sum;
    }

    @Override
    void rowsQ8Vector(int rowStart, int rowEnd, int cols, Q8Activations a, float[] out, int outOffset) {
        int r = rowStart;
        Q4_KRowGroups groups = rowGroups;
        if (groups != null && groups.cols == cols) {
            int rows = Q4_KRowGroups.ROWS;
            int g0 = (rowStart + rows - 1) / rows;
            int g1 = Math.min(rowEnd / rows, groups.groups);
            if (g0 < g1) {
                // The rows before the first whole group on the mapping, then the groups.
                mappedRows(rowStart, g0 * rows, cols, a, out, outOffset);
                groups.products(g0, g1, a, out, outOffset + g0 * rows - rowStart);
                r = g1 * rows;
            }
        }
        mappedRows(r, rowEnd, cols, a, out, outOffset + r - rowStart);
    }

    private void mappedRows(int rowStart, int rowEnd, int cols, Q8Activations a, float[] out, int outOffset) {
        float[] scratch = sumScratch(cols);
        if (Q8Activations.readsBytes(cols)) {
            for (int r = rowStart; r < rowEnd; r++) {
                long offset = (long) r * cols;
                float mins = rowScales(offset, cols, a, 0, scratch);
                out[outOffset + r - rowStart] = dotQ8ScaledBytes(offset, a, 0, cols, scratch) - mins;
            }
            return;
        }
        for (int r = rowStart; r < rowEnd; r++) {
            long offset = (long) r * cols;
            float mins = rowScales(offset, cols, a, 0, scratch);
            out[outOffset + r - rowStart] = dotQ8Scaled(offset, a, 0, cols, scratch) - mins;
        }
    }

    @Override
    public boolean hasQ8Dot() {
        return true;
    }

    @Override
    public int q8Forms() {
        // Wherever a copy could be made, as Q4_0Tensor.q8Forms says.
        return Q4_KRowGroups.SUPPORTED ? Q8Activations.PAIRS : 0;
    }

    // Integer path in decode, as llama.cpp multiplies Q4_K by 8-bit activations: 1.4 to 1.6 times the
    // float kernel in cache on AVX2 (Q8DotInterleaved) and 1B Q4_K decode 6.2 -> 9.0 tok/s there, once the
    // kernel's loop and widening were fixed (docs/PERFORMANCE.md).
    @Override
    public boolean prefersQ8(int cols) {
        return true;
    }

    // Per sub-block s against activation block b: a·Σ(q·qx)·dx − bmin·(dx·Σqx), with Σ(q·qx) exact in
    // int and dx·Σqx kept by Q8Activations.
    //
    // Each row goes twice through its super-blocks: rowScales reads d, dmin and the packed scales
    // and returns the minimums' term, then dotQ8Scaled sums q·qx against the scales it wrote. In one
    // method, the kernel passed the node count at which C2 stops inlining (NodeCountInliningCutoff, a
    // constant in a product JVM; every Vector API call inlines a few hundred nodes before they fold)
    // at 256 bits, where a sub-block takes more steps: its last widening was left a call on boxed
    // vectors, and the kernel ran at 1.6 GB/s in cache instead of 3.5 (Q8DotInterleaved, AVX2). The
    // float kernel is split the same way (dotVectorWithSums).

    @Override
    float dotQ8Vector(long offset, Q8Activations a, int aOffset, int n) {
        float[] scratch = sumScratch(n);
        float mins = rowScales(offset, n, a, aOffset / 32, scratch);
        return (Q8Activations.readsBytes(n) ? dotQ8ScaledBytes(offset, a, aOffset, n, scratch)
                : dotQ8Scaled(offset, a, aOffset, n, scratch)) - mins;
    }

    /**
     * Writes {@code d · sc · dx} of each sub-block of the {@code n} weights from {@code offset} to
     * {@code scales[sub]} ({@code d · sc} is exact, then one rounding, as in the scalar kernel), and
     * returns {@code Σ dmin · m · (dx · Σqx)} over the sub-blocks, the activations' blocks from
     * {@code xb}.
     */
    private float rowScales(long offset, int n, Q8Activations a, int xb, float[] scales) {
        return rowScales(data, offset / BLOCK_WEIGHTS * BLOCK_BYTES, BLOCK_BYTES, n, a, xb, scales);
    }

    /**
     * {@link #rowScales(long, int, Q8Activations, int, float[])} for any type whose super-blocks of
     * {@code blockBytes} from {@code block} begin with Q4_K's d, dmin and packed scales (Q4_K, Q5_K).
     */
    static float rowScales(MemorySegment data, long block, int blockBytes, int n, Q8Activations a, int xb,
            float[] scales) {
        float mins = 0f;
        for (int sub = 0; sub < n / 32; sub += 8, block += blockBytes) {
            long low = PackedScales.lowWordK4(data, block + SCALES);
            int high = PackedScales.highWordK4(data, block + SCALES);
            storeEightTimes(PackedScales.scalesK4(low, high), Float.float16ToFloat(data.get(SHORT_LE, block)), a.d,
                    xb + sub, scales, sub);
            mins += Float.float16ToFloat(data.get(SHORT_LE, block + DMIN))
                    * eightProducts(PackedScales.minsK4(low, high), a.sum, xb + sub);
        }
        return mins;
    }

    /**
     * Σ over the sub-blocks of {@code scales[sub] · Σ(q·qx)}: the row's products against the
     * 8-bit activations without the minimums, given the scales (times the activations' block scales)
     * that {@link #rowScales} wrote.
     */
    private float dotQ8Scaled(long offset, Q8Activations a, int aOffset, int n, float[] scales) {
        short[] xw = a.wide;
        // Two accumulators: the low and high sub-blocks' products add up in independent chains.
        FloatVector accLow = FloatVector.zero(FLOATS);
        FloatVector accHigh = FloatVector.zero(FLOATS);
        long first = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        // One loop over the row's runs of 64 weights (4 a super-block), not a loop of 4 inside one
        // over super-blocks: C2 gave that short inner loop pre- and post-loops and range-check set-up
        // in every super-block, more instructions than the products (4.2 -> 5.4 GB/s in cache, AVX2).
        for (int run = 0; run < n / 64; run++) {
            int j = aOffset + run * 64;
            long q0 = first + (long) (run >> 2) * BLOCK_BYTES + QS + (run & 3) * 32;
            // Low nibbles times the run's first 32 activations, high nibbles times the next 32,
            // summed in short lanes over the whole sub-block: 0..15 times -127..127 is at most
            // 1905, and a lane sums 32 / lanes of them (2 at 256 and 512 bits, 4 at 128), so shorts
            // cannot overflow.
            ShortVector packed = (ShortVector) ByteVector.fromMemorySegment(HALF_BYTES, data, q0, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
            ShortVector pl = packed.and((short) 0x0F).mul(ShortVector.fromArray(SHORTS, xw, j));
            ShortVector ph = packed.lanewise(VectorOperators.LSHR, 4).mul(ShortVector.fromArray(SHORTS, xw, j + 32));
            for (int k = SHORTS.length(); k < 32; k += SHORTS.length()) {
                packed = (ShortVector) ByteVector.fromMemorySegment(HALF_BYTES, data, q0 + k, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                pl = pl.add(packed.and((short) 0x0F).mul(ShortVector.fromArray(SHORTS, xw, j + k)));
                ph = ph.add(packed.lanewise(VectorOperators.LSHR, 4)
                        .mul(ShortVector.fromArray(SHORTS, xw, j + 32 + k)));
            }
            // A pair of short lanes sums at most 4 · 1905: narrow enough for widenNarrowSum.
            FloatVector sumLow = (FloatVector) VectorSupport.widenNarrowSum(pl).convert(VectorOperators.I2F, 0);
            FloatVector sumHigh = (FloatVector) VectorSupport.widenNarrowSum(ph).convert(VectorOperators.I2F, 0);
            accLow = sumLow.fma(FloatVector.broadcast(FLOATS, scales[2 * run]), accLow);
            accHigh = sumHigh.fma(FloatVector.broadcast(FLOATS, scales[2 * run + 1]), accHigh);
        }
        return accLow.add(accHigh).reduceLanes(VectorOperators.ADD) * VectorSupport.NARROW_SUM_UNIT;
    }

    /**
     * {@link #dotQ8Scaled} reading the activations as bytes and widening them, for long rows
     * ({@link Q8Activations#readsBytes}): a row of 8192 reads 8 KB of activations instead of 16.
     */
    private float dotQ8ScaledBytes(long offset, Q8Activations a, int aOffset, int n, float[] scales) {
        byte[] xq = a.qs;
        FloatVector accLow = FloatVector.zero(FLOATS);
        FloatVector accHigh = FloatVector.zero(FLOATS);
        long first = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int run = 0; run < n / 64; run++) {
            int j = aOffset + run * 64;
            long q0 = first + (long) (run >> 2) * BLOCK_BYTES + QS + (run & 3) * 32;
            ShortVector packed = (ShortVector) ByteVector.fromMemorySegment(HALF_BYTES, data, q0, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
            ShortVector xl = (ShortVector) ByteVector.fromArray(HALF_BYTES, xq, j).convertShape(VectorOperators.B2S, SHORTS, 0);
            ShortVector xh = (ShortVector) ByteVector.fromArray(HALF_BYTES, xq, j + 32).convertShape(VectorOperators.B2S, SHORTS, 0);
            ShortVector pl = packed.and((short) 0x0F).mul(xl);
            ShortVector ph = packed.lanewise(VectorOperators.LSHR, 4).mul(xh);
            for (int k = SHORTS.length(); k < 32; k += SHORTS.length()) {
                packed = (ShortVector) ByteVector.fromMemorySegment(HALF_BYTES, data, q0 + k, ByteOrder.LITTLE_ENDIAN)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                xl = (ShortVector) ByteVector.fromArray(HALF_BYTES, xq, j + k).convertShape(VectorOperators.B2S, SHORTS, 0);
                xh = (ShortVector) ByteVector.fromArray(HALF_BYTES, xq, j + 32 + k).convertShape(VectorOperators.B2S, SHORTS, 0);
                pl = pl.add(packed.and((short) 0x0F).mul(xl));
                ph = ph.add(packed.lanewise(VectorOperators.LSHR, 4).mul(xh));
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
                int sumLow = 0;
                int sumHigh = 0;
                for (int l = 0; l < 32; l++) {
                    int packed = data.get(JAVA_BYTE, block + QS + run * 32 + l);
                    sumLow += (packed & 0x0F) * xq[j + l];
                    sumHigh += ((packed >> 4) & 0x0F) * xq[j + 32 + l];
                }
                int sub = 2 * run;
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

    @Override
    void decode(long offset, float[] out, int outOffset, int n) {
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            for (int run = 0; run < 4; run++) {
                float aLow = scale(block, 2 * run);
                float bLow = min(block, 2 * run);
                float aHigh = scale(block, 2 * run + 1);
                float bHigh = min(block, 2 * run + 1);
                int at = outOffset + i + run * 64;
                for (int l = 0; l < 32; l++) {
                    int packed = data.get(JAVA_BYTE, block + QS + run * 32 + l);
                    out[at + l] = aLow * (packed & 0x0F) - bLow;
                    out[at + 32 + l] = aHigh * ((packed >> 4) & 0x0F) - bHigh;
                }
            }
        }
    }

    /**
     * {@code a = d · sc} of the eight sub-blocks of the super-block at {@code block} to
     * {@code factors[0..8)} and {@code -b = -dmin · m} to {@code factors[8..16)} (both exact), for any
     * type whose super-blocks begin with Q4_K's d, dmin and packed scales (Q4_K, Q5_K).
     */
    static void decodeFactors(MemorySegment data, long block, float[] factors) {
        float d = Float.float16ToFloat(data.get(SHORT_LE, block));
        float dmin = Float.float16ToFloat(data.get(SHORT_LE, block + DMIN));
        long low = PackedScales.lowWordK4(data, block + SCALES);
        int high = PackedScales.highWordK4(data, block + SCALES);
        storeEight(PackedScales.scalesK4(low, high), 0, d, factors, 0);
        storeEight(PackedScales.minsK4(low, high), 0, -dmin, factors, 8);
    }

    // Prefill decodes every weight row once per batch. The super-block's scales and minimums are
    // unpacked once from their two words, in vector lanes (not per sub-block through scale() and min(),
    // which read and mask the packed bytes again for each), and each weight takes one FMA: a·q is
    // exact (a 17-bit a times a 4-bit q), so fma(q, a, -b) rounds a·q - b once, as the scalar decode's
    // multiply and subtract do. On AVX2 (one thread, rows of 2048) this decodes a weight in 0.16 ns
    // instead of 0.33.
    @Override
    void decodeVector(long offset, float[] out, int outOffset, int n) {
        float[] factors = SubBlockProducts.decodeFactorScratch();
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            decodeFactors(data, block, factors);
            for (int run = 0; run < 4; run++) {
                FloatVector aLow = FloatVector.broadcast(FLOATS, factors[2 * run]);
                FloatVector bLow = FloatVector.broadcast(FLOATS, factors[8 + 2 * run]);
                FloatVector aHigh = FloatVector.broadcast(FLOATS, factors[2 * run + 1]);
                FloatVector bHigh = FloatVector.broadcast(FLOATS, factors[9 + 2 * run]);
                int at = outOffset + i + run * 64;
                for (int k = 0; k < 32; k += BYTES.length()) {
                    ByteVector packed = ByteVector.fromMemorySegment(BYTES, data, block + QS + run * 32 + k,
                            ByteOrder.LITTLE_ENDIAN);
                    for (int part = 0; part < VectorSupport.BYTE_PARTS; part++) {
                        IntVector q = (IntVector) packed.convertShape(VectorOperators.B2I, INTS, part);
                        int j = at + k + part * FLOATS.length();
                        ((FloatVector) q.and(0x0F).convert(VectorOperators.I2F, 0)).fma(aLow, bLow).intoArray(out, j);
                        ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).and(0x0F).convert(VectorOperators.I2F, 0))
                                .fma(aHigh, bHigh).intoArray(out, j + 32);
                    }
                }
            }
        }
    }

    @Override
    public int smallQuantsBound() {
        return 8;
    }

    @Override
    public boolean smallQuantsHaveOffsets() {
        return true;
    }

    // Weight a·q - b with q = 0..15 is a·(q - 8) + (8a - b): the nibbles less 8 are the small quants,
    // a the factor and 8a - b (8a exact, one rounding) the offset of each sub-block of 32.
    @Override
    void decodeSmallQuants(long offset, short[] q, int qOffset, float[] scale, float[] offsets, int fOffset, int n) {
        long block = offset / BLOCK_WEIGHTS * BLOCK_BYTES;
        for (int i = 0; i < n; i += BLOCK_WEIGHTS, block += BLOCK_BYTES) {
            smallFactors(data, block, 8, scale, offsets, fOffset + i / 32);
            for (int run = 0; run < 4; run++) {
                int at = qOffset + i + run * 64;
                for (int k = 0; k < 32; k += SMALL_BYTES.length()) {
                    long from = block + QS + run * 32 + k;
                    if (!VectorSupport.ENABLED) {
                        for (int l = 0; l < SMALL_BYTES.length(); l++) {
                            int packed = data.get(JAVA_BYTE, from + l);
                            q[at + k + l] = (short) ((packed & 0x0F) - 8);
                            q[at + 32 + k + l] = (short) (((packed >> 4) & 0x0F) - 8);
                        }
                        continue;
                    }
                    ByteVector packed = ByteVector.fromMemorySegment(SMALL_BYTES, data, from, ByteOrder.LITTLE_ENDIAN);
                    ((ShortVector) packed.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2S, SMALL_SHORTS, 0))
                            .intoArray(q, at + k);
                    ((ShortVector) packed.lanewise(VectorOperators.LSHR, 4).and((byte) 0x0F).sub((byte) 8)
                            .convertShape(VectorOperators.B2S, SMALL_SHORTS, 0)).intoArray(q, at + 32 + k);
                }
            }
        }
    }

    /**
     * The factors of the super-block at {@code block} as {@link #decodeSmall}'s: factor {@code a = d·sc}
     * and offset {@code center · a - dmin · m} of each of the eight sub-blocks, to {@code scale[f..]}
     * and {@code offsets[f..]}, for quants stored as {@code 0..2·center - 1} (Q4_K's center is 8, Q5_K's
     * 16). In scalar code, sixteen products a super-block of 256 weights: the vector form
     * ({@link #decodeFactors}, a masked store of eight lanes at AVX-512) was one more Vector API call
     * site whose compiled form varies with the profiles other kernels leave.
     */
    static void smallFactors(MemorySegment data, long block, int center, float[] scale, float[] offsets, int f) {
        float d = Float.float16ToFloat(data.get(SHORT_LE, block));
        float dmin = Float.float16ToFloat(data.get(SHORT_LE, block + DMIN));
        long low = PackedScales.lowWordK4(data, block + SCALES);
        int high = PackedScales.highWordK4(data, block + SCALES);
        for (int sub = 0; sub < 8; sub++) {
            float a = d * PackedScales.scaleK4(low, high, sub);
            scale[f + sub] = a;
            offsets[f + sub] = center * a - dmin * PackedScales.minK4(low, high, sub);
        }
    }

    // A run's 32 bytes in one load where shorts come 32 to a vector (AVX-512), else 16 at a time
    // (Q4_K and Q5_K).
    static final VectorSpecies<Byte> SMALL_BYTES = VectorSupport.FLOAT_SPECIES.vectorBitSize() >= 512
            ? ByteVector.SPECIES_256 : ByteVector.SPECIES_128;
    static final VectorSpecies<Short> SMALL_SHORTS = ShortVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(SMALL_BYTES.vectorBitSize() * 2));

    /**
     * One super-block of {@code src[from..from + 256)} into {@code out} at byte {@code at}, as ggml's
     * {@code quantize_row_q4_K_ref}: each sub-block's scale and minimum are searched for
     * ({@link QuantMath#makeQkx2Quants}, weighted by rms(x) + |x|), both sets are then quantized to 6
     * bits against their largest member, and the weights are rounded again against the scales as
     * stored.
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
            QuantMath.ScaleMin fit = QuantMath.makeQkx2Quants(32, 15, src, start, weights, levels, 32 * sub,
                    -1f, 0.1f, 20, false);
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
        sixBitQuantize(scales, maxScale, sixBitScales);
        sixBitQuantize(mins, maxMin, sixBitMins);
        PackedScales.packK4(sixBitScales, sixBitMins, out, at + SCALES);
        short d = QuantMath.toHalf(maxScale / 63f);
        short dmin = QuantMath.toHalf(maxMin / 63f);
        out.putShort(at, d).putShort(at + DMIN, dmin);

        requantize(src, from, QuantMath.fromHalf(d), QuantMath.fromHalf(dmin), sixBitScales, sixBitMins, 15, levels);
        for (int run = 0; run < 4; run++) {
            for (int l = 0; l < 32; l++) {
                out.put(at + QS + run * 32 + l, (byte) (levels[64 * run + l] | levels[64 * run + 32 + l] << 4));
            }
        }
    }

    /**
     * Each of {@code values} (≥ 0) as 0..63 steps of max/63, as ggml stores K4 scales and minimums
     * (its uint8 cast wraps a negative step, which a negative fitted scale would give).
     */
    static void sixBitQuantize(float[] values, float max, int[] steps) {
        float inverse = max > 0 ? 63f / max : 0f;
        for (int j = 0; j < values.length; j++) {
            steps[j] = Math.min(63, QuantMath.nearestInt(inverse * values[j]) & 0xFF);
        }
    }

    /**
     * Rounds every weight of a K4 super-block to 0..nmax against the scales and minimums as they
     * will be decoded; a sub-block whose scale is zero keeps the levels of the search.
     */
    static void requantize(float[] src, int from, float d, float dmin, int[] scales, int[] mins, int nmax,
            int[] levels) {
        for (int sub = 0; sub < 8; sub++) {
            float scale = d * scales[sub];
            if (scale == 0) {
                continue;
            }
            float min = dmin * mins[sub];
            for (int l = 0; l < 32; l++) {
                int q = QuantMath.nearestInt((src[from + 32 * sub + l] + min) / scale);
                levels[32 * sub + l] = Math.max(0, Math.min(nmax, q));
            }
        }
    }
}
