package lucid.engine.backend.cpu;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import lucid.engine.tensor.FloatTensor;
import lucid.engine.tensor.Q8Activations;
import lucid.engine.tensor.Q8Panels;
import lucid.engine.tensor.VectorSupport;

/**
 * {@link BatchMatmul}'s products for the weight types with small quants ({@link FloatTensor#hasSmallQuants}:
 * Q4_0, Q4_1, Q4_K, Q5_0, Q5_1, Q5_K), in 16-bit integer lanes against the prompt's activations
 * rounded to 8 bits ({@link Q8Panels}), as a decode step's are. Panels and tiles are
 * {@link BatchMatmul}'s; the tokens after the last whole panel take its float dot kernels.
 */
final class SmallBatchMatmul {

    private static final VectorSpecies<Float> SPECIES = VectorSupport.FLOAT_SPECIES;
    private static final int PANEL = BatchMatmul.PANEL;

    private SmallBatchMatmul() {
    }

    /**
     * Whether prompts multiply the types with small quants ({@link FloatTensor#hasSmallQuants}) in
     * 16-bit integer lanes, against activations rounded to 8 bits as a decode step's are
     * ({@link Q8Panels}): {@link #outer3}. With AVX-512 only, where a 512-bit multiply of shorts
     * and an add do 32 multiply-adds against a float FMA's 16. {@code -Dlucid.small=off} keeps the
     * float kernels, for measuring.
     */
    static final boolean ENABLED = BatchMatmul.WIDE_TILE && !"off".equals(System.getProperty("lucid.small"));

    private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_PREFERRED.withShape(SPECIES.vectorShape());

    /** Tokens per short vector, the group {@link Q8Panels} interleaves: twice the float lanes. */
    static final int GROUP = SHORTS.length();

    private static final int BLOCK = Q8Activations.BLOCK;

    /** One thread's scratch for {@link #rowTile}: a tile's small quants, factors and offsets, a block's sums. */
    static final class Scratch {
        short[] q = new short[0];
        float[] scale = new float[0];
        float[] offsets = new float[0];
        // The short sums of one span for one row by a panel of tokens (outer1).
        final short[] block = new short[PANEL];

        void reserve(int cols) {
            if (q.length < BatchMatmul.ROW_TILE * cols) {
                q = new short[BatchMatmul.ROW_TILE * cols];
                scale = new float[BatchMatmul.ROW_TILE * cols / BLOCK];
                offsets = new float[BatchMatmul.ROW_TILE * cols / BLOCK];
            }
        }
    }

    /**
     * {@link BatchMatmul#rowTile} for a type with small quants against activations in {@link Q8Panels}
     * ({@link #ENABLED}): each whole panel of tokens by {@link #outer3}; tokens after the panels
     * by the float dot kernels, on the tile decoded again as floats.
     *
     * @param scratch (>= {@link BatchMatmul#scratchLength}) the panel's sums, and the float rows for the tokens after the panels
     */
    static void rowTile(FloatTensor w, float[] x, float[] out, int batch, int rows, int cols, int r0, int n,
                        float[] scratch, Scratch small, Q8Panels xq) {
        small.reserve(cols);
        w.decodeSmall((long) r0 * cols, small.q, 0, small.scale, small.offsets, 0, n * cols);
        boolean offsets = w.smallQuantsHaveOffsets();
        // Columns whose products a short can sum: 32 for |q| <= 8, 16 for |q| <= 16 (2032 each).
        int span = BLOCK * 8 / w.smallQuantsBound();
        int panels = BatchMatmul.panels(batch);
        int blocks = cols / BLOCK;
        int sums = n * cols;
        for (int p = 0; p < panels; p++) {
            int x0 = p * cols * PANEL;
            int d0 = p * blocks * PANEL;
            // Every row's sums start from the offsets' terms (written, not added), or from zero.
            if (offsets) {
                int i = 0;
                for (; i + 4 <= n; i += 4) {
                    BatchMatmul.outer4(small.offsets, i * blocks, blocks, xq.sums(), d0, scratch, sums + i * PANEL);
                }
                for (; i < n; i++) {
                    BatchMatmul.outer1(small.offsets, i * blocks, blocks, xq.sums(), d0, scratch, sums + i * PANEL);
                }
            } else {
                Arrays.fill(scratch, sums, sums + n * PANEL, 0f);
            }
            int i = 0;
            for (; i + 3 <= n; i += 3) {
                outer3(small.q, i * cols, cols, span, small.scale, i * blocks, xq, x0, d0, scratch, sums + i * PANEL);
            }
            for (; i < n; i++) {
                outer1(small.q, i * cols, cols, span, small.scale, i * blocks, xq, x0, d0, small.block, scratch,
                        sums + i * PANEL);
            }
            BatchMatmul.copyOut(scratch, sums, out, p, batch, rows, r0, n);
        }
        int b0 = Math.min(batch, panels * PANEL);
        if (b0 < batch) {
            w.dequantize((long) r0 * cols, scratch, 0, n * cols);
            BatchMatmul.dotTokens(scratch, x, out, b0, batch, rows, cols, r0, n);
        }
    }

    /**
     * Three rows of small quants (at {@code w0}, then every {@code cols}) against a panel of 8-bit
     * activations ({@link Q8Panels}, panel at {@code x0}) into {@code sums[to + i * PANEL + t]}: per
     * column, two vector loads of tokens and three broadcast weights feed six chains of a 16-bit
     * multiply and add. A block's 32 products fit in 16 bits (|q| <= 8, |a| <= 127: at most 32512), so
     * the shorts are scaled into 12 float accumulators once per block, or once per {@code span} of 16
     * columns for the 5-bit types (|q| <= 16). Read as ints, a lane's low 16 bits are a token of the
     * first float-width of a short vector's tokens and its high 16 bits the matching token of the
     * second ({@link Q8Panels#lane}): shifted left by 16, or masked, each is its sum times 2^16
     * exactly, so one instruction each gives floats in token order, and the factor takes the 2^-16.
     * Then {@code sum += q · factor · d}, from the sums already there: zeros, or the offsets' terms
     * ({@code offset · (d · Σ qs)}, which {@link BatchMatmul#outer4} computes first as a product of rows of
     * offsets by the panel's block sums).
     *
     * <p>All in one method, in registers, calling none of ours: the same scaling as a call per block
     * through a scratch array ran at 69 against 85 GMAC/s on one AVX-512 core (scratch harness), and a
     * call passing the vectors would box them. Three rows, not four: with four, the method sat at the
     * edge of C2's node budget for inlining, and in about one JVM in four (more without on-stack
     * replacement) the Vector API calls of its last row's scaling were left out of line and boxed
     * their vectors (JFR: every allocation on those four lines). Three rows take as many instructions
     * per multiply-add in the loop (17 for 192 against 22 for 256) and fewer registers.
     */
    private static void outer3(short[] w, int w0, int cols, int span, float[] scale, int f0,
                                    Q8Panels xq, int x0, int d0, float[] sums, int to) {
        int lanes = SHORTS.length();
        int fl = SPECIES.length();
        short[] x = xq.quants();
        float[] xd = xq.scales();
        int w1 = w0 + cols;
        int w2 = w1 + cols;
        int blocks = cols / BLOCK;
        // From the sums already there, always: a branch on whether there are offsets was compiled for
        // the type seen first, and the first Q4_K after Q4_0 then trapped (unstable_if) into a recompile.
        FloatVector s00 = FloatVector.fromArray(SPECIES, sums, to);
        FloatVector s01 = FloatVector.fromArray(SPECIES, sums, to + fl);
        FloatVector s02 = FloatVector.fromArray(SPECIES, sums, to + 2 * fl);
        FloatVector s03 = FloatVector.fromArray(SPECIES, sums, to + 3 * fl);
        FloatVector s10 = FloatVector.fromArray(SPECIES, sums, to + PANEL);
        FloatVector s11 = FloatVector.fromArray(SPECIES, sums, to + PANEL + fl);
        FloatVector s12 = FloatVector.fromArray(SPECIES, sums, to + PANEL + 2 * fl);
        FloatVector s13 = FloatVector.fromArray(SPECIES, sums, to + PANEL + 3 * fl);
        FloatVector s20 = FloatVector.fromArray(SPECIES, sums, to + 2 * PANEL);
        FloatVector s21 = FloatVector.fromArray(SPECIES, sums, to + 2 * PANEL + fl);
        FloatVector s22 = FloatVector.fromArray(SPECIES, sums, to + 2 * PANEL + 2 * fl);
        FloatVector s23 = FloatVector.fromArray(SPECIES, sums, to + 2 * PANEL + 3 * fl);
        for (int start = 0; start < cols; start += span) {
            int b = start / BLOCK;
            ShortVector a0 = ShortVector.zero(SHORTS), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0;
            for (int k = start; k < start + span; k++) {
                int at = x0 + k * PANEL;
                ShortVector xa = ShortVector.fromArray(SHORTS, x, at);
                ShortVector xb = ShortVector.fromArray(SHORTS, x, at + lanes);
                ShortVector v = ShortVector.broadcast(SHORTS, w[w0 + k]);
                a0 = v.mul(xa).add(a0);
                b0 = v.mul(xb).add(b0);
                v = ShortVector.broadcast(SHORTS, w[w1 + k]);
                a1 = v.mul(xa).add(a1);
                b1 = v.mul(xb).add(b1);
                v = ShortVector.broadcast(SHORTS, w[w2 + k]);
                a2 = v.mul(xa).add(a2);
                b2 = v.mul(xb).add(b2);
            }
            int d = d0 + b * PANEL;
            FloatVector e0 = FloatVector.fromArray(SPECIES, xd, d);
            FloatVector e1 = FloatVector.fromArray(SPECIES, xd, d + fl);
            FloatVector e2 = FloatVector.fromArray(SPECIES, xd, d + 2 * fl);
            FloatVector e3 = FloatVector.fromArray(SPECIES, xd, d + 3 * fl);
            int f = f0 + b;
            float c = scale[f] * 0x1p-16f;
            IntVector p = a0.reinterpretAsInts();
            IntVector q = b0.reinterpretAsInts();
            s00 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).convert(VectorOperators.I2F, 0)).mul(c).fma(e0, s00);
            s01 = ((FloatVector) p.and(0xFFFF0000).convert(VectorOperators.I2F, 0)).mul(c).fma(e1, s01);
            s02 = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).convert(VectorOperators.I2F, 0)).mul(c).fma(e2, s02);
            s03 = ((FloatVector) q.and(0xFFFF0000).convert(VectorOperators.I2F, 0)).mul(c).fma(e3, s03);
            c = scale[f + blocks] * 0x1p-16f;
            p = a1.reinterpretAsInts();
            q = b1.reinterpretAsInts();
            s10 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).convert(VectorOperators.I2F, 0)).mul(c).fma(e0, s10);
            s11 = ((FloatVector) p.and(0xFFFF0000).convert(VectorOperators.I2F, 0)).mul(c).fma(e1, s11);
            s12 = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).convert(VectorOperators.I2F, 0)).mul(c).fma(e2, s12);
            s13 = ((FloatVector) q.and(0xFFFF0000).convert(VectorOperators.I2F, 0)).mul(c).fma(e3, s13);
            c = scale[f + 2 * blocks] * 0x1p-16f;
            p = a2.reinterpretAsInts();
            q = b2.reinterpretAsInts();
            s20 = ((FloatVector) p.lanewise(VectorOperators.LSHL, 16).convert(VectorOperators.I2F, 0)).mul(c).fma(e0, s20);
            s21 = ((FloatVector) p.and(0xFFFF0000).convert(VectorOperators.I2F, 0)).mul(c).fma(e1, s21);
            s22 = ((FloatVector) q.lanewise(VectorOperators.LSHL, 16).convert(VectorOperators.I2F, 0)).mul(c).fma(e2, s22);
            s23 = ((FloatVector) q.and(0xFFFF0000).convert(VectorOperators.I2F, 0)).mul(c).fma(e3, s23);
        }
        // Stored here, not through store(): past C2's node budget for inlining, that call would box them.
        s00.intoArray(sums, to);
        s01.intoArray(sums, to + fl);
        s02.intoArray(sums, to + 2 * fl);
        s03.intoArray(sums, to + 3 * fl);
        s10.intoArray(sums, to + PANEL);
        s11.intoArray(sums, to + PANEL + fl);
        s12.intoArray(sums, to + PANEL + 2 * fl);
        s13.intoArray(sums, to + PANEL + 3 * fl);
        s20.intoArray(sums, to + 2 * PANEL);
        s21.intoArray(sums, to + 2 * PANEL + fl);
        s22.intoArray(sums, to + 2 * PANEL + 2 * fl);
        s23.intoArray(sums, to + 2 * PANEL + 3 * fl);
    }

    /** {@link #outer3} for one row. */
    private static void outer1(short[] w, int w0, int cols, int span, float[] scale, int f0,
                                    Q8Panels xq, int x0, int d0, short[] block, float[] sums, int to) {
        int lanes = SHORTS.length();
        short[] x = xq.quants();
        int blocks = cols / BLOCK;
        for (int start = 0; start < cols; start += span) {
            int b = start / BLOCK;
            ShortVector a = ShortVector.zero(SHORTS), c = a;
            for (int k = start; k < start + span; k++) {
                int at = x0 + k * PANEL;
                ShortVector v = ShortVector.broadcast(SHORTS, w[w0 + k]);
                a = v.mul(ShortVector.fromArray(SHORTS, x, at)).add(a);
                c = v.mul(ShortVector.fromArray(SHORTS, x, at + lanes)).add(c);
            }
            a.intoArray(block, 0);
            c.intoArray(block, lanes);
            scaleSmall(block, scale, f0 + b, xq, d0 + b * PANEL, sums, to);
        }
    }

    /**
     * One span's 16-bit sums of one row ({@code block[h * lanes..)}: half {@code h} of the panel,
     * tokens interleaved as {@link Q8Panels#lane} lays them out) added into the float sums:
     * {@code sums += q · factor · d}. It takes arrays only, no vectors: called with vectors and not
     * inlined, C2 would box them.
     */
    private static void scaleSmall(short[] block, float[] scale, int f, Q8Panels xq, int d0, float[] sums, int to) {
        int lanes = SPECIES.length();
        float[] xd = xq.scales();
        float factor = scale[f] * 0x1p-16f;
        for (int h = 0; h < PANEL / GROUP; h++) {
            IntVector pairs = ShortVector.fromArray(SHORTS, block, h * GROUP).reinterpretAsInts();
            FloatVector low = (FloatVector) pairs.lanewise(VectorOperators.LSHL, 16).convert(VectorOperators.I2F, 0);
            FloatVector high = (FloatVector) pairs.and(0xFFFF0000).convert(VectorOperators.I2F, 0);
            int t = h * GROUP;
            int at = to + t;
            low.mul(factor).fma(FloatVector.fromArray(SPECIES, xd, d0 + t), FloatVector.fromArray(SPECIES, sums, at))
                    .intoArray(sums, at);
            high.mul(factor).fma(FloatVector.fromArray(SPECIES, xd, d0 + t + lanes), FloatVector.fromArray(SPECIES, sums, at + lanes))
                    .intoArray(sums, at + lanes);
        }
    }
}
