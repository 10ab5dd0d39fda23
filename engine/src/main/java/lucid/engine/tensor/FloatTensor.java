package lucid.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A flat run of {@code size} weights stored in one {@link GgmlType}, read in place from a
 * {@link MemorySegment} (usually a slice of a memory-mapped GGUF file). It has no shape: the model
 * decides that a row of a matrix is {@code cols} consecutive weights starting at {@code row * cols}.
 *
 * <p>Each subclass is one type. It decodes a single weight in plain scalar code
 * ({@link #getFloat}), which is the reference every faster path is tested against, and computes
 * dot products with the Vector API ({@link #dot}). For quantized types, offsets and lengths passed
 * to {@code dot} and {@code dequantize} must be multiples of the block size.
 *
 * <p>Only this package can add a type: the kernels are package-private abstract methods, so every
 * type is created by {@link #wrap} and comes with its parity test.
 */
public abstract class FloatTensor {

    // GGUF data is little-endian, and quant blocks start at any byte (a Q4_0 block is 18 bytes), so
    // every read goes through an unaligned little-endian layout.
    static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong LONG_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    protected final MemorySegment data;
    protected final long size;

    protected FloatTensor(MemorySegment data, long size) {
        long expected = type().byteSize(size);
        if (data.byteSize() < expected) {
            throw new IllegalArgumentException(type() + " tensor of " + size + " weights needs "
                    + expected + " bytes, got " + data.byteSize());
        }
        this.data = data;
        this.size = size;
    }

    public abstract GgmlType type();

    /** Number of weights. */
    public final long size() {
        return size;
    }

    /** The raw bytes, in this tensor's type. */
    public final MemorySegment data() {
        return data;
    }

    /** Weight {@code index}, decoded one at a time: the scalar reference. */
    public abstract float getFloat(long index);

    /**
     * {@code sum(w[offset + i] * x[xOffset + i] for i < n)}, on the fastest path this CPU offers: the
     * Vector API when {@link VectorSupport#ENABLED}, else a scalar loop over whole blocks.
     */
    public final float dot(long offset, float[] x, int xOffset, int n) {
        checkRange(offset, n);
        return VectorSupport.ENABLED ? dotVector(offset, x, xOffset, n) : dotScalar(offset, x, xOffset, n);
    }

    /**
     * {@code out[outOffset + r - rowStart] = dot(r * cols, x, xOffset, cols)} for every row r in
     * {@code [rowStart, rowEnd)} of a matrix with {@code cols} columns: the arguments are checked once
     * for the whole range instead of once per row.
     */
    public final void matvec(int rowStart, int rowEnd, int cols, float[] x, int xOffset, float[] out, int outOffset) {
        checkRows(rowStart, rowEnd, cols);
        Objects.checkFromIndexSize(xOffset, cols, x.length);
        Objects.checkFromIndexSize(outOffset, rowEnd - rowStart, out.length);
        if (VectorSupport.ENABLED) {
            rowsVector(rowStart, rowEnd, cols, x, xOffset, out, outOffset);
        } else {
            for (int r = rowStart; r < rowEnd; r++) {
                out[outOffset + r - rowStart] = dotScalar((long) r * cols, x, xOffset, cols);
            }
        }
    }

    /**
     * Whether this type has an integer dot product against 8-bit activations ({@link #dotQ8}), and
     * {@link #prefersQ8} when it is also the faster path for decoding.
     */
    public boolean hasQ8Dot() {
        return false;
    }

    /**
     * The forms of {@link Q8Activations} beyond the quants, scales and sums that this tensor's integer
     * kernels read (bits of {@link Q8Activations#ALL_FORMS}): a product quantizes its input into these
     * only. {@link #matvecQ8} and {@link #dotQ8} refuse activations that lack one of them.
     */
    public int q8Forms() {
        return 0;
    }

    /**
     * Whether a matrix-vector product with rows of {@code cols} weights runs faster through
     * {@link #matvecQ8} than through {@link #matvec} on this CPU (measured: see docs/PERFORMANCE.md).
     */
    public boolean prefersQ8(int cols) {
        return false;
    }

    /**
     * Whether {@link #decodeSmall} applies: every weight is a small integer (at most
     * {@link #smallQuantsBound} in magnitude) times a float factor plus a float offset, both per 32
     * weights, so that prefill can multiply weights by 8-bit activations in 16-bit integer lanes and
     * sum 32 · 8 / bound of the products without overflow (32 · 8 · 127 = 32512).
     */
    public final boolean hasSmallQuants() {
        return smallQuantsBound() > 0;
    }

    /**
     * The largest magnitude of {@link #decodeSmall}'s integers: 8 for the 4-bit types, 16 for the 5-bit
     * ones, 0 for a type without small quants.
     */
    public int smallQuantsBound() {
        return 0;
    }

    /** Whether {@link #decodeSmall} gives offsets that are not all zero (Q4_K's minimums). */
    public boolean smallQuantsHaveOffsets() {
        return false;
    }

    /**
     * Decodes {@code n} weights from {@code offset} as small integers: weight {@code i} is
     * {@code q[qOffset + i] · scale[f] + offset[f]} with {@code f = fOffset + i / 32}, exact for Q4_0
     * and Q5_0 and to a rounding of the offset for the others; {@code |q| <= }{@link #smallQuantsBound}.
     * Offsets are written only where {@link #smallQuantsHaveOffsets}.
     *
     * @throws UnsupportedOperationException unless {@link #hasSmallQuants}
     */
    public final void decodeSmall(long offset, short[] q, int qOffset, float[] scale, float[] offsets, int fOffset, int n) {
        checkRange(offset, n);
        if (!hasSmallQuants()) {
            throw new UnsupportedOperationException(type() + " has no small-integer decoding");
        }
        if (offset % Q8Activations.BLOCK != 0 || n % Q8Activations.BLOCK != 0) {
            throw new IllegalArgumentException("small quants are decoded in blocks of " + Q8Activations.BLOCK);
        }
        Objects.checkFromIndexSize(qOffset, n, q.length);
        Objects.checkFromIndexSize(fOffset, n / Q8Activations.BLOCK, scale.length);
        if (smallQuantsHaveOffsets()) {
            Objects.checkFromIndexSize(fOffset, n / Q8Activations.BLOCK, offsets.length);
        }
        decodeSmallQuants(offset, q, qOffset, scale, offsets, fOffset, n);
    }

    /** {@link #decodeSmall} after its checks. */
    void decodeSmallQuants(long offset, short[] q, int qOffset, float[] scale, float[] offsets, int fOffset, int n) {
        throw new UnsupportedOperationException(type() + " has no small-integer decoding");
    }

    /**
     * {@code sum(w[offset + i] * a[aOffset + i] for i < n)} against activations quantized to 8 bits:
     * integer products summed exactly per 32-weight block, then scaled once per block in float, as
     * ggml's {@code vec_dot_*_q8_0}. {@code aOffset} must be a multiple of {@value Q8Activations#BLOCK}.
     *
     * @throws UnsupportedOperationException unless {@link #hasQ8Dot}
     */
    public final float dotQ8(long offset, Q8Activations a, int aOffset, int n) {
        checkRange(offset, n);
        checkQ8(a, aOffset, n);
        return VectorSupport.INT8_ENABLED ? dotQ8Vector(offset, a, aOffset, n) : dotQ8Scalar(offset, a, aOffset, n);
    }

    /** {@link #matvec} with the integer dot product {@link #dotQ8}: one check for the whole range. */
    public final void matvecQ8(int rowStart, int rowEnd, int cols, Q8Activations a, float[] out, int outOffset) {
        checkRows(rowStart, rowEnd, cols);
        checkQ8(a, 0, cols);
        Objects.checkFromIndexSize(outOffset, rowEnd - rowStart, out.length);
        if (VectorSupport.INT8_ENABLED) {
            rowsQ8Vector(rowStart, rowEnd, cols, a, out, outOffset);
        } else {
            for (int r = rowStart; r < rowEnd; r++) {
                out[outOffset + r - rowStart] = dotQ8Scalar((long) r * cols, a, 0, cols);
            }
        }
    }

    /** {@link #dotQ8} weight by weight in float, from {@link #getFloat} and {@link Q8Activations#get}: its reference. */
    public final float dotQ8Reference(long offset, Q8Activations a, int aOffset, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += getFloat(offset + i) * a.get(aOffset + i);
        }
        return sum;
    }

    /**
     * The row loop of {@link #matvec} on the Vector API path, arguments checked. The hot types
     * override it with the same loop: in their own (final) class the call to {@code dotVector} is
     * bound to one kernel and inlined, whatever other types the process has run. Here, shared by
     * every type, the call site turns megamorphic once a second type runs, and a Q4_0 product was
     * measured 3 to 4 times slower after a Q8_0 one in the same JVM.
     */
    void rowsVector(int rowStart, int rowEnd, int cols, float[] x, int xOffset, float[] out, int outOffset) {
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r - rowStart] = dotVector((long) r * cols, x, xOffset, cols);
        }
    }

    /** The row loop of {@link #matvecQ8} on the Vector API path; overridden like {@link #rowsVector}. */
    void rowsQ8Vector(int rowStart, int rowEnd, int cols, Q8Activations a, float[] out, int outOffset) {
        for (int r = rowStart; r < rowEnd; r++) {
            out[outOffset + r - rowStart] = dotQ8Vector((long) r * cols, a, 0, cols);
        }
    }

    /**
     * Rows {@code [r, rowEnd)} of a {@link #rowsQ8Vector} for the types that take rows in pairs: row
     * {@code r + k} with row {@code r + half + k}, half the range apart, each pair by {@link #dotQ8Pair};
     * the last row of an odd range, or every row where pairs are off ({@link VectorSupport#ROW_PAIRS}),
     * by {@link #dotQ8Vector}. Two streams through memory far apart, read in one loop that loads each
     * step's activations once for both rows. (Pairs of adjacent rows made Q8_0's kernel about half as
     * fast from memory; docs/PERFORMANCE.md, "Rows in pairs".)
     */
    final void rowsQ8InPairs(int r, int rowEnd, int rowStart, int cols, Q8Activations a, float[] out, int outOffset) {
        if (VectorSupport.ROW_PAIRS) {
            int half = (rowEnd - r) / 2;
            long apart = type().byteSize((long) half * cols);
            for (int k = 0; k < half; k++, r++) {
                dotQ8Pair((long) r * cols, apart, a, cols, out, outOffset + r - rowStart, half);
            }
            r += half;
        }
        for (; r < rowEnd; r++) {
            out[outOffset + r - rowStart] = dotQ8Vector((long) r * cols, a, 0, cols);
        }
    }

    /**
     * {@link #dotQ8Vector} of the row at weight {@code offset} into {@code out[at]} and of the row
     * {@code apart} bytes further into {@code out[at + rowsApart]}, each row with dotQ8Vector's
     * operations in its order; for {@link #rowsQ8InPairs}, in the types that call it.
     */
    void dotQ8Pair(long offset, long apart, Q8Activations a, int n, float[] out, int at, int rowsApart) {
        throw new UnsupportedOperationException(type() + " takes no rows in pairs");
    }

    /** {@link #dotQ8} with the Vector API; arguments already checked. */
    float dotQ8Vector(long offset, Q8Activations a, int aOffset, int n) {
        throw new UnsupportedOperationException(type() + " has no 8-bit integer dot product");
    }

    /** {@link #dotQ8} in plain scalar code, block by block, integer sums exact; arguments already checked. */
    float dotQ8Scalar(long offset, Q8Activations a, int aOffset, int n) {
        throw new UnsupportedOperationException(type() + " has no 8-bit integer dot product");
    }

    /** The same sum computed weight by weight from {@link #getFloat}: the reference for {@link #dot}. */
    public final float dotReference(long offset, float[] x, int xOffset, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += getFloat(offset + i) * x[xOffset + i];
        }
        return sum;
    }

    /**
     * Decodes {@code n} weights starting at {@code offset} into {@code out[outOffset..]}, equal to
     * {@link #getFloat} bit for bit.
     */
    public final void dequantize(long offset, float[] out, int outOffset, int n) {
        checkRange(offset, n);
        if (VectorSupport.ENABLED) {
            decodeVector(offset, out, outOffset, n);
        } else {
            decode(offset, out, outOffset, n);
        }
    }

    // The two paths of dot(), both package-private so that the parity tests can run each of them
    // whatever VectorSupport.ENABLED says. Arguments are already range-checked.

    /** {@link #dot} with the Vector API, in {@link VectorSupport#FLOAT_SPECIES}. */
    abstract float dotVector(long offset, float[] x, int xOffset, int n);

    /** {@link #dot} in plain scalar code, block by block. */
    abstract float dotScalar(long offset, float[] x, int xOffset, int n);

    /** {@link #dequantize} after the range check: a block at a time, same arithmetic as {@link #getFloat}. */
    abstract void decode(long offset, float[] out, int outOffset, int n);

    /**
     * {@link #decode} with the Vector API, equal to it bit for bit. Batched prompt processing decodes
     * every weight row once per batch, so a type used there overrides this; the rest decode in scalar code.
     */
    void decodeVector(long offset, float[] out, int outOffset, int n) {
        decode(offset, out, outOffset, n);
    }

    /**
     * Fails class initialization when a quant class's block layout disagrees with {@link GgmlType}:
     * the byte size is stated twice, so it is checked once, like ggml's static_assert on each block.
     */
    static void checkBlockLayout(GgmlType type, int blockWeights, int blockBytes) {
        if (type.blockSize() != blockWeights || type.typeSize() != blockBytes) {
            throw new IllegalStateException(type + " block layout is " + blockWeights + " weights in " + blockBytes
                    + " bytes, but GgmlType says " + type.blockSize() + " in " + type.typeSize());
        }
    }

    /** The f16 at byte {@code position}: how ggml stores block scales and minimums. */
    final float f16At(long position) {
        return Float.float16ToFloat(data.get(SHORT_LE, position));
    }

    private void checkRows(int rowStart, int rowEnd, int cols) {
        Objects.checkFromToIndex(rowStart, rowEnd, Integer.MAX_VALUE);
        Objects.checkFromToIndex((long) rowStart * cols, (long) rowEnd * cols, size);
        if (cols % type().blockSize() != 0) {
            throw new IllegalArgumentException(type() + " rows must be whole blocks of " + type().blockSize()
                    + " weights, got " + cols);
        }
    }

    private void checkQ8(Q8Activations a, int aOffset, int n) {
        if (!hasQ8Dot()) {
            throw new UnsupportedOperationException(type() + " has no 8-bit integer dot product");
        }
        Objects.checkFromIndexSize(aOffset, n, a.length());
        if ((a.forms() & q8Forms()) != q8Forms()) {
            throw new IllegalArgumentException(type() + " reads activation forms " + Integer.toBinaryString(q8Forms())
                    + " but they were quantized into " + Integer.toBinaryString(a.forms()));
        }
        if (aOffset % Q8Activations.BLOCK != 0) {
            throw new IllegalArgumentException("activations are read in whole blocks of " + Q8Activations.BLOCK
                    + ", got offset " + aOffset);
        }
    }

    private void checkRange(long offset, int n) {
        Objects.checkFromIndexSize(offset, n, size);
        int blockSize = type().blockSize();
        if (offset % blockSize != 0 || n % blockSize != 0) {
            throw new IllegalArgumentException(type() + " weights are read in whole blocks of " + blockSize
                    + ", got offset " + offset + " and length " + n);
        }
    }

    /**
     * This matrix of {@code rows} by {@code cols} with, where its type has one, a copy of its rows on
     * the Java heap in a layout its integer kernel reads faster (Q4_0, Q4_K, Q5_K and Q6_K: groups of rows, one per
     * vector lane), made on several threads when this tensor's memory may be read from any (a file mapping).
     * The mapping stays what every other read uses. Types without such a layout, and machines whose
     * vectors do not suit it, return this tensor unchanged.
     */
    public FloatTensor repacked(int rows, int cols) {
        return this;
    }

    /**
     * Makes the copy that {@link #repacked} makes, on the calling thread alone, and has this tensor's
     * integer kernel read it from then on: for copies made in the background while the model already
     * runs ({@code Repacking.IN_BACKGROUND}). A product that starts before the copy is published reads
     * the mapping; one after it, the copy: the two kernels add in different orders, so their results
     * differ in the last bits. Returns the bytes copied: 0 where {@link #repacked} would copy nothing,
     * or when this tensor already reads a copy.
     */
    public long attachRepacked(int rows, int cols) {
        return 0;
    }

    /** The bytes {@link #repacked} would allocate for a matrix of {@code rows} by {@code cols}: 0 when it copies nothing. */
    public long repackedBytes(int rows, int cols) {
        return 0;
    }

    /**
     * Rows that this tensor's fastest kernel computes together: a row range that starts on a multiple
     * of it runs whole groups on that kernel (the groups of a {@link #repacked} copy), where a range
     * splitting a group takes the slower kernel for the split rows. 1 for a tensor without such groups.
     */
    public int rowAlignment() {
        return 1;
    }

    /** How many of the {@code rows} the copy of {@link #repacked} would hold (the rest stay on the mapping). */
    public int repackedRows(int rows, int cols) {
        return 0;
    }

    /** Checks that this tensor is a matrix of {@code rows} by {@code cols} whole blocks. */
    final void checkShape(int rows, int cols) {
        if ((long) rows * cols != size || cols % type().blockSize() != 0) {
            throw new IllegalArgumentException("a " + type() + " tensor of " + size + " weights is not " + rows
                    + " rows of " + cols);
        }
    }

    /**
     * Wraps {@code data} as a tensor of {@code size} weights of {@code type}.
     *
     * @throws UnsupportedOperationException when the engine has no kernels for {@code type}
     */
    public static FloatTensor wrap(GgmlType type, MemorySegment data, long size) {
        return switch (type) {
            case F32 -> new F32Tensor(data, size);
            case F16 -> new F16Tensor(data, size);
            case BF16 -> new BF16Tensor(data, size);
            case Q8_0 -> new Q8_0Tensor(data, size);
            case Q4_0 -> new Q4_0Tensor(data, size);
            case Q4_1 -> new Q4_1Tensor(data, size);
            case Q5_0 -> new Q5_0Tensor(data, size);
            case Q5_1 -> new Q5_1Tensor(data, size);
            case Q2_K -> new Q2_KTensor(data, size);
            case Q3_K -> new Q3_KTensor(data, size);
            case Q4_K -> new Q4_KTensor(data, size);
            case Q5_K -> new Q5_KTensor(data, size);
            case Q6_K -> new Q6_KTensor(data, size);
            case Q8_K -> new Q8_KTensor(data, size);
            default -> throw new UnsupportedOperationException("tensor type " + type + " is not supported (supported: "
                    + GgmlType.supportedNames() + ")");
        };
    }
}
