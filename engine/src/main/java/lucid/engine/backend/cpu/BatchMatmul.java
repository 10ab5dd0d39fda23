package lucid.engine.backend.cpu;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import lucid.engine.tensor.FloatTensor;
import lucid.engine.tensor.VectorSupport;

/**
 * The kernel behind {@link CpuBackend#matmulBatch}: {@code out (batch, rows) = x (batch, cols) . W^T},
 * with W (rows, cols) in any tensor type.
 *
 * <p>Decode-time matrix-vector products are bound by memory: every weight byte is streamed once per
 * token. Here a tile of up to {@link #ROW_TILE} weight rows is decoded once into F32 scratch (which
 * stays in L2) and then multiplied with every activation row, so a weight byte is read once per batch
 * and the work becomes arithmetic. Two micro-kernels do it:
 * <ul>
 *   <li>Outer products ({@link #OUTER}, 512 and 256 bits): the activations are transposed once per
 *       product into panels of {@link #PANEL} tokens; for each column, four decoded weights are
 *       broadcast against the panel's four vectors of tokens (with AVX2's 16 registers, six weights
 *       against two vectors), 16 (12) accumulators that each hold one weight row's sums for a vector
 *       of tokens. No horizontal sums, and the panel streams through the cache once per four (six)
 *       weight rows.</li>
 *   <li>Dot products, for the few tokens left over after the panels ({@link #PAD_FROM}) and on
 *       narrower vectors: 4 weight rows by 2 activation rows, 6 vector loads feeding 8 independent
 *       FMA chains (enough to hide FMA latency without spilling AVX2's 16 registers); with AVX-512's
 *       32 registers, 4 by 4 (8 loads, 16 chains; see {@link #WIDE_TILE}).</li>
 * </ul>
 *
 * <p>{@link #reference} is the scalar definition the vector path is tested against.
 */
final class BatchMatmul {

    /** Most weight rows decoded together (one unit of parallel work); see {@link #tileRows}. */
    static final int ROW_TILE = 24;

    private static final VectorSpecies<Float> SPECIES = VectorSupport.FLOAT_SPECIES;

    /**
     * Whether the 4 x 4 micro-kernel runs: its 16 accumulators and 8 operands need 24 vector
     * registers, which AVX-512 has (32) and AVX2 (16) does not, where it would spill. 512-bit
     * vectors mean AVX-512 here; narrower ones keep the 4 x 2 kernel. {@code -Dlucid.tile=4x2} keeps
     * it everywhere, for measuring.
     */
    static final boolean WIDE_TILE = SPECIES.vectorBitSize() >= 512 && !"4x2".equals(System.getProperty("lucid.tile"));

    /**
     * Whether whole panels of tokens take the outer-product kernels: {@link #outer4} at 512 bits,
     * {@link #outer6} at 256 (16 accumulators and 5 operands would spill AVX2's 16 registers; 12 and 3
     * do not). Narrower vectors keep the dot kernels. {@code -Dlucid.outer=off} keeps the dot kernels
     * everywhere, for measuring.
     */
    static final boolean OUTER = (WIDE_TILE || SPECIES.vectorBitSize() == 256)
            && !"off".equals(System.getProperty("lucid.outer"));

    /** Vectors of tokens in a transposed panel: four for {@link #outer4}, two for {@link #outer6}. */
    static final int PANEL_VECTORS = WIDE_TILE ? 4 : 2;

    /** Tokens per transposed panel. */
    static final int PANEL = PANEL_VECTORS * SPECIES.length();

    /** Weight rows per call of the outer-product kernel: {@link #outer4} or {@link #outer6}. */
    static final int OUTER_ROWS = WIDE_TILE ? 4 : 6;

    private BatchMatmul() {
    }

    /**
     * Panels of {@code batch} activation rows for the outer-product kernel: the whole ones, and a last
     * one padded with zeros when at least {@link #PAD_FROM} tokens are left over; the tokens of no
     * panel go to the dot kernels.
     */
    static int panels(int batch) {
        if (!OUTER) {
            return 0;
        }
        return batch / PANEL + (batch % PANEL >= PAD_FROM ? 1 : 0);
    }

    /**
     * Tokens left over after the whole panels from which they take a padded panel of their own: five
     * eighths of a panel. With AVX2 (panels of 16) and 1B Q4_K prompts of 16 + L tokens, the dot kernels
     * were faster up to L = 6, level at 8, and slower from 11 (`bench -p 16+L -n 2`, pp 53 against 62
     * tok/s at L = 11, 53 against 72 at 15). {@code -Dlucid.padFrom=N} sets it, for measuring.
     */
    static final int PAD_FROM = Integer.getInteger("lucid.padFrom", PANEL * 5 / 8);

    /**
     * Rows per tile for a product of {@code rows} on {@code threads} threads: {@link #ROW_TILE}, or
     * fewer so that every thread gets about four tiles: a multiple of {@link #OUTER_ROWS} where that
     * leaves at least one, else a multiple of 4 (at least 4), as the dot kernels take rows by fours.
     */
    static int tileRows(int rows, int threads) {
        int even = rows / (4 * threads);
        if (OUTER && even >= OUTER_ROWS) {
            return Math.min(ROW_TILE, even / OUTER_ROWS * OUTER_ROWS);
        }
        return Math.max(4, Math.min(ROW_TILE, even / 4 * 4));
    }

    /** Floats of scratch {@link #rowTile} needs: the decoded rows, then a panel's sums for each. */
    static int scratchLength(int cols) {
        return ROW_TILE * cols + ROW_TILE * PANEL;
    }

    /** Length of {@link #transpose}'s output for {@code batch} activation rows of {@code cols}. */
    static int transposedLength(int batch, int cols) {
        return panels(batch) * PANEL * cols;
    }

    /**
     * Panel {@code p} of {@code x (batch, cols)} into {@code xT}: {@code xT[(p * cols + k) * PANEL + t]
     * = x[(p * PANEL + t) * cols + k]}, and 0 for the tokens past {@code batch} of a padded last panel.
     */
    static void transpose(float[] x, int batch, int cols, int p, float[] xT) {
        int base = p * cols * PANEL;
        int tokens = Math.min(PANEL, batch - p * PANEL);
        if (tokens < PANEL) {
            Arrays.fill(xT, base, base + cols * PANEL, 0f);
        }
        // A band of columns at a time: its PANEL-float rows of xT (4 KB, or 16 KB at 512 bits) stay in
        // L1 while every token writes its lane of them. Whole rows at once, each written one float per
        // token, left the lines for cols of 576 or more to fall out of L1 between a token and the next.
        for (int k0 = 0; k0 < cols; k0 += TRANSPOSE_BAND) {
            int k1 = Math.min(cols, k0 + TRANSPOSE_BAND);
            for (int t = 0; t < tokens; t++) {
                int from = (p * PANEL + t) * cols;
                for (int k = k0; k < k1; k++) {
                    xT[base + k * PANEL + t] = x[from + k];
                }
            }
        }
    }

    /** Columns per band of {@link #transpose}. */
    private static final int TRANSPOSE_BAND = 64;

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
     * @param scratch (>= {@link #scratchLength}) the decoded weight rows, one after another
     * @param vector  whether to take the Vector API path ({@link VectorSupport#ENABLED} in production)
     * @param xT      {@code x} as {@link #transpose} writes it, every whole panel ({@link #panels})
     */
    static void rowTile(FloatTensor w, float[] x, float[] out, int batch, int rows, int cols, int r0, int n,
                        float[] scratch, boolean vector, float[] xT) {
        w.dequantize((long) r0 * cols, scratch, 0, n * cols);
        if (!vector) {
            for (int i = 0; i < n; i++) {
                for (int b = 0; b < batch; b++) {
                    out[b * rows + r0 + i] = dotScalar(scratch, i * cols, x, b * cols, cols);
                }
            }
            return;
        }
        int panels = panels(batch);
        // The tile's sums for a panel gather after the decoded rows, row by row, then go to out token by
        // token: written straight into out's columns, every store would land rows * 4 bytes from the
        // last, one L1 set for all of them.
        int sums = n * cols;
        for (int p = 0; p < panels; p++) {
            int i = 0;
            if (WIDE_TILE) {
                for (; i + 4 <= n; i += 4) {
                    outer4(scratch, i * cols, cols, xT, p * cols * PANEL, scratch, sums + i * PANEL);
                }
            } else {
                for (; i + 6 <= n; i += 6) {
                    outer6(scratch, i * cols, cols, xT, p * cols * PANEL, scratch, sums + i * PANEL);
                }
            }
            for (; i < n; i++) {
                outer1(scratch, i * cols, cols, xT, p * cols * PANEL, scratch, sums + i * PANEL);
            }
            copyOut(scratch, sums, out, p, batch, rows, r0, n);
        }
        dotTokens(scratch, x, out, Math.min(batch, panels * PANEL), batch, rows, cols, r0, n);
    }

    /** A panel's sums of a tile of {@code n} rows ({@code sums[from + i * PANEL + t]}) to {@code out}. */
    static void copyOut(float[] sums, int from, float[] out, int p, int batch, int rows, int r0, int n) {
        int tokens = Math.min(PANEL, batch - p * PANEL);
        int copied = 0;
        if (TRANSPOSE_EIGHT && tokens == PANEL) {
            for (; copied + 8 <= n; copied += 8) {
                for (int t0 = 0; t0 < PANEL; t0 += 8) {
                    transposeEight(sums, from + copied * PANEL + t0, out, (p * PANEL + t0) * rows + r0 + copied, rows);
                }
            }
        }
        for (int t = 0; t < tokens; t++) {
            int o = (p * PANEL + t) * rows + r0;
            for (int i = copied; i < n; i++) {
                out[o + i] = sums[from + i * PANEL + t];
            }
        }
    }

    /**
     * Tokens {@code [b0, batch)} by dot products against the tile's decoded rows ({@code w[i * cols..)}):
     * four weight rows at a time against four (or two) activation rows, so the activation rows stay
     * in L1/L2 while every quad of the tile's decoded rows passes over them.
     */
    static void dotTokens(float[] w, float[] x, float[] out, int b0, int batch, int rows, int cols, int r0, int n) {
        int quads = n / 4 * 4;
        int b = b0;
        if (WIDE_TILE) {
            for (; b + 3 < batch; b += 4) {
                for (int q = 0; q < quads; q += 4) {
                    dot4x4(w, q * cols, cols, x, b * cols, cols, out, b * rows + r0 + q, rows);
                }
            }
        }
        for (; b + 1 < batch; b += 2) {
            for (int q = 0; q < quads; q += 4) {
                dot4x2(w, q * cols, cols, x, b * cols, (b + 1) * cols, out, b * rows + r0 + q, (b + 1) * rows + r0 + q);
            }
        }
        if (b < batch) {
            for (int i = 0; i < quads; i++) {
                out[b * rows + r0 + i] = dotVector(w, i * cols, x, b * cols, cols);
            }
        }
        for (int i = quads; i < n; i++) {
            for (b = b0; b < batch; b++) {
                out[b * rows + r0 + i] = dotVector(w, i * cols, x, b * cols, cols);
            }
        }
    }

    /** Whether float vectors have 8 lanes, so that {@link #transposeEight} applies. */
    private static final boolean TRANSPOSE_EIGHT = SPECIES.length() == 8 && !Boolean.getBoolean("lucid.scalarCopyOut");
    private static final VectorShuffle<Float> SWAP1 = VectorShuffle.fromOp(SPECIES, i -> i ^ 1);
    private static final VectorShuffle<Float> SWAP2 = VectorShuffle.fromOp(SPECIES, i -> i ^ 2);
    private static final VectorShuffle<Float> SWAP4 = VectorShuffle.fromOp(SPECIES, i -> i ^ 4);
    private static final VectorMask<Float> ODD1 = VectorMask.fromLong(SPECIES, 0b1010_1010);
    private static final VectorMask<Float> ODD2 = VectorMask.fromLong(SPECIES, 0b1100_1100);
    private static final VectorMask<Float> ODD4 = VectorMask.fromLong(SPECIES, 0b1111_0000);

    /**
     * Eight rows of a tile's sums ({@code sums[from + r * PANEL + t]}, eight tokens each) to
     * {@code out[to + t * rows + r]}: eight loads, an 8 × 8 transpose in registers, eight stores of
     * eight rows each. Each of the three steps exchanges one bit of the row index with the same bit of
     * the lane index: the lanes of row {@code r} whose bit is set swap with the lanes of row
     * {@code r + s} whose bit is clear, by a permute and a blend. Copying the sums one float at a
     * time took 8% of smollm-135m's prompt time.
     */
    private static void transposeEight(float[] sums, int from, float[] out, int to, int rows) {
        FloatVector v0 = FloatVector.fromArray(SPECIES, sums, from);
        FloatVector v1 = FloatVector.fromArray(SPECIES, sums, from + PANEL);
        FloatVector v2 = FloatVector.fromArray(SPECIES, sums, from + 2 * PANEL);
        FloatVector v3 = FloatVector.fromArray(SPECIES, sums, from + 3 * PANEL);
        FloatVector v4 = FloatVector.fromArray(SPECIES, sums, from + 4 * PANEL);
        FloatVector v5 = FloatVector.fromArray(SPECIES, sums, from + 5 * PANEL);
        FloatVector v6 = FloatVector.fromArray(SPECIES, sums, from + 6 * PANEL);
        FloatVector v7 = FloatVector.fromArray(SPECIES, sums, from + 7 * PANEL);
        // Bit 0: rows 0/1, 2/3, 4/5, 6/7.
        FloatVector a0 = v0.blend(v1.rearrange(SWAP1), ODD1);
        FloatVector a1 = v0.rearrange(SWAP1).blend(v1, ODD1);
        FloatVector a2 = v2.blend(v3.rearrange(SWAP1), ODD1);
        FloatVector a3 = v2.rearrange(SWAP1).blend(v3, ODD1);
        FloatVector a4 = v4.blend(v5.rearrange(SWAP1), ODD1);
        FloatVector a5 = v4.rearrange(SWAP1).blend(v5, ODD1);
        FloatVector a6 = v6.blend(v7.rearrange(SWAP1), ODD1);
        FloatVector a7 = v6.rearrange(SWAP1).blend(v7, ODD1);
        // Bit 1: rows 0/2, 1/3, 4/6, 5/7.
        FloatVector b0 = a0.blend(a2.rearrange(SWAP2), ODD2);
        FloatVector b2 = a0.rearrange(SWAP2).blend(a2, ODD2);
        FloatVector b1 = a1.blend(a3.rearrange(SWAP2), ODD2);
        FloatVector b3 = a1.rearrange(SWAP2).blend(a3, ODD2);
        FloatVector b4 = a4.blend(a6.rearrange(SWAP2), ODD2);
        FloatVector b6 = a4.rearrange(SWAP2).blend(a6, ODD2);
        FloatVector b5 = a5.blend(a7.rearrange(SWAP2), ODD2);
        FloatVector b7 = a5.rearrange(SWAP2).blend(a7, ODD2);
        // Bit 2: rows 0/4, 1/5, 2/6, 3/7; row t now holds token t's eight sums.
        b0.blend(b4.rearrange(SWAP4), ODD4).intoArray(out, to);
        b1.blend(b5.rearrange(SWAP4), ODD4).intoArray(out, to + rows);
        b2.blend(b6.rearrange(SWAP4), ODD4).intoArray(out, to + 2 * rows);
        b3.blend(b7.rearrange(SWAP4), ODD4).intoArray(out, to + 3 * rows);
        b0.rearrange(SWAP4).blend(b4, ODD4).intoArray(out, to + 4 * rows);
        b1.rearrange(SWAP4).blend(b5, ODD4).intoArray(out, to + 5 * rows);
        b2.rearrange(SWAP4).blend(b6, ODD4).intoArray(out, to + 6 * rows);
        b3.rearrange(SWAP4).blend(b7, ODD4).intoArray(out, to + 7 * rows);
    }

    /**
     * Four decoded weight rows (at {@code w0}, then every {@code cols}) against one panel of transposed
     * activations at {@code x0}: per column, four vector loads and four broadcasts feed 16 independent
     * FMA chains (more accumulators make C2 keep vectors in objects, several times slower). Row {@code i}'s
     * sums for the panel's tokens go to {@code sums[to + i * PANEL..)}, token by token.
     */
    static void outer4(float[] w, int w0, int cols, float[] xT, int x0, float[] sums, int to) {
        int lanes = SPECIES.length();
        FloatVector a0 = FloatVector.zero(SPECIES), b0 = a0, c0 = a0, d0 = a0;
        FloatVector a1 = a0, b1 = a0, c1 = a0, d1 = a0;
        FloatVector a2 = a0, b2 = a0, c2 = a0, d2 = a0;
        FloatVector a3 = a0, b3 = a0, c3 = a0, d3 = a0;
        int w1 = w0 + cols;
        int w2 = w1 + cols;
        int w3 = w2 + cols;
        for (int k = 0; k < cols; k++) {
            int at = x0 + k * PANEL;
            FloatVector xa = FloatVector.fromArray(SPECIES, xT, at);
            FloatVector xb = FloatVector.fromArray(SPECIES, xT, at + lanes);
            FloatVector xc = FloatVector.fromArray(SPECIES, xT, at + 2 * lanes);
            FloatVector xd = FloatVector.fromArray(SPECIES, xT, at + 3 * lanes);
            FloatVector v = FloatVector.broadcast(SPECIES, w[w0 + k]);
            a0 = v.fma(xa, a0);
            b0 = v.fma(xb, b0);
            c0 = v.fma(xc, c0);
            d0 = v.fma(xd, d0);
            v = FloatVector.broadcast(SPECIES, w[w1 + k]);
            a1 = v.fma(xa, a1);
            b1 = v.fma(xb, b1);
            c1 = v.fma(xc, c1);
            d1 = v.fma(xd, d1);
            v = FloatVector.broadcast(SPECIES, w[w2 + k]);
            a2 = v.fma(xa, a2);
            b2 = v.fma(xb, b2);
            c2 = v.fma(xc, c2);
            d2 = v.fma(xd, d2);
            v = FloatVector.broadcast(SPECIES, w[w3 + k]);
            a3 = v.fma(xa, a3);
            b3 = v.fma(xb, b3);
            c3 = v.fma(xc, c3);
            d3 = v.fma(xd, d3);
        }
        store(a0, b0, c0, d0, sums, to);
        store(a1, b1, c1, d1, sums, to + PANEL);
        store(a2, b2, c2, d2, sums, to + 2 * PANEL);
        store(a3, b3, c3, d3, sums, to + 3 * PANEL);
    }

    /**
     * {@link #outer4} for six weight rows against a panel of two vectors of tokens, where vectors are
     * 256 bits wide and there are 16 vector registers (AVX2): 12 accumulators, 2 loads and a broadcast
     * fit them. Per column it reads 2 vectors of tokens and 6 weights for 12 FMAs. Taller than wide
     * because a weight's broadcast costs a register and a load once per row, a vector of tokens once
     * per column: in cache on a Zen 3 core (one thread) six rows by two vectors ran at 96 to 97 GFLOP/s,
     * against 67 to 70 for two rows by four vectors (8 FMA chains, too few to cover the FMA latency
     * whenever a load is late), 86 for four by two and 78 to 80 for three by three; four by three and
     * three by four (12 accumulators but 16 and 17 registers) spilled, at 23 and 43.
     */
    private static void outer6(float[] w, int w0, int cols, float[] xT, int x0, float[] sums, int to) {
        int lanes = SPECIES.length();
        FloatVector a0 = FloatVector.zero(SPECIES), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0;
        FloatVector a3 = a0, b3 = a0, a4 = a0, b4 = a0, a5 = a0, b5 = a0;
        int w1 = w0 + cols;
        int w2 = w1 + cols;
        int w3 = w2 + cols;
        int w4 = w3 + cols;
        int w5 = w4 + cols;
        for (int k = 0; k < cols; k++) {
            int at = x0 + k * PANEL;
            FloatVector xa = FloatVector.fromArray(SPECIES, xT, at);
            FloatVector xb = FloatVector.fromArray(SPECIES, xT, at + lanes);
            FloatVector v = FloatVector.broadcast(SPECIES, w[w0 + k]);
            a0 = v.fma(xa, a0);
            b0 = v.fma(xb, b0);
            v = FloatVector.broadcast(SPECIES, w[w1 + k]);
            a1 = v.fma(xa, a1);
            b1 = v.fma(xb, b1);
            v = FloatVector.broadcast(SPECIES, w[w2 + k]);
            a2 = v.fma(xa, a2);
            b2 = v.fma(xb, b2);
            v = FloatVector.broadcast(SPECIES, w[w3 + k]);
            a3 = v.fma(xa, a3);
            b3 = v.fma(xb, b3);
            v = FloatVector.broadcast(SPECIES, w[w4 + k]);
            a4 = v.fma(xa, a4);
            b4 = v.fma(xb, b4);
            v = FloatVector.broadcast(SPECIES, w[w5 + k]);
            a5 = v.fma(xa, a5);
            b5 = v.fma(xb, b5);
        }
        a0.intoArray(sums, to);
        b0.intoArray(sums, to + lanes);
        a1.intoArray(sums, to + PANEL);
        b1.intoArray(sums, to + PANEL + lanes);
        a2.intoArray(sums, to + 2 * PANEL);
        b2.intoArray(sums, to + 2 * PANEL + lanes);
        a3.intoArray(sums, to + 3 * PANEL);
        b3.intoArray(sums, to + 3 * PANEL + lanes);
        a4.intoArray(sums, to + 4 * PANEL);
        b4.intoArray(sums, to + 4 * PANEL + lanes);
        a5.intoArray(sums, to + 5 * PANEL);
        b5.intoArray(sums, to + 5 * PANEL + lanes);
    }

    /**
     * {@link #outer4} for one weight row: each pair of the panel's vectors of tokens in four FMA chains
     * (even and odd columns apart), so that a panel of two vectors still keeps four chains going.
     */
    static void outer1(float[] w, int w0, int cols, float[] xT, int x0, float[] sums, int to) {
        int lanes = SPECIES.length();
        for (int part = 0; part < PANEL_VECTORS; part += 2) {
            FloatVector a = FloatVector.zero(SPECIES), b = a, c = a, d = a;
            int k = 0;
            for (; k + 1 < cols; k += 2) {
                int at = x0 + k * PANEL + part * lanes;
                FloatVector v = FloatVector.broadcast(SPECIES, w[w0 + k]);
                a = v.fma(FloatVector.fromArray(SPECIES, xT, at), a);
                b = v.fma(FloatVector.fromArray(SPECIES, xT, at + lanes), b);
                v = FloatVector.broadcast(SPECIES, w[w0 + k + 1]);
                c = v.fma(FloatVector.fromArray(SPECIES, xT, at + PANEL), c);
                d = v.fma(FloatVector.fromArray(SPECIES, xT, at + PANEL + lanes), d);
            }
            if (k < cols) {
                int at = x0 + k * PANEL + part * lanes;
                FloatVector v = FloatVector.broadcast(SPECIES, w[w0 + k]);
                a = v.fma(FloatVector.fromArray(SPECIES, xT, at), a);
                b = v.fma(FloatVector.fromArray(SPECIES, xT, at + lanes), b);
            }
            a.add(c).intoArray(sums, to + part * lanes);
            b.add(d).intoArray(sums, to + (part + 1) * lanes);
        }
    }

    /** One weight row's sums for a panel (the lanes of a, b, c, d in token order) into {@code sums[at..at + PANEL)}. */
    private static void store(FloatVector a, FloatVector b, FloatVector c, FloatVector d, float[] sums, int at) {
        int lanes = SPECIES.length();
        a.intoArray(sums, at);
        b.intoArray(sums, at + lanes);
        c.intoArray(sums, at + 2 * lanes);
        d.intoArray(sums, at + 3 * lanes);
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
     * Four weight rows (at {@code w0}, then every {@code cols} of {@code w}) against activation rows at
     * {@code x0} and {@code x1}; results go to {@code out[o0 .. o0 + 4)} and {@code out[o1 .. o1 + 4)}.
     */
    private static void dot4x2(float[] w, int w0, int cols, float[] x, int x0, int x1, float[] out, int o0, int o1) {
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
        int w1 = w0 + cols;
        int w2 = w1 + cols;
        int w3 = w2 + cols;
        int i = 0;
        for (; i < upper; i += lanes) {
            FloatVector xa = FloatVector.fromArray(SPECIES, x, x0 + i);
            FloatVector xb = FloatVector.fromArray(SPECIES, x, x1 + i);
            FloatVector v0 = FloatVector.fromArray(SPECIES, w, w0 + i);
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
            s00 += w[w0 + i] * xa;
            s01 += w[w0 + i] * xb;
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
     * Four weight rows (at {@code w0}, then every {@code cols} of {@code w}) against four activation rows
     * ({@code x0}, then every {@code xStride}); row {@code j}'s results go to
     * {@code out[o0 + j * oStride .. + 4)}. 8 vector loads feed 16 independent FMA chains, twice the
     * arithmetic per load of {@link #dot4x2}.
     */
    private static void dot4x4(float[] w, int w0, int cols, float[] x, int x0, int xStride, float[] out, int o0, int oStride) {
        int lanes = SPECIES.length();
        int upper = SPECIES.loopBound(cols);
        FloatVector a00 = FloatVector.zero(SPECIES), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int x1 = x0 + xStride;
        int x2 = x1 + xStride;
        int x3 = x2 + xStride;
        int w1 = w0 + cols;
        int w2 = w1 + cols;
        int w3 = w2 + cols;
        int i = 0;
        for (; i < upper; i += lanes) {
            FloatVector xa = FloatVector.fromArray(SPECIES, x, x0 + i);
            FloatVector xb = FloatVector.fromArray(SPECIES, x, x1 + i);
            FloatVector xc = FloatVector.fromArray(SPECIES, x, x2 + i);
            FloatVector xd = FloatVector.fromArray(SPECIES, x, x3 + i);
            FloatVector v = FloatVector.fromArray(SPECIES, w, w0 + i);
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
        out[o0] = finish(a00, w, w0, x, x0, i, cols);
        out[o0 + 1] = finish(a10, w, w1, x, x0, i, cols);
        out[o0 + 2] = finish(a20, w, w2, x, x0, i, cols);
        out[o0 + 3] = finish(a30, w, w3, x, x0, i, cols);
        out[o1] = finish(a01, w, w0, x, x1, i, cols);
        out[o1 + 1] = finish(a11, w, w1, x, x1, i, cols);
        out[o1 + 2] = finish(a21, w, w2, x, x1, i, cols);
        out[o1 + 3] = finish(a31, w, w3, x, x1, i, cols);
        out[o2] = finish(a02, w, w0, x, x2, i, cols);
        out[o2 + 1] = finish(a12, w, w1, x, x2, i, cols);
        out[o2 + 2] = finish(a22, w, w2, x, x2, i, cols);
        out[o2 + 3] = finish(a32, w, w3, x, x2, i, cols);
        out[o3] = finish(a03, w, w0, x, x3, i, cols);
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
