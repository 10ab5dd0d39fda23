package lucid.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The measurement of {@link KernelAllocationTest}, in a JVM of its own: {@code main} runs the kernels
 * of the types it is given, in that order, prints each kernel that still allocates and exits 1 if
 * any does.
 */
final class KernelAllocationProbe {

    private static final int ROWS = 32;
    private static final int COLS = 2048;
    private static final int LONG_COLS = 8192;
    private static final int CALLS = 100;
    private static final int ROUNDS = 60;
    /** Bytes a kernel may allocate in its best round of {@link #CALLS} products. */
    private static final long BOUND = 1024;

    private KernelAllocationProbe() {
    }

    public static void main(String[] args) {
        List<String> failures = new ArrayList<>();
        for (String name : args[0].split(",")) {
            failures.addAll(run(GgmlType.valueOf(name)));
        }
        failures.forEach(System.out::println);
        System.exit(failures.isEmpty() ? 0 : 1);
    }

    /** Runs {@code type}'s kernels until each has a round under the bound; the failures, one line each. */
    static List<String> run(GgmlType type) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        if (!threads.isThreadAllocatedMemorySupported() || !threads.isThreadAllocatedMemoryEnabled()) {
            return List.of("this JVM does not count the bytes a thread allocates");
        }
        Random random = new Random(type.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = TensorBytes.place(arena, TensorBytes.random(type, ROWS * COLS, random), 0);
            FloatTensor w = FloatTensor.wrap(type, data, (long) ROWS * COLS);
            FloatTensor repacked = w.repacked(ROWS, COLS);
            float[] x = new float[COLS];
            for (int i = 0; i < COLS; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] out = new float[ROWS];
            Q8Activations a = new Q8Activations();
            a.quantize(x, 0, COLS, w.q8Forms());
            Q8Activations forRepacked = new Q8Activations();
            forRepacked.quantize(x, 0, COLS, repacked.q8Forms());

            List<String> names = new ArrayList<>();
            List<Runnable> kernels = new ArrayList<>();
            names.add("float product");
            kernels.add(() -> w.matvec(0, ROWS, COLS, x, 0, out, 0));
            if (w.hasQ8Dot()) {
                names.add("8-bit product");
                kernels.add(() -> w.matvecQ8(0, ROWS, COLS, a, out, 0));
            }
            // The same weights as rows of 8192, where some types' kernels read the activations as bytes.
            int longRows = ROWS * COLS / LONG_COLS;
            float[] longX = new float[LONG_COLS];
            for (int i = 0; i < LONG_COLS; i++) {
                longX[i] = (float) random.nextGaussian();
            }
            Q8Activations longA = new Q8Activations();
            longA.quantize(longX, 0, LONG_COLS, w.q8Forms());
            names.add("float product, rows of " + LONG_COLS);
            kernels.add(() -> w.matvec(0, longRows, LONG_COLS, longX, 0, out, 0));
            if (w.hasQ8Dot()) {
                names.add("8-bit product, rows of " + LONG_COLS);
                kernels.add(() -> w.matvecQ8(0, longRows, LONG_COLS, longA, out, 0));
            }
            if (repacked != w) {
                names.add("repacked 8-bit product");
                kernels.add(() -> repacked.matvecQ8(0, ROWS, COLS, forRepacked, out, 0));
            }
            long[] fewest = new long[kernels.size()];
            java.util.Arrays.fill(fewest, Long.MAX_VALUE);
            for (int round = 0; round < ROUNDS && java.util.Arrays.stream(fewest).anyMatch(f -> f >= BOUND); round++) {
                for (int k = 0; k < kernels.size(); k++) {
                    Runnable kernel = kernels.get(k);
                    long before = threads.getCurrentThreadAllocatedBytes();
                    for (int call = 0; call < CALLS; call++) {
                        kernel.run();
                    }
                    fewest[k] = Math.min(fewest[k], threads.getCurrentThreadAllocatedBytes() - before);
                }
            }
            List<String> failures = new ArrayList<>();
            for (int k = 0; k < kernels.size(); k++) {
                if (fewest[k] >= BOUND) {
                    failures.add(type + " " + names.get(k) + " (" + VectorSupport.describe() + "): " + fewest[k]
                            + " bytes allocated by " + CALLS + " calls in the best of " + ROUNDS + " rounds");
                }
            }
            return failures;
        }
    }
}
