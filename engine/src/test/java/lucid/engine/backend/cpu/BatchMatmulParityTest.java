package lucid.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import lucid.engine.gguf.GgufFile;
import lucid.engine.gguf.SharedFixtures;
import lucid.engine.tensor.FloatTensor;
import lucid.engine.tensor.GgmlType;
import lucid.engine.tensor.Q8Activations;
import lucid.engine.tensor.Q8Panels;
import lucid.engine.tensor.Quantizer;
import lucid.engine.tensor.VectorSupport;

/**
 * The batched product's Vector API path against its scalar reference, and the whole backend call
 * against {@code batch} separate matrix-vector products, for every weight type the golden models
 * carry. The build runs this class at forced widths of 128, 256 and 512 bits (the *ParityTest
 * executions of the engine pom).
 *
 * <p>Tolerance: the paths sum the same exact products (decoding is exact, {@code dequantize} equals
 * {@code getFloat} bit for bit) in different orders. A float sum of n terms is within
 * {@code gamma(n) * sum|w_i x_i|} of the exact value, {@code gamma(n) = n u / (1 - n u)}, u = 2^-24;
 * two such sums differ by at most twice that. The bound is checked per output, with the sum of
 * magnitudes computed in double.
 */
class BatchMatmulParityTest {

    private static final double U = 0x1p-24;

    static Stream<Arguments> weights() {
        return Stream.of("f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0").map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("weights")
    void vectorPathAndBackendMatchTheReference(String type) throws IOException {
        try (GgufFile file = GgufFile.open(SharedFixtures.file("golden/models/synth-llama-" + type + ".gguf"))) {
            var info = file.tensor("blk.0.ffn_down.weight").orElseThrow();
            int cols = (int) info.dim(0);
            // 254 rows: whole tiles of ROW_TILE (24) and a remainder of 14: groups of six and four rows and single rows.
            int rows = 254;
            FloatTensor w = FloatTensor.wrap(info.type(), file.tensorData(info), (long) rows * cols);
            // 110 tokens end in a padded panel at 256 bits (6 x 16 + 14) and at 512 (64 + 46).
            for (int batch : new int[] {1, 2, 7, 64, 110, 135}) {
                check(w, rows, cols, batch);
            }
        }
    }

    /**
     * The K-quants' small quants carry offsets (their minimums), and Q5_K's are summed in spans of 16
     * columns: a matrix of each type from the K-quant files, through the same checks. Their rows are
     * whole super-blocks, so 254 of them run every kernel shape as above.
     */
    @ParameterizedTest(name = "{1} from {0}")
    @CsvSource({"q4_k_s, Q4_K", "q5_k_s, Q5_K"})
    void kQuantMatricesMatchTheReference(String file, GgmlType type) throws IOException {
        try (GgufFile gguf = GgufFile.open(SharedFixtures.file("golden/models/synth-llama-" + file + ".gguf"))) {
            var info = gguf.tensors().stream()
                    .filter(t -> t.type() == type && t.dims().length == 2 && t.dim(1) >= 64)
                    .findFirst().orElseThrow();
            int cols = (int) info.dim(0);
            int rows = (int) Math.min(254, info.dim(1));
            FloatTensor w = FloatTensor.wrap(info.type(), gguf.tensorData(info), (long) rows * cols);
            for (int batch : new int[] {2, 64, 110}) {
                check(w, rows, cols, batch);
            }
        }
    }

    /**
     * Q5_1 (no golden file carries it): random weights quantized by the project's own quantizer,
     * 30 rows (groups of four and a remainder of two) by 256.
     */
    @Test
    void q5_1MatchesTheReference() {
        int rows = 30;
        int cols = 256;
        SplittableRandom random = new SplittableRandom(5);
        float[] weights = new float[rows * cols];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian() * 0.05f + (i % 97 == 0 ? 0.3f : 0f);
        }
        byte[] bytes = Quantizer.quantize(GgmlType.Q5_1, weights, 0, weights.length);
        FloatTensor w = FloatTensor.wrap(GgmlType.Q5_1, MemorySegment.ofArray(bytes), (long) rows * cols);
        for (int batch : new int[] {3, 64, 100}) {
            check(w, rows, cols, batch);
        }
    }

    /**
     * The largest block sums the 16-bit kernel can meet: weights at the ends of their quant range
     * (-1 and +1 alternating, so the smallest and largest quants) times activations of the same signs
     * (every activation quant ±127). A Q5_0 block then sums 2032 and 1905 sixteen times each, 62984:
     * a short holds that only in spans of 16 columns, which is what this checks for the 5-bit types.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K"})
    void extremeBlocksStayInShortRange(GgmlType type) {
        int rows = 6;
        int cols = 512;
        int batch = 64;
        float[] weights = new float[rows * cols];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = i % 2 == 0 ? -1f : 1f;
        }
        byte[] bytes = Quantizer.quantize(type, weights, 0, weights.length);
        FloatTensor w = FloatTensor.wrap(type, MemorySegment.ofArray(bytes), (long) rows * cols);
        float[] row = new float[cols];
        w.dequantize(0, row, 0, cols);
        float[] x = new float[batch * cols];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < cols; i++) {
                x[b * cols + i] = Math.signum(row[i]) * (1 + b / 64f);
            }
        }
        check(w, rows, cols, batch, x);
    }

    /**
     * F32 at an odd width, no multiple of any vector length, so the scalar tails run too, and the
     * single-row outer kernel's last odd column; 13 rows leave a single row after the groups of four
     * or six, and batches of 37 and 67 fill panels at 256 and 512 bits and leave tokens over; 12 and
     * 30 tokens end in a padded panel at 256 bits.
     */
    @Test
    void oddWidthsRunTheTails() {
        int rows = 13;
        int cols = 251;
        SplittableRandom random = new SplittableRandom(7);
        float[] weights = new float[rows * cols];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextDouble(-1, 1);
        }
        // Heap floats are in the platform's order; GGUF data is little-endian, as are the CPUs we run on.
        FloatTensor w = FloatTensor.wrap(GgmlType.F32, MemorySegment.ofArray(weights), (long) rows * cols);
        for (int batch : new int[] {1, 3, 8, 12, 30, 37, 67}) {
            check(w, rows, cols, batch);
        }
    }

    private static void check(FloatTensor w, int rows, int cols, int batch) {
        SplittableRandom random = new SplittableRandom(42 + batch);
        float[] x = new float[batch * cols]; // (batch, cols)
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        check(w, rows, cols, batch, x);
    }

    private static void check(FloatTensor w, int rows, int cols, int batch, float[] x) {
        float[] reference = new float[batch * rows]; // (batch, rows)
        BatchMatmul.reference(w, x, reference, batch, rows, cols);

        float[] vector = new float[batch * rows];
        float[] scratch = new float[BatchMatmul.scratchLength(cols)];
        float[] xT = new float[BatchMatmul.transposedLength(batch, cols)];
        for (int p = 0; p < BatchMatmul.panels(batch); p++) {
            BatchMatmul.transpose(x, batch, cols, p, xT);
        }
        for (int r0 = 0; r0 < rows; r0 += BatchMatmul.ROW_TILE) {
            BatchMatmul.rowTile(w, x, vector, batch, rows, cols, r0, Math.min(BatchMatmul.ROW_TILE, rows - r0),
                    scratch, true, xT);
        }
        float[] batched = new float[batch * rows];
        float[] separate = new float[batch * rows];
        try (CpuBackend backend = new CpuBackend(2)) {
            backend.matmulBatch(w, x, batched, batch, rows, cols);
            for (int b = 0; b < batch; b++) {
                backend.matmul(w, x, b * cols, separate, b * rows, rows, cols);
            }
        }

        double gamma = cols * U / (1 - cols * U);
        // Where decode multiplies against 8-bit activations (CpuBackend.matmul through matvecQ8), each
        // activation moves by at most half its block's step max|x|/127 before the exact integer sums.
        boolean int8 = w.hasQ8Dot() && w.prefersQ8(cols);
        // Tokens in whole panels of a type with small quants take the 16-bit kernel (SmallBatchMatmul), against
        // the same 8-bit activations: checked against that arithmetic done in double, and against the float
        // reference with the activations' rounding allowed for.
        int smallTokens = smallPath(w, cols) ? Math.min(batch, BatchMatmul.panels(batch) * BatchMatmul.PANEL) : 0;
        float[] step = new float[batch * cols / Q8Activations.BLOCK];
        for (int k = 0; (int8 || smallTokens > 0) && k < step.length; k++) {
            float amax = 0;
            for (int i = 0; i < Q8Activations.BLOCK; i++) {
                amax = Math.max(amax, Math.abs(x[k * Q8Activations.BLOCK + i]));
            }
            step[k] = amax / 127;
        }
        Q8Activations[] quantized = new Q8Activations[smallTokens];
        Q8Panels panels = new Q8Panels(BatchMatmul.PANEL, SmallBatchMatmul.GROUP);
        if (smallTokens > 0) {
            panels.reserve(BatchMatmul.panels(batch), cols);
            for (int p = 0; p < BatchMatmul.panels(batch); p++) {
                panels.fill(x, batch, p, new Q8Activations());
            }
        }
        for (int b = 0; b < smallTokens; b++) {
            quantized[b] = new Q8Activations();
            quantized[b].quantize(x, b * cols, cols, 0);
            for (int i = 0; i < cols; i++) {
                assertEquals(quantized[b].get(i), panels.get(b / BatchMatmul.PANEL, b % BatchMatmul.PANEL, i),
                        "token " + b + " activation " + i + " in panels as quantized alone");
            }
        }
        int blocks = cols / Q8Activations.BLOCK;
        short[] q = new short[cols];
        float[] factor = new float[blocks];
        float[] offset = new float[blocks];
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            w.dequantize((long) r * cols, row, 0, cols);
            if (smallTokens > 0) {
                w.decodeSmall((long) r * cols, q, 0, factor, offset, 0, cols);
            }
            for (int b = 0; b < batch; b++) {
                double magnitude = 0;
                double rounding = 0;
                for (int i = 0; i < cols; i++) {
                    magnitude += Math.abs((double) row[i] * x[b * cols + i]);
                    if (int8 || b < smallTokens) {
                        rounding += Math.abs(row[i]) * step[(b * cols + i) / Q8Activations.BLOCK] / 2;
                    }
                }
                double bound = 2 * gamma * magnitude + Float.MIN_NORMAL;
                int o = b * rows + r;
                String where = w.type() + " row " + r + " batch row " + b + " of " + batch;
                assertTrue(Math.abs(vector[o] - reference[o]) <= bound,
                        where + ": vector " + vector[o] + " reference " + reference[o] + " bound " + bound);
                if (b < smallTokens) {
                    checkSmall(batched[o], q, factor, offset, w.smallQuantsHaveOffsets(), panels, b, cols, where);
                    // The weights' offsets are split off and rounded once (Q4_K): 8a - b within 2^-24 of itself.
                    assertTrue(Math.abs(batched[o] - reference[o]) <= bound + rounding * (1 + 1e-5) + smallOffsetRounding(offset, quantized[b], w),
                            where + ": backend (16-bit) " + batched[o] + " reference " + reference[o] + " bound " + bound);
                } else {
                    assertTrue(Math.abs(batched[o] - reference[o]) <= bound,
                            where + ": backend " + batched[o] + " reference " + reference[o] + " bound " + bound);
                }
                assertTrue(Math.abs(batched[o] - separate[o]) <= bound + (int8 && b < smallTokens ? 2 : 1) * rounding * (1 + 1e-5)
                                + (b < smallTokens ? smallOffsetRounding(offset, quantized[b], w) : 0),
                        where + ": batched " + batched[o] + " matmul " + separate[o] + " bound " + bound);
            }
        }
    }

    /** Whether the backend's batched products with {@code w} take {@link SmallBatchMatmul#rowTile} (CpuBackend.small). */
    private static boolean smallPath(FloatTensor w, int cols) {
        return SmallBatchMatmul.ENABLED && VectorSupport.ENABLED && w.hasSmallQuants() && cols % Q8Activations.BLOCK == 0
                && !"off".equals(System.getProperty("lucid.int8"));
    }

    /** The 16-bit kernel's arithmetic in double: exact integer block sums, scaled, plus the offsets' terms. */
    private static void checkSmall(float actual, short[] q, float[] factor, float[] offset, boolean offsets, Q8Panels a,
                                   int token, int cols, String where) {
        int panel = BatchMatmul.PANEL;
        int p = token / panel;
        int t = token % panel;
        int blocks = cols / Q8Activations.BLOCK;
        double expected = 0;
        double magnitude = 0;
        for (int blk = 0; blk < blocks; blk++) {
            long integer = 0;
            for (int i = blk * Q8Activations.BLOCK; i < (blk + 1) * Q8Activations.BLOCK; i++) {
                integer += q[i] * a.quants()[(p * cols + i) * panel + a.lane(t)];
            }
            int at = (p * blocks + blk) * panel + t;
            double term = (double) integer * factor[blk] * a.scales()[at];
            double offsetTerm = offsets ? (double) offset[blk] * a.sums()[at] : 0;
            expected += term + offsetTerm;
            magnitude += Math.abs(term) + Math.abs(offsetTerm);
        }
        // Per block: an int to float, two products, an FMA and (Q4_K) another, then the running sum.
        double bound = 2 * (2 * blocks + 6) * U * magnitude + Float.MIN_NORMAL;
        assertTrue(Math.abs(actual - expected) <= bound,
                where + ": 16-bit kernel " + actual + " its arithmetic in double " + expected + " bound " + bound);
    }

    /** How far splitting Q4_K's offsets off (8a - b, rounded once) can move a sum: half an ulp of each times its block's activations. */
    private static double smallOffsetRounding(float[] offset, Q8Activations a, FloatTensor w) {
        if (!w.smallQuantsHaveOffsets()) {
            return 0;
        }
        double total = 0;
        for (int blk = 0; blk < offset.length; blk++) {
            double sum = 0;
            for (int i = blk * Q8Activations.BLOCK; i < (blk + 1) * Q8Activations.BLOCK; i++) {
                sum += Math.abs(a.get(i));
            }
            total += Math.ulp(offset[blk]) * sum;
        }
        return total;
    }
}
