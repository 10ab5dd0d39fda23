package lucid.engine.lab;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import lucid.engine.backend.Backend;
import lucid.engine.tensor.VectorSupport;

/**
 * Measures how many float multiply-adds this machine's cores do per second, with the vectors the
 * engine's kernels use: every thread runs independent chains of fused multiply-adds on registers,
 * so nothing but the arithmetic units is timed. Prompt processing multiplies every weight by every
 * prompt token, so this is its ceiling, as the memory bandwidth is generation's. The best of
 * several passes is reported.
 */
public final class ComputePeak {

    private static final VectorSpecies<Float> SPECIES = VectorSupport.FLOAT_SPECIES;
    // Ten chains: more than a multiply-add's latency times the units that can start one each cycle.
    private static final int CHAINS = 10;
    private static final long STEPS = 4_000_000;

    private ComputePeak() {
    }

    /** @return floating-point operations per second (a multiply-add counts as two) over the backend's threads */
    public static double measure(Backend backend, int passes) {
        int tasks = backend.threads();
        float[] sinks = new float[tasks];
        double best = 0;
        for (int pass = 0; pass <= passes; pass++) {
            long start = System.nanoTime();
            backend.parallelFor(tasks, t -> sinks[t] = chains(STEPS));
            long nanos = System.nanoTime() - start;
            if (pass > 0) { // pass 0 warms up the JIT
                best = Math.max(best, tasks * (double) STEPS * CHAINS * SPECIES.length() * 2 * 1e9 / nanos);
            }
        }
        for (float s : sinks) {
            if (Float.isNaN(s)) {
                throw new IllegalStateException("compute probe produced NaN");
            }
        }
        return best;
    }

    private static float chains(long steps) {
        FloatVector m = FloatVector.broadcast(SPECIES, 0.999999f);
        FloatVector c = FloatVector.broadcast(SPECIES, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(SPECIES, 1f);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        FloatVector a6 = a0;
        FloatVector a7 = a0;
        FloatVector a8 = a0;
        FloatVector a9 = a0;
        for (long i = 0; i < steps; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9)
                .reduceLanes(VectorOperators.ADD);
    }
}
