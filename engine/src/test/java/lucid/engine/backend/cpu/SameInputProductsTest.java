package lucid.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import lucid.engine.gguf.GgufFile;
import lucid.engine.gguf.SharedFixtures;
import lucid.engine.tensor.FloatTensor;

/**
 * {@link CpuBackend#matmulSameInput}, which runs a layer's query, key and value products (or gate
 * and up) as one job, against the same products run one at a time with {@link CpuBackend#matmul}:
 * each row is still one kernel call on the same input. Mixed weight types cover a job where one
 * matrix takes 8-bit activations (Q4_0) and another floats. Likewise
 * {@link CpuBackend#matmulBatchSameInput} against {@link CpuBackend#matmulBatch} one matrix at a time,
 * for batches with and without whole panels of the outer-product kernels.
 *
 * <p>The outputs are equal up to the order in which a vector's lanes are summed at the end of a
 * row: {@code reduceLanes} adds them in lane order before C2 has compiled a kernel and as a tree
 * after, and the two jobs split rows into ranges differently, so a row can meet the pair kernel in
 * one and the single-row kernel in the other. A local run failed on exactly that, one Q4_0 row 1 ulp
 * apart, once in many. Each output is therefore held to the error that reordering a sum of at most
 * 64 lanes can make, {@code gamma(64) · Σ|w · x|}, a few ulps of a well-conditioned sum: far below
 * what a wrong row, column or input would give.
 */
class SameInputProductsTest {

    // Rows of different counts (the query is wider than key and value), none a multiple of 16.
    private static final int[] ROWS = {150, 46, 46};

    // The first ROWS[m] rows of blk.0.ffn_down of the synthetic llama file of types[m]; returns the width.
    private static int open(String[] types, GgufFile[] files, FloatTensor[] w) throws IOException {
        int cols = 0;
        for (int m = 0; m < types.length; m++) {
            files[m] = GgufFile.open(SharedFixtures.file("golden/models/synth-llama-" + types[m] + ".gguf"));
            var info = files[m].tensor("blk.0.ffn_down.weight").orElseThrow();
            cols = (int) info.dim(0);
            w[m] = FloatTensor.wrap(info.type(), files[m].tensorData(info), (long) ROWS[m] * cols);
        }
        return cols;
    }

    private static float[] gaussian(int n, long seed) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    private static void close(GgufFile[] files) throws IOException {
        for (GgufFile f : files) {
            if (f != null) {
                f.close();
            }
        }
    }

    @ParameterizedTest(name = "{0} + {1} + {2}, {3} threads")
    @CsvSource({
        "q4_0, q4_0, q4_0, 2",
        "q8_0, q4_0, f16, 3",
        "f32, q5_0, , 2",
        "q4_0, f32, , 1",
        "q4_0, q8_0, q4_1, 4",
    })
    void oneJobEqualsSeparateProducts(String a, String b, String c, int threads) throws IOException {
        String[] types = c == null ? new String[] {a, b} : new String[] {a, b, c};
        GgufFile[] files = new GgufFile[types.length];
        FloatTensor[] w = new FloatTensor[3];
        try {
            int cols = open(types, files, w);
            float[] x = gaussian(cols + 5, 11);
            try (CpuBackend backend = new CpuBackend(threads)) {
                float[][] want = new float[3][];
                float[][] got = new float[3][];
                for (int m = 0; m < types.length; m++) {
                    want[m] = new float[ROWS[m]];
                    got[m] = new float[ROWS[m] + 3]; // longer than the product, as the model's buffers are
                    backend.matmul(w[m], x, 5, want[m], 0, ROWS[m], cols);
                }
                backend.matmulSameInput(x, 5, cols, w[0], got[0], ROWS[0], w[1], got[1], ROWS[1],
                        w[2], got[2], types.length == 3 ? ROWS[2] : 0);
                for (int m = 0; m < types.length; m++) {
                    assertSame(want[m], got[m], w[m], x, 5, 1, ROWS[m], cols, "product " + m + " (" + types[m] + ")");
                }
            }
        } finally {
            close(files);
        }
    }

    @ParameterizedTest(name = "{0} + {1} + {2}, {3} threads, batch {4}")
    @CsvSource({
        "q4_0, q4_0, q4_0, 2, 64",
        "q8_0, q4_0, f16, 3, 135",
        "f32, q5_0, , 2, 7",
        "q4_0, f32, , 1, 70",
        "q4_0, q8_0, q4_1, 4, 1",
    })
    void oneBatchedJobEqualsSeparateProducts(String a, String b, String c, int threads, int batch) throws IOException {
        String[] types = c == null ? new String[] {a, b} : new String[] {a, b, c};
        GgufFile[] files = new GgufFile[types.length];
        FloatTensor[] w = new FloatTensor[3];
        try {
            int cols = open(types, files, w);
            float[] x = gaussian(batch * cols, 12);
            try (CpuBackend backend = new CpuBackend(threads)) {
                float[][] want = new float[3][];
                float[][] got = new float[3][];
                for (int m = 0; m < types.length; m++) {
                    want[m] = new float[batch * ROWS[m]];
                    got[m] = new float[batch * ROWS[m] + 3];
                    backend.matmulBatch(w[m], x, want[m], batch, ROWS[m], cols);
                }
                backend.matmulBatchSameInput(x, batch, cols, w[0], got[0], ROWS[0], w[1], got[1], ROWS[1],
                        w[2], got[2], types.length == 3 ? ROWS[2] : 0);
                for (int m = 0; m < types.length; m++) {
                    assertSame(want[m], got[m], w[m], x, 0, batch, ROWS[m], cols, "product " + m + " (" + types[m] + ")");
                }
            }
        } finally {
            close(files);
        }
    }

    /**
     * {@code got} equals {@code want} (both {@code (batch, rows)}) within {@code gamma(64) · Σ|w · x|}
     * per output, with the magnitudes from the dequantized weights; and {@code got}'s slots past the
     * product are untouched.
     */
    private static void assertSame(float[] want, float[] got, FloatTensor w, float[] x, int xOffset, int batch, int rows, int cols,
                                   String what) {
        double gamma = 64 * 0x1p-24 / (1 - 64 * 0x1p-24);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            w.dequantize((long) r * cols, row, 0, cols);
            for (int b = 0; b < batch; b++) {
                double magnitude = 0;
                for (int i = 0; i < cols; i++) {
                    magnitude += Math.abs((double) row[i] * x[xOffset + b * cols + i]);
                }
                int o = b * rows + r;
                // 8-bit activations move each |x| by at most half a step of max|x|/127: 1.01 covers it.
                double bound = gamma * magnitude * 1.01 + Float.MIN_NORMAL;
                assertTrue(Math.abs(want[o] - got[o]) <= bound,
                        what + " row " + r + " token " + b + ": separately " + want[o] + ", in one job " + got[o] + ", bound " + bound);
            }
        }
        for (int i = batch * rows; i < got.length; i++) {
            assertEquals(0f, got[i], what + ": wrote past the product at " + i);
        }
    }
}
