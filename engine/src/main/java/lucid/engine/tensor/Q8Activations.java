package lucid.engine.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * An activation vector quantized to 8 bits in blocks of 32, as ggml's {@code quantize_row_q8_0}
 * does before an integer dot product: per block a float scale {@code d = max|x| / 127} and 32 int8
 * values {@code round(x / d)} (half away from zero), so {@code x[i] ≈ qs[i] · d[i / 32]}.
 *
 * <p>It also keeps each block's {@code d · Σ qs}, the term a weight type with a per-block minimum
 * multiplies by that minimum, and, when the length is a multiple of 256, the same activations with
 * one scale per 256 ({@link #getK}), the layout K-quant weights take. One instance is filled per matrix product and reused: it
 * grows to the longest vector seen and allocates nothing after that.
 *
 * <p>Not thread-safe while being filled; many threads may read it once {@link #quantize} returned.
 */
public final class Q8Activations {

    /** Activations per block. */
    public static final int BLOCK = 32;

    /** Activations per block of the super-block layout. */
    public static final int SUPER_BLOCK = 256;

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
    // The same activations with one scale per 256 (ggml's q8_K): quants, the scales, and the sum of
    // the quants of every 32. K-quant weights (Q4_K) sum their products in int across a whole block.
    short[] wideK = new short[0];
    float[] dk = new float[0];
    int[] sumK = new int[0];
    private boolean superBlocks;
    private int length;

    /** How many activations the last {@link #quantize} took. */
    public int length() {
        return length;
    }

    /** Quantizes {@code x[offset..offset + n)}; {@code n} must be a multiple of {@value #BLOCK}. */
    public void quantize(float[] x, int offset, int n) {
        if (n % BLOCK != 0) {
            throw new IllegalArgumentException("activations are quantized in blocks of " + BLOCK + ", got " + n);
        }
        java.util.Objects.checkFromIndexSize(offset, n, x.length);
        if (qs.length < n) {
            qs = new byte[n];
            wide = new short[n];
            d = new float[n / BLOCK];
            sum = new float[n / BLOCK];
            wideK = new short[n];
            dk = new float[n / SUPER_BLOCK];
            sumK = new int[n / BLOCK];
        }
        length = n;
        for (int b = 0; b < n / BLOCK; b++) {
            quantizeBlock(x, offset + b * BLOCK, b);
        }
        superBlocks = n % SUPER_BLOCK == 0;
        for (int b = 0; superBlocks && b < n / SUPER_BLOCK; b++) {
            quantizeSuperBlock(x, offset + b * SUPER_BLOCK, b);
        }
    }

    /** Activation {@code i} as the integer path sees it: {@code qs[i] · d}. */
    public float get(int i) {
        return qs[i] * d[i / BLOCK];
    }

    /**
     * Whether the last {@link #quantize} also filled the super-block layout (its length is a multiple
     * of {@value #SUPER_BLOCK}).
     */
    public boolean hasSuperBlocks() {
        return superBlocks;
    }

    /** Activation {@code i} in the super-block layout: {@code wideK[i] · dk[i / 256]}. */
    public float getK(int i) {
        return wideK[i] * dk[i / SUPER_BLOCK];
    }

    private void quantizeBlock(float[] x, int from, int b) {
        float scale = maxAbs(x, from, BLOCK) / 127f;
        int at = b * BLOCK;
        int total = round(x, from, scale != 0f ? 1f / scale : 0f, wide, at);
        for (int j = 0; j < BLOCK; j++) {
            qs[at + j] = (byte) wide[at + j];
        }
        d[b] = scale;
        sum[b] = scale * total;
    }

    /** One scale for 256 activations, as ggml's q8_K that its K-quant dot products take. */
    private void quantizeSuperBlock(float[] x, int from, int b) {
        float scale = maxAbs(x, from, SUPER_BLOCK) / 127f;
        float inverse = scale != 0f ? 1f / scale : 0f;
        int at = b * SUPER_BLOCK;
        for (int c = 0; c < SUPER_BLOCK / BLOCK; c++) {
            sumK[at / BLOCK + c] = round(x, from + c * BLOCK, inverse, wideK, at + c * BLOCK);
        }
        dk[b] = scale;
    }

    private static float maxAbs(float[] x, int from, int n) {
        float amax = 0f;
        if (VectorSupport.ENABLED) {
            for (int k = 0; k < n; k += FLOATS.length()) {
                amax = Math.max(amax, FloatVector.fromArray(FLOATS, x, from + k)
                        .lanewise(VectorOperators.ABS).reduceLanes(VectorOperators.MAX));
            }
        } else {
            for (int j = 0; j < n; j++) {
                amax = Math.max(amax, Math.abs(x[from + j]));
            }
        }
        return amax;
    }

    /**
     * {@code round(x[from + j] · inverse)} for {@code j < 32}, half away from zero as ggml's roundf,
     * into {@code dst[at + j]}; returns their sum.
     */
    private static int round(float[] x, int from, float inverse, short[] dst, int at) {
        int total = 0;
        if (VECTOR) {
            // Without Math.round: |v| = t + f with t its integer part (f is exact), rounded up when
            // f >= 0.5, then the sign put back.
            for (int k = 0; k < BLOCK; k += FLOATS.length()) {
                FloatVector v = FloatVector.fromArray(FLOATS, x, from + k).mul(inverse);
                FloatVector magnitude = v.abs();
                IntVector whole = (IntVector) magnitude.convert(VectorOperators.F2I, 0);
                VectorMask<Float> up = magnitude.sub((FloatVector) whole.convert(VectorOperators.I2F, 0))
                        .compare(VectorOperators.GE, 0.5f);
                IntVector q = whole.add(1, up.cast(INTS));
                q = q.lanewise(VectorOperators.NEG, v.compare(VectorOperators.LT, 0f).cast(INTS));
                total += q.reduceLanes(VectorOperators.ADD);
                ((ShortVector) q.convertShape(VectorOperators.I2S, SHORTS, 0)).intoArray(dst, at + k);
            }
            return total;
        }
        for (int j = 0; j < BLOCK; j++) {
            float v = x[from + j] * inverse;
            int q = v < 0f ? -Math.round(-v) : Math.round(v);
            dst[at + j] = (short) q;
            total += q;
        }
        return total;
    }
}
