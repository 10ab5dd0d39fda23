package lucid.tests.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import lucid.engine.tensor.FloatTensor;
import lucid.engine.tensor.GgmlType;
import lucid.engine.tensor.Q8Activations;

/**
 * One thread's matrix-vector product two ways: the float kernels ({@link FloatTensor#matvec}, weights
 * decoded to float and multiplied with float activations) against the integer ones (activations
 * quantized to 8 bits once per product, then {@link FloatTensor#matvecQ8}); the quantization is
 * timed too. Row lengths are those of the decode matrices (576: smollm-135m, 2048: llama-3.2-1b,
 * 8192: its feed-forward down projection); every matrix holds 8 Mi weights, more than the caches.
 * Score: products per second; times the matrix's bytes gives GB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class Q8DotBenchmark {

    private static final int WEIGHTS = 8 << 20;

    @Param({"Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    public String type;

    @Param({"576", "2048", "8192"})
    public int cols;

    private Arena arena;
    private FloatTensor weights;
    private int rows;
    private float[] x;
    private float[] out;
    private Q8Activations quantized;

    @Setup(Level.Trial)
    public void setUp() {
        GgmlType t = GgmlType.valueOf(type);
        if (cols % t.blockSize() != 0) {
            cols = cols / t.blockSize() * t.blockSize() + t.blockSize();
        }
        rows = WEIGHTS / cols;
        long n = (long) rows * cols;
        arena = Arena.ofShared();
        MemorySegment data = arena.allocate(t.byteSize(n), 64);
        SplittableRandom random = new SplittableRandom(42);
        for (long i = 0; i < data.byteSize(); i++) {
            data.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt(256));
        }
        // Make every block's f16 scales sane.
        ValueLayout.OfShort half = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long b = 0; b < n / t.blockSize(); b++) {
            long at = b * t.typeSize();
            // Q6_K keeps its f16 scale last; Q4_K and Q5_K have a second one, for the minimums.
            data.set(half, t == GgmlType.Q6_K ? at + t.typeSize() - 2 : at, Float.floatToFloat16(0.01f));
            if (t == GgmlType.Q4_K || t == GgmlType.Q5_K) {
                data.set(half, at + 2, Float.floatToFloat16(0.002f));
            }
        }
        weights = FloatTensor.wrap(t, data, n);
        x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = (float) random.nextGaussian();
        }
        out = new float[rows];
        quantized = new Q8Activations();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] floatKernel() {
        weights.matvec(0, rows, cols, x, 0, out, 0);
        return out;
    }

    @Benchmark
    public float[] int8Kernel() {
        quantized.quantize(x, 0, cols, weights.q8Forms());
        weights.matvecQ8(0, rows, cols, quantized, out, 0);
        return out;
    }
}
