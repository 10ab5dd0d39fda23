package lucid.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.SplittableRandom;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import lucid.engine.gguf.GgufFile;
import lucid.engine.gguf.GgufTensorInfo;
import lucid.engine.gguf.SharedFixtures;
import lucid.engine.tensor.FloatTensor;
import lucid.engine.tensor.GgmlType;
import lucid.engine.tensor.Q8Activations;

/**
 * {@link CpuBackend#parallelFor}: every index runs exactly once whatever the thread count, the
 * split of runs and the stealing between threads; a failure on any thread reaches the caller only
 * after every thread has stopped, and the backend keeps working afterwards. A matrix-vector product's
 * row ranges keep a repacked matrix's groups of rows whole.
 */
class CpuBackendTest {

    @Test
    void everyIndexRunsOnce() {
        for (int threads = 1; threads <= 4; threads++) {
            try (CpuBackend backend = new CpuBackend(threads)) {
                for (int count = 0; count <= 70; count++) {
                    checkOnce(backend, count, false);
                }
                checkOnce(backend, 1000, false);
                checkOnce(backend, 12345, false);
            }
        }
    }

    @Test
    void slowIndicesAreTakenOverByOtherThreads() {
        // Thread 0's run is slow (the first indices sleep): the other threads finish their runs and
        // take chunks of it; still each index exactly once.
        try (CpuBackend backend = new CpuBackend(3)) {
            for (int round = 0; round < 5; round++) {
                checkOnce(backend, 300, true);
            }
        }
    }

    private static void checkOnce(CpuBackend backend, int count, boolean slowStart) {
        AtomicIntegerArray runs = new AtomicIntegerArray(Math.max(1, count));
        backend.parallelFor(count, i -> {
            if (slowStart && i < 20) {
                LockSupport.parkNanos(200_000);
            }
            runs.incrementAndGet(i);
        });
        for (int i = 0; i < count; i++) {
            assertEquals(1, runs.get(i), "index " + i + " of " + count + " on " + backend.threads() + " threads");
        }
    }

    @Test
    void aFailureReachesTheCallerAfterTheOthersStop() {
        try (CpuBackend backend = new CpuBackend(3)) {
            for (int failing : new int[] {0, 150, 299}) {
                IllegalStateException boom = new IllegalStateException("index " + failing);
                AtomicIntegerArray running = new AtomicIntegerArray(1);
                IllegalStateException thrown = assertThrows(IllegalStateException.class,
                        () -> backend.parallelFor(300, i -> {
                            running.incrementAndGet(0);
                            try {
                                LockSupport.parkNanos(20_000);
                                if (i == failing) {
                                    throw boom;
                                }
                            } finally {
                                running.decrementAndGet(0);
                            }
                        }));
                assertSame(boom, thrown);
                assertEquals(0, running.get(0), "a task still running after parallelFor returned");
                checkOnce(backend, 500, false);
            }
        }
    }

    @Test
    void rowRangesStartOnTheAlignment() {
        for (int align : new int[] {1, 8, 16}) {
            for (int rows = 0; rows <= 300; rows += 7) {
                for (int ranges = 1; ranges <= 40; ranges++) {
                    assertEquals(0, CpuBackend.rangeStart(0, ranges, rows, align));
                    assertEquals(rows, CpuBackend.rangeStart(ranges, ranges, rows, align));
                    for (int range = 1; range < ranges; range++) {
                        int start = CpuBackend.rangeStart(range, ranges, rows, align);
                        assertEquals(0, start % align, rows + " rows, range " + range + " of " + ranges);
                        assertTrue(start >= CpuBackend.rangeStart(range - 1, ranges, rows, align));
                        assertTrue(start <= rows);
                    }
                }
            }
        }
    }

    /**
     * A repacked matrix of 150 rows (whole groups, then rows left on the mapping's kernel) through the
     * backend's ranges on several threads equals one call over all rows bit for bit: a range that split
     * a group would run the split rows on the mapping's kernel, whose sums round differently.
     */
    @ParameterizedTest(name = "{0}, {1} threads")
    @CsvSource({"q4_0, Q4_0, 2", "q4_0, Q4_0, 3", "q4_k_s, Q4_K, 2"})
    void rowRangesKeepRepackedGroupsWhole(String file, GgmlType type, int threads) throws IOException {
        int rows = 150;
        try (GgufFile gguf = GgufFile.open(SharedFixtures.file("golden/models/synth-llama-" + file + ".gguf"));
             CpuBackend backend = new CpuBackend(threads)) {
            GgufTensorInfo info = gguf.tensors().stream()
                    .filter(t -> t.type() == type && t.rank() == 2 && t.dim(1) >= rows)
                    .findFirst().orElseThrow();
            int cols = (int) info.dim(0);
            FloatTensor w = FloatTensor.wrap(type, gguf.tensorData(info), (long) rows * cols).repacked(rows, cols);
            assertTrue(w.rowAlignment() > 1 || w.repackedBytes(rows, cols) == 0, "a repacked tensor reports its groups");
            SplittableRandom random = new SplittableRandom(7);
            float[] x = new float[cols];
            for (int i = 0; i < cols; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] expected = new float[rows];
            if (w.prefersQ8(cols)) {
                Q8Activations a = new Q8Activations();
                a.quantize(x, 0, cols);
                w.matvecQ8(0, rows, cols, a, expected, 0);
            } else {
                w.matvec(0, rows, cols, x, 0, expected, 0);
            }
            float[] out = new float[rows];
            backend.matmul(w, x, 0, out, 0, rows, cols);
            assertArrayEquals(expected, out);
        }
    }
}
