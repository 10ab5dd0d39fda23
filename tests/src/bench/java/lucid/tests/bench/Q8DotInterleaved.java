package lucid.tests.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

import lucid.engine.tensor.FloatTensor;
import lucid.engine.tensor.GgmlType;
import lucid.engine.tensor.Q8Activations;

/**
 * The comparison of {@link Q8DotBenchmark}, for a machine too busy for JMH to resolve it: the float
 * and the integer kernel run alternately, 5 products each per repetition, and each keeps its best
 * time over all repetitions, so both see the same load and a slow spell hurts neither's best; where
 * the type has a {@code --repack} layout (Q4_0, Q4_K), its copy runs third. Same matrices as the JMH
 * benchmark (8 Mi weights, rows of 576, 2048 and 8192; {@code -Dweights=N} and {@code -Dcols=a,b}
 * change them, a small N keeping the matrix in cache), one thread.
 *
 * <p>The integer kernels' times leave out quantizing the activations, which is timed on its own
 * (into the forms the tensor reads, {@link FloatTensor#q8Forms}) and printed beside them: in a small
 * matrix with long rows it would otherwise weigh as much as a tenth of the product, which looked like
 * a kernel slower on long rows. A decode step quantizes once per product or per group of products
 * of the same input, on the calling thread.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp engine/target/classes \
 *     tests/src/bench/java/lucid/tests/bench/Q8DotInterleaved.java [Q8_0,Q4_0,Q4_K,Q5_K,Q6_K] [repetitions]
 * </pre>
 */
public final class Q8DotInterleaved {

    private Q8DotInterleaved() {
    }

    public static void main(String[] args) {
        String[] types = args.length > 0 ? args[0].split(",") : new String[] {"Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"};
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        for (String name : types) {
            GgmlType type = GgmlType.valueOf(name);
            for (int cols : java.util.Arrays.stream(System.getProperty("cols", "576,2048,8192").split(","))
                    .mapToInt(Integer::parseInt).toArray()) {
                if (cols % type.blockSize() != 0) {
                    continue; // K-quant rows are whole 256-weight blocks
                }
                run(type, cols, reps);
            }
        }
    }

    private static void run(GgmlType type, int cols, int reps) {
        int rows = (int) (Long.getLong("weights", 8L << 20) / cols);
        long n = (long) rows * cols;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(type.byteSize(n), 64);
            SplittableRandom random = new SplittableRandom(42);
            for (long i = 0; i + 8 <= data.byteSize(); i += 8) {
                data.set(ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
            }
            ValueLayout.OfShort half = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            for (long b = 0; b < n / type.blockSize(); b++) {
                long at = b * type.typeSize();
                // Q6_K keeps its f16 scale last; Q4_K and Q5_K have a second one, for the minimums.
                data.set(half, type == GgmlType.Q6_K ? at + type.typeSize() - 2 : at, Float.floatToFloat16(0.01f));
                if (type == GgmlType.Q4_K || type == GgmlType.Q5_K) {
                    data.set(half, at + 2, Float.floatToFloat16(0.002f));
                }
            }
            FloatTensor w = FloatTensor.wrap(type, data, n);
            // The copy --repack makes (Q4_0, Q4_K); for the other types the same tensor, timed again.
            FloatTensor repacked = w.repacked(rows, cols);
            float[] x = new float[cols];
            for (int i = 0; i < cols; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] out = new float[rows];
            Q8Activations q = new Q8Activations();
            Q8Activations forRepacked = new Q8Activations();
            long bestFloat = Long.MAX_VALUE;
            long bestInt = Long.MAX_VALUE;
            long bestRepacked = Long.MAX_VALUE;
            long bestQuantize = Long.MAX_VALUE;
            // The quantization runs 5 times a repetition where the kernels run through thousands of
            // blocks: warm it up first, or the first matrix's best time is of code C2 has not compiled yet.
            for (int k = 0; k < 4_000; k++) {
                quantizations(q, x, cols, w.q8Forms());
            }
            for (int rep = 0; rep < reps; rep++) {
                bestFloat = Math.min(bestFloat, floatProducts(w, rows, cols, x, out));
                bestQuantize = Math.min(bestQuantize, quantizations(q, x, cols, w.q8Forms()));
                bestInt = Math.min(bestInt, integerProducts(w, rows, cols, q, out));
                forRepacked.quantize(x, 0, cols, repacked.q8Forms());
                bestRepacked = Math.min(bestRepacked, integerProducts(repacked, rows, cols, forRepacked, out));
            }
            double bytes = type.byteSize(n);
            System.out.printf("%s cols=%d  float %.0f us (%.1f GB/s)  int8 %.0f us (%.1f GB/s) + quantize %.1f us"
                    + "  int8 speed-up %.2f with quantizing%s%n", type, cols, bestFloat / 1e3, bytes / bestFloat,
                    bestInt / 1e3, bytes / bestInt, bestQuantize / 1e3, (double) bestFloat / (bestInt + bestQuantize),
                    repacked == w ? "" : String.format("  repacked %.0f us (%.1f GB/s of the file's bytes)",
                            bestRepacked / 1e3, bytes / bestRepacked));
        }
    }

    // Each timed loop is a method of its own: inside the one large method above, C2 compiled the
    // products' loop on-stack with the kernel inlined into it, and sometimes left its vectors boxed
    // (Q4_0 rows of 8192 at 2.1 to 2.2 GB/s in 3 runs of 6, against 7.6 to 8.6).

    private static long floatProducts(FloatTensor w, int rows, int cols, float[] x, float[] out) {
        long t0 = System.nanoTime();
        for (int k = 0; k < 5; k++) {
            w.matvec(0, rows, cols, x, 0, out, 0);
        }
        return (System.nanoTime() - t0) / 5;
    }

    private static long quantizations(Q8Activations q, float[] x, int cols, int forms) {
        long t0 = System.nanoTime();
        for (int k = 0; k < 5; k++) {
            q.quantize(x, 0, cols, forms);
        }
        return (System.nanoTime() - t0) / 5;
    }

    private static long integerProducts(FloatTensor w, int rows, int cols, Q8Activations q, float[] out) {
        long t0 = System.nanoTime();
        for (int k = 0; k < 5; k++) {
            w.matvecQ8(0, rows, cols, q, out, 0);
        }
        return (System.nanoTime() - t0) / 5;
    }
}
