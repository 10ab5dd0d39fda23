package lucid.engine.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import lucid.engine.tensor.FloatTensor;
import lucid.engine.tensor.VectorSupport;

/**
 * The kernel behind {@link CpuBackend#matmulBatch}: {@code out (batch, rows) = x (batch, cols) . W^T},
 * with W (rows, cols) in any tensor type.
 *
 * <p>Decode-time matrix-vector products are bound by memory: every weight byte is streamed once per
 * token. Here a tile of {@link #ROW_TILE} weight rows is decoded once into F32 scratch (which stays
 * in L1/L2) and then dotted with every activation row, so a weight byte is read once per batch and
 * the work becomes arithmetic. The micro-kernel takes 4 weight rows by 2 activation rows: 6 vector
 * loads feed 8 independent FMA chains, enough to hide FMA latency without spilling registers; with
 * AVX-512's 32 registers, 4 by 4 (8 loads, 16 chains; see {@link #WIDE_TILE}).
 *
 * <p>{@link #reference} is the scalar definition the vector path is tested against.
 */
final class BatchMatmul {

    /** Weight rows decoded together: one unit of parallel work. */
    static final int ROW_TILE = 4;

    private static final VectorSpecies<Float> SPECIES = VectorSupport.FLOAT_SPECIES;

    /**
     * Whether the 4 x 4 micro-kernel runs: its 16 accumulators and 8 operands need 24 vector
     * registers, which AVX-512 has (32) and AVX2 (16) does not, where it would spill. 512-bit
     * vectors mean AVX-512 here; narrower ones keep the 4 x 2 kernel. {@code -Dlucid.tile=4x2} keeps
     * it everywhere, for measuring.
     */
    static final boolean WIDE_TILE = SPECIES.vectorBitSize() >= 512 && !"4x2".equals(System.getProperty("lucid.tile"));

    private BatchMatmul() {
    }

    /**
     * Scalar reference: each weight row decoded with {@link FloatTensor#dequantize}, each dot summed
     * in index order in float. Allocates its own row buffer (tests only).
     *
     * @param x   (batch, cols)
     * @param out (batch, rows)
     */
    static void reference(FloatTensor w, float[] x, float[] out, int batch, int rows, int cols) {
        float[] row = new float[cols]; // (cols) one decoded weight row
        for (int r = 0; r < rows; r++) {
            w.dequantize((long) r * cols, row, 0, cols);
            for (int b = 0; b < batch; b++) {
                out[b * rows + r] = dotScalar(row, 0, x, b * cols, cols);
            }
        }
    }

    /**
     * Rows {@code [r0, r0 + n)}, {@code n <= ROW_TILE}, for every activation row.
     *
     * @param scratch (>= ROW_TILE * cols) the decoded weight rows, one after another
     * @param vector  whether to take the Vector API path ({@link VectorSupport#ENABLED} in production)
     */
    static void rowTile(FloatTensor w, float[] x, float[] out, int batch, int rows, int cols, int r0, int n,
                        float[] scratch, boolean vector) {
        w.dequantize((long) r0 * cols, scratch, 0, n * cols);
        if (!vector) {
            for (int i = 0; i < n; i++) {
                for (int b = 0; b < batch; b++) {
                    out[b * rows + r0 + i] = dotScalar(scratch, i * cols, x, b * cols, cols);
                }
            }
            return;
        }
        if (n == ROW_TILE) {
            int b = 0;
            if (WIDE_TILE) {
                for (; b + 3 < batch; b += 4) {
                    dot4x4(scratch, cols, x, b * cols, cols, out, b * rows + r0, rows);
                }
            }
            for (; b + 1 < batch; b += 2) {
                dot4x2(scratch, cols, x, b * cols, (b + 1) * cols, out, b * rows + r0, (b + 1) * rows + r0);
            }
            if (b < batch) {
                for (int i = 0; i < n; i++) {
                    out[b * rows + r0 + i] = dotVector(scratch, i * cols, x, b * cols, cols);
                }
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            for (int b = 0; b < batch; b++) {
                out[b * rows + r0 + i] = dotVector(scratch, i * cols, x, b * cols, cols);
            }
        }
    }

    static float dotScalar(float[] w, int wOffset, float[] x, int xOffset, int n) {
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            sum += w[wOffset + i] * x[xOffset + i];
        }
        return sum;
    }

    /** One dot product, two accumulators; the tail in scalar code. */
    static float dotVector(float[] w, int wOffset, float[] x, int xOffset, int n) {
        int lanes = SPECIES.length();
        int upper = SPECIES.loopBound(n);
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = FloatVector.zero(SPECIES);
        int i = 0;
        for (; i + lanes < upper; i += 2 * lanes) {
            acc0 = FloatVector.fromArray(SPECIES, w, wOffset + i).fma(FloatVector.fromArray(SPECIES, x, xOffset + i), acc0);
            acc1 = FloatVector.fromArray(SPECIES, w, wOffset + i + lanes)
                    .fma(FloatVector.fromArray(SPECIES, x, xOffset + i + lanes), acc1);
        }
        for (; i < upper; i += lanes) {
            acc0 = FloatVector.fromArray(SPECIES, w, wOffset + i).fma(FloatVector.fromArray(SPECIES, x, xOffset + i), acc0);
        }
        float sum = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += w[wOffset + i] * x[xOffset + i];
        }
        return sum;
    }

    /**
     * Four weight rows (at 0, cols, 2 cols, 3 cols of {@code w}) against activation rows at
     * {@code x0} and {@code x1}; results go to {@code out[o0 .. o0 + 4)} and {@code out[o1 .. o1 + 4)}.
     */
    private static void dot4x2(float[] w, int cols, float[] x, int x0, int x1, float[] out, int o0, int o1) {
        int lanes = SPECIES.length();
        int upper = SPECIES.loopBound(cols);
        FloatVector a00 = FloatVector.zero(SPECIES);
        FloatVector a10 = FloatVector.zero(SPECIES);
        FloatVector a20 = FloatVector.zero(SPECIES);
        FloatVector a30 = FloatVector.zero(SPECIES);
        FloatVector a01 = FloatVector.zero(SPECIES);
        FloatVector a11 = FloatVector.zero(SPECIES);
        FloatVector a21 = FloatVector.zero(SPECIES);
        FloatVector a31 = FloatVector.zero(SPECIES);
        int w1 = cols;
        int w2 = 2 * cols;
        int w3 = 3 * cols;
        int i = 0;
        for (; i < upper; i += lanes) {
            FloatVector xa = FloatVector.fromArray(SPECIES, x, x0 + i);
            FloatVector xb = FloatVector.fromArray(SPECIES, x, x1 + i);
            FloatVector v0 = FloatVector.fromArray(SPECIES, w, i);
            a00 = v0.fma(xa, a00);
            a01 = v0.fma(xb, a01);
            FloatVector v1 = FloatVector.fromArray(SPECIES, w, w1 + i);
            a10 = v1.fma(xa, a10);
            a11 = v1.fma(xb, a11);
            FloatVector v2 = FloatVector.fromArray(SPECIES, w, w2 + i);
            a20 = v2.fma(xa, a20);
            a21 = v2.fma(xb, a21);
            FloatVector v3 = FloatVector.fromArray(SPECIES, w, w3 + i);
            a30 = v3.fma(xa, a30);
            a31 = v3.fma(xb, a31);
        }
        float s00 = a00.reduceLanes(VectorOperators.ADD);
        float s10 = a10.reduceLanes(VectorOperators.ADD);
        float s20 = a20.reduceLanes(VectorOperators.ADD);
        float s30 = a30.reduceLanes(VectorOperators.ADD);
        float s01 = a01.reduceLanes(VectorOperators.ADD);
        float s11 = a11.reduceLanes(VectorOperators.ADD);
        float s21 = a21.reduceLanes(VectorOperators.ADD);
        float s31 = a31.reduceLanes(VectorOperators.ADD);
        for (; i < cols; i++) {
            float xa = x[x0 + i];
            float xb = x[x1 + i];
            s00 += w[i] * xa;
            s01 += w[i] * xb;
            s10 += w[w1 + i] * xa;
            s11 += w[w1 + i] * xb;
            s20 += w[w2 + i] * xa;
            s21 += w[w2 + i] * xb;
            s30 += w[w3 + i] * xa;
            s31 += w[w3 + i] * xb;
        }
        out[o0] = s00;
        out[o0 + 1] = s10;
        out[o0 + 2] = s20;
        out[o0 + 3] = s30;
        out[o1] = s01;
        out[o1 + 1] = s11;
        out[o1 + 2] = s21;
        out[o1 + 3] = s31;
    }

    /**
     * Four weight rows (at 0, cols, 2 cols, 3 cols of {@code w}) against four activation rows
     * ({@code x0}, then every {@code xStride}); row {@code j}'s results go to
     * {@code out[o0 + j * oStride .. + 4)}. 8 vector loads feed 16 independent FMA chains, twice the
     * arithmetic per load of {@link #dot4x2}.
     */
    private static void dot4x4(float[] w, int cols, float[] x, int x0, int xStride, float[] out, int o0, int oStride) {
        int lanes = SPECIES.length();
        int upper = SPECIES.loopBound(cols);
        FloatVector a00 = FloatVector.zero(SPECIES), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int x1 = x0 + xStride;
        int x2 = x1 + xStride;
        int x3 = x2 + xStride;
        int w1 = cols;
        int w2 = 2 * cols;
        int w3 = 3 * cols;
        int i = 0;
        for (; i < upper; i += lanes) {
            FloatVector xa = FloatVector.fromArray(SPECIES, x, x0 + i);
            FloatVector xb = FloatVector.fromArray(SPECIES, x, x1 + i);
            FloatVector xc = FloatVector.fromArray(SPECIES, x, x2 + i);
            FloatVector xd = FloatVector.fromArray(SPECIES, x, x3 + i);
            FloatVector v = FloatVector.fromArray(SPECIES, w, i);
            a00 = v.fma(xa, a00);
            a01 = v.fma(xb, a01);
            a02 = v.fma(xc, a02);
            a03 = v.fma(xd, a03);
            v = FloatVector.fromArray(SPECIES, w, w1 + i);
            a10 = v.fma(xa, a10);
            a11 = v.fma(xb, a11);
            a12 = v.fma(xc, a12);
            a13 = v.fma(xd, a13);
            v = FloatVector.fromArray(SPECIES, w, w2 + i);
            a20 = v.fma(xa, a20);
            a21 = v.fma(xb, a21);
            a22 = v.fma(xc, a22);
            a23 = v.fma(xd, a23);
            v = FloatVector.fromArray(SPECIES, w, w3 + i);
            a30 = v.fma(xa, a30);
            a31 = v.fma(xb, a31);
            a32 = v.fma(xc, a32);
            a33 = v.fma(xd, a33);
        }
        int o1 = o0 + oStride;
        int o2 = o1 + oStride;
        int o3 = o2 + oStride;
        out[o0] = finish(a00, w, 0, x, x0, i, cols);
        out[o0 + 1] = finish(a10, w, w1, x, x0, i, cols);
        out[o0 + 2] = finish(a20, w, w2, x, x0, i, cols);
        out[o0 + 3] = finish(a30, w, w3, x, x0, i, cols);
        out[o1] = finish(a01, w, 0, x, x1, i, cols);
        out[o1 + 1] = finish(a11, w, w1, x, x1, i, cols);
        out[o1 + 2] = finish(a21, w, w2, x, x1, i, cols);
        out[o1 + 3] = finish(a31, w, w3, x, x1, i, cols);
        out[o2] = finish(a02, w, 0, x, x2, i, cols);
        out[o2 + 1] = finish(a12, w, w1, x, x2, i, cols);
        out[o2 + 2] = finish(a22, w, w2, x, x2, i, cols);
        out[o2 + 3] = finish(a32, w, w3, x, x2, i, cols);
        out[o3] = finish(a03, w, 0, x, x3, i, cols);
        out[o3 + 1] = finish(a13, w, w1, x, x3, i, cols);
        out[o3 + 2] = finish(a23, w, w2, x, x3, i, cols);
        out[o3 + 3] = finish(a33, w, w3, x, x3, i, cols);
    }

    /** An accumulator's lanes summed, plus the scalar tail {@code [from, cols)} of that dot product. */
    private static float finish(FloatVector acc, float[] w, int wo, float[] x, int xo, int from, int cols) {
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (int k = from; k < cols; k++) {
            sum += w[wo + k] * x[xo + k];
        }
        return sum;
    }
}
