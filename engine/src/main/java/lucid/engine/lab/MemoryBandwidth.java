package lucid.engine.lab;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import lucid.engine.backend.Backend;

/**
 * Measures how fast this machine streams memory into the cores, the way token generation reads
 * weights: every thread sums its own slice of a buffer far larger than the caches, with vector loads.
 * The best of several passes is reported, since the ceiling is what matters, not the noise.
 */
public final class MemoryBandwidth {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    /** Bytes each parallel task reads: large enough to amortize hand-off, small enough to balance. */
    private static final long TASK_BYTES = 4L << 20;

    private MemoryBandwidth() {
    }

    /**
     * @param bytes  buffer size; should be several times the last-level cache (256 MiB or more)
     * @param passes how many timed passes to run (the fastest is returned)
     * @return bytes per second
     */
    public static double measure(Backend backend, long bytes, int passes) {
        long taskBytes = TASK_BYTES;
        int tasks = (int) Math.max(1, bytes / taskBytes);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(tasks * taskBytes, 64);
            // Touch every page so the first pass does not time page faults.
            buffer.fill((byte) 1);
            float[] sinks = new float[tasks];
            double best = 0;
            for (int pass = 0; pass <= passes; pass++) {
                long start = System.nanoTime();
                backend.parallelFor(tasks, t -> sinks[t] = sum(buffer, t * taskBytes, taskBytes));
                long nanos = System.nanoTime() - start;
                if (pass > 0) { // pass 0 warms up the JIT
                    best = Math.max(best, tasks * (double) taskBytes * 1e9 / nanos);
                }
            }
            float check = 0;
            for (float s : sinks) {
                check += s;
            }
            if (Float.isNaN(check)) {
                throw new IllegalStateException("bandwidth probe produced NaN");
            }
            return best;
        }
    }

    private static float sum(MemorySegment buffer, long offset, long length) {
        int step = SPECIES.vectorByteSize();
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = FloatVector.zero(SPECIES);
        FloatVector a2 = FloatVector.zero(SPECIES);
        FloatVector a3 = FloatVector.zero(SPECIES);
        long end = offset + length - 4L * step;
        long i = offset;
        // Four independent accumulators keep several loads in flight.
        for (; i <= end; i += 4L * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(SPECIES, buffer, i, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(SPECIES, buffer, i + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(SPECIES, buffer, i + 2L * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(SPECIES, buffer, i + 3L * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }
}
