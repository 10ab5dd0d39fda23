package lucid.engine.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * An activation vector quantized to 8 bits in blocks of 32, as ggml's {@code quantize_row_q8_0}
 * does before an integer dot product: per block a float scale {@code d = max|x| / 127} and 32 int8
 * values {@code round(x / d)} (half away from zero), so {@code x[i] ≈ qs[i] · d[i / 32]}.
 *
 * <p>It also keeps each block's {@code d · Σ qs}, the term a weight type with a per-block minimum
 * (Q4_K) multiplies by that minimum, and for each pair of activations {@code j} and {@code j + 16} of
 * a block {@code -8 · (qs[j] + qs[j + 16])}: a Q4_0 byte holds the nibbles of weights {@code j} and
 * {@code j + 16} stored as weight + 8, so its kernel multiplies the stored nibbles and adds this term
 * instead of taking 8 off every nibble. One instance is filled per matrix product and reused: it
 * grows to the longest vector seen and allocates nothing after that.
 *
 * <p>Not thread-safe while being filled; many threads may read it once {@link #quantize} returned.
 */
public final class Q8Activations {

    /** Activations per block. */
    public static final int BLOCK = 32;

    /**
     * A form of the quants beyond the ones every kernel reads (the quants as bytes and widened to
     * shorts, the block scales and the sums): the Q4_0 kernel's nibble bias ({@link #nibbleBias}).
     * {@link #quantize(float[], int, int, int)} fills only the forms asked for, since building all of
     * them for every product took longer than quantizing (see {@link FloatTensor#q8Forms}).
     */
    public static final int NIBBLE_BIAS = 1;
    /** The quants in pairs, one int each, that the repacked kernels broadcast ({@link #pairs}). */
    public static final int PAIRS = 2;
    /** The quants split into even and odd positions that Q6_K, Q3_K and Q2_K read ({@link #evenWide}). */
    public static final int EVEN_ODD = 4;
    /** Every form. */
    public static final int ALL_FORMS = NIBBLE_BIAS | PAIRS | EVEN_ODD;

    /**
     * Rows longer than this are multiplied against the quants as bytes ({@link #readsBytes}), not
     * the shorts of {@code wide}.
     */
    static final int SHORT_ACTIVATIONS_MAX = 4096;

    /**
     * Whether a kernel over rows of {@code cols} reads the activations as bytes and widens them,
     * rather than loading the shorts of {@code wide}. The shorts save an instruction per load, but
     * a row of 8192 then reads 16 KB of activations beside the weights it streams from memory: one
     * thread's Q4_K kernel read 4.6 GB/s of weights from memory at rows of 8192 against 7.2 at rows
     * of 2048, and 6.3 to 6.6 with the bytes (8 KB a row), which cost 10% in cache
     * (Q8DotInterleaved, AVX-512). The same rows of 2048 against activations spread over 16 KB
     * (a scratch harness cycling four windows) ran as slowly, so the footprint, not the row length,
     * did it: between two reads of an activation the weights stream through the 32 KB L1.
     */
    static boolean readsBytes(int cols) {
        return cols > SHORT_ACTIVATIONS_MAX;
    }

    private static final VectorSpecies<Float> FLOATS = VectorSupport.FLOAT_SPECIES;
    private static final VectorSpecies<Integer> INTS = VectorSupport.INT_SPECIES;
    // As many short lanes as float lanes, for storing the quants.
    private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(Math.max(64, FLOATS.vectorBitSize() / 2)));
    private static final boolean VECTOR = VectorSupport.ENABLED && FLOATS.vectorBitSize() >= 128;

    byte[] qs = new byte[0];
    // The same quants widened to shorts once, so the kernels load them ready to multiply.
    short[] wide = new short[0];
    float[] d = new float[0];
    float[] sum = new float[0];
    // d of each 16 activations (each block's d twice): the scale a Q6_K sub-block of 16 weights meets.
    float[] halfD = new float[0];
    // Σ qs of each 16 activations, exact in float (at most 2032 in magnitude).
    float[] halfSum = new float[0];
    // -8 · (qs[j] + qs[j + 16]) for j = 0..15 of each block: 16 shorts a block.
    short[] nibbleBias = new short[0];
    // Σ qs of each block, exact.
    int[] blockSum = new int[0];
    // The quants in pairs, qs[2i] in the low and qs[2i + 1] in the high half of int i: the repacked
    // kernels (Q4_0RowGroups, Q4_KRowGroups) broadcast pair i to every int lane, which gives each row of
    // a group its two activations. They once read the pairs already repeated across a vector's lanes
    // (2 · lanes shorts a pair: 64 KB for a row of 2048 at 512 bits), one load folded into the multiply
    // instead of a broadcast; that array and the weights streaming from memory crowded each other out
    // of the caches, and one thread's Q4_0 kernel read 8.8 GB/s from memory against 19.7 with the
    // 4 KB of pairs (docs/PERFORMANCE.md).
    int[] pairs = new int[0];
    // The quants split by position within each chunk of PAIR_CHUNK (16 or 32): chunk c's even positions
    // in evenWide[c/2 ..], its odd ones in oddWide[c/2 ..]. A kernel that builds a chunk of quants in byte
    // lanes reads them as shorts, the even quant in each short's low byte and the odd one in its high
    // byte, and multiplies each half by these without moving a lane (Q6_KTensor).
    short[] evenWide = new short[0];
    short[] oddWide = new short[0];
    private static final int CHUNK = VectorSupport.PAIR_CHUNK;
    private static final VectorSpecies<Byte> CHUNK_BYTES = VectorSupport.PAIR_BYTE_SPECIES;
    // The quants as bytes, one lane per float lane, stored straight from the int lanes (reading them
    // back from the shorts just stored would wait for those stores to complete); null below 8 lanes,
    // where no byte shape is that narrow, and the bytes are copied from the shorts.
    private static final VectorSpecies<Byte> QUANT_BYTES = FLOATS.length() < 8 ? null
            : ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(FLOATS.vectorBitSize() / 4));
    private int length;
    private int forms;

    /** How many activations the last {@link #quantize} took. */
    public int length() {
        return length;
    }

    /** The forms (bits of {@link #ALL_FORMS}) the last {@link #quantize} filled. */
    public int forms() {
        return forms;
    }

    /** Quantizes {@code x[offset..offset + n)} into every form; {@code n} must be a multiple of {@value #BLOCK}. */
    public void quantize(float[] x, int offset, int n) {
        quantize(x, offset, n, ALL_FORMS);
    }

    /**
     * Quantizes {@code x[offset..offset + n)}, filling the quants, scales and sums and of the other
     * forms those in {@code forms} (bits of {@link #ALL_FORMS}); {@code n} must be a multiple of
     * {@value #BLOCK}.
     */
    public void quantize(float[] x, int offset, int n, int forms) {
        if ((forms & ~ALL_FORMS) != 0) {
            throw new IllegalArgumentException("unknown activation forms " + Integer.toBinaryString(forms));
        }
        if (n % BLOCK != 0) {
            throw new IllegalArgumentException("activations are quantized in blocks of " + BLOCK + ", got " + n);
        }
        java.util.Objects.checkFromIndexSize(offset, n, x.length);
        if (qs.length < n) {
            qs = new byte[n];
            wide = new short[n];
            d = new float[n / BLOCK];
            sum = new float[n / BLOCK];
            halfD = new float[n / 16];
            halfSum = new float[n / 16];
            nibbleBias = new short[n / 2];
            blockSum = new int[n / BLOCK];
            pairs = new int[n / 2];
            evenWide = new short[n / 2];
            oddWide = new short[n / 2];
        }
        length = n;
        this.forms = forms;
        if (VECTOR) {
            quantizeVector(x, offset, n / BLOCK, forms);
            return;
        }
        for (int b = 0; b < n / BLOCK; b++) {
            quantizeBlock(x, offset + b * BLOCK, b, forms);
        }
    }

    /**
     * The largest magnitude of {@code x[from..from + BLOCK)}. A non-negative float's bits order as an
     * int does, so the peak is an integer maximum of the bits with the sign cleared, one instruction
     * where a float maximum takes Java's rules for NaN and -0 (several blends on x86). A NaN still wins.
     */
    private static float peak(float[] x, int from) {
        IntVector peak = IntVector.zero(INTS);
        for (int k = 0; k < BLOCK; k += FLOATS.length()) {
            peak = peak.max(FloatVector.fromArray(FLOATS, x, from + k).reinterpretAsInts().and(0x7FFFFFFF));
        }
        return Float.intBitsToFloat(peak.reduceLanes(VectorOperators.MAX));
    }

    /** Activation {@code i} as the integer path sees it: {@code qs[i] · d}. */
    public float get(int i) {
        return qs[i] * d[i / BLOCK];
    }

    private void quantizeBlock(float[] x, int from, int b, int forms) {
        int at = b * BLOCK;
        float amax = 0f;
        for (int j = 0; j < BLOCK; j++) {
            amax = Math.max(amax, Math.abs(x[from + j]));
        }
        float scale = amax / 127f;
        float inverse = scale != 0f ? 1f / scale : 0f;
        int total = 0;
        for (int j = 0; j < BLOCK; j++) {
            // Half away from zero, as ggml's roundf (|v| <= 127).
            float v = x[from + j] * inverse;
            int q = v < 0f ? -Math.round(-v) : Math.round(v);
            qs[at + j] = (byte) q;
            wide[at + j] = (short) q;
            total += q;
        }
        d[b] = scale;
        halfD[2 * b] = scale;
        halfD[2 * b + 1] = scale;
        fillHalfSums(b);
        sum[b] = scale * total;
        blockSum[b] = total;
        if ((forms & NIBBLE_BIAS) != 0) {
            fillNibbleBias(b);
        }
        if ((forms & PAIRS) != 0) {
            fillPairs(b);
        }
        if ((forms & EVEN_ODD) != 0) {
            for (int j = at; j < at + BLOCK; j++) {
                int chunk = j / CHUNK * CHUNK;
                int position = j - chunk;
                (position % 2 == 0 ? evenWide : oddWide)[chunk / 2 + position / 2] = wide[j];
            }
        }
    }

    /**
     * The vector path, one pass per form over all blocks. Each pass is a short loop that C2 compiles
     * whole; as one method per block (about 700 bytes of bytecode) it stayed a call, and a block's
     * peak, division and rounding were one chain of latencies that the next block could not overlap.
     */
    private void quantizeVector(float[] x, int offset, int blocks, int forms) {
        for (int b = 0; b < blocks; b++) {
            d[b] = peak(x, offset + b * BLOCK) / 127f;
        }
        roundBlocks(x, offset, blocks);
        for (int b = 0; b < blocks; b++) {
            float scale = d[b];
            int total = (int) (halfSum[2 * b] + halfSum[2 * b + 1]);
            halfD[2 * b] = scale;
            halfD[2 * b + 1] = scale;
            sum[b] = scale * total;
            blockSum[b] = total;
        }
        int n = blocks * BLOCK;
        if ((forms & NIBBLE_BIAS) != 0) {
            for (int at = 0; at < n; at += BLOCK) {
                for (int j = 0; j < BLOCK / 2; j += SHORTS.length()) {
                    ShortVector.fromArray(SHORTS, wide, at + j).add(ShortVector.fromArray(SHORTS, wide, at + j + BLOCK / 2))
                            .mul((short) -8).intoArray(nibbleBias, at / 2 + j);
                }
            }
        }
        if ((forms & PAIRS) != 0) {
            // Two consecutive shorts are one little-endian int.
            for (int j = 0; j < n; j += SHORTS.length()) {
                ShortVector.fromArray(SHORTS, wide, j).reinterpretAsInts().intoArray(pairs, j / 2);
            }
        }
        if ((forms & EVEN_ODD) != 0) {
            // Each short of a chunk holds an even quant in its low byte and the next odd one in its high byte.
            for (int c = 0; c < n; c += CHUNK) {
                ShortVector both = ByteVector.fromArray(CHUNK_BYTES, qs, c).reinterpretAsShorts();
                both.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).intoArray(evenWide, c / 2);
                both.lanewise(VectorOperators.ASHR, 8).intoArray(oddWide, c / 2);
            }
        }
    }

    /**
     * The blocks' quants, rounded half away from zero as ggml's roundf, into {@link #wide} and
     * {@link #qs}, and the sums of each block's two halves (16 each, whole vectors at every width) into
     * {@link #halfSum}. Without Math.round and without masks: |v| = t + f with t its integer part (f
     * is exact), and f >= 0.5 exactly when f's bits (a positive float's bits order as ints) are at
     * least those of 0.5, which the sign bit of 0x3EFFFFFF - bits(f) tells. The sign goes back on as
     * (q ^ s) - s, s being -1 for a negative v and 0 otherwise.
     */
    private void roundBlocks(float[] x, int offset, int blocks) {
        for (int b = 0; b < blocks; b++) {
            int at = b * BLOCK;
            float scale = d[b];
            float inverse = scale != 0f ? 1f / scale : 0f;
            IntVector firstTotals = IntVector.zero(INTS);
            IntVector secondTotals = IntVector.zero(INTS);
            for (int k = 0; k < BLOCK; k += FLOATS.length()) {
                FloatVector v = FloatVector.fromArray(FLOATS, x, offset + at + k).mul(inverse);
                FloatVector magnitude = v.abs();
                IntVector whole = (IntVector) magnitude.convert(VectorOperators.F2I, 0);
                IntVector fraction = magnitude.sub((FloatVector) whole.convert(VectorOperators.I2F, 0)).reinterpretAsInts();
                IntVector up = IntVector.broadcast(INTS, 0x3EFFFFFF).sub(fraction).lanewise(VectorOperators.LSHR, 31);
                IntVector sign = v.reinterpretAsInts().lanewise(VectorOperators.ASHR, 31);
                IntVector q = whole.add(up).lanewise(VectorOperators.XOR, sign).sub(sign);
                if (k < BLOCK / 2) {
                    firstTotals = firstTotals.add(q);
                } else {
                    secondTotals = secondTotals.add(q);
                }
                ((ShortVector) q.convertShape(VectorOperators.I2S, SHORTS, 0)).intoArray(wide, at + k);
                if (QUANT_BYTES != null) {
                    ((ByteVector) q.convertShape(VectorOperators.I2B, QUANT_BYTES, 0)).intoArray(qs, at + k);
                }
            }
            halfSum[2 * b] = firstTotals.reduceLanes(VectorOperators.ADD);
            halfSum[2 * b + 1] = secondTotals.reduceLanes(VectorOperators.ADD);
        }
        if (QUANT_BYTES == null) {
            for (int j = 0; j < blocks * BLOCK; j++) {
                qs[j] = (byte) wide[j];
            }
        }
    }

    private void fillPairs(int b) {
        for (int i = b * (BLOCK / 2); i < (b + 1) * (BLOCK / 2); i++) {
            pairs[i] = (wide[2 * i] & 0xFFFF) | (wide[2 * i + 1] << 16);
        }
    }

    private void fillHalfSums(int b) {
        for (int half = 2 * b; half < 2 * b + 2; half++) {
            int total = 0;
            for (int j = 16 * half; j < 16 * half + 16; j++) {
                total += wide[j];
            }
            halfSum[half] = total;
        }
    }

    private void fillNibbleBias(int b) {
        int at = b * BLOCK;
        for (int j = 0; j < BLOCK / 2; j++) {
            nibbleBias[b * (BLOCK / 2) + j] = (short) (-8 * (qs[at + j] + qs[at + j + BLOCK / 2]));
        }
    }
}
