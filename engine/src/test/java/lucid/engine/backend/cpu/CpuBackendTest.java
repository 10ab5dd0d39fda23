package lucid.engine.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;

/**
 * {@link CpuBackend#parallelFor}: every index runs exactly once whatever the thread count, the
 * split of runs and the stealing between threads; a failure on any thread reaches the caller only
 * after every thread has stopped, and the backend keeps working afterwards.
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
}
