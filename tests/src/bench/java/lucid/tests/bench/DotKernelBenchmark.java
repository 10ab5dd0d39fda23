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

import lucid.engine.backend.Backend;
import lucid.engine.tensor.FloatTensor;
import lucid.engine.tensor.GgmlType;

/**
 * Matrix-vector products per weight type, the operation token generation spends its time in.
 * Score: products per second of a (rows × cols) matrix; multiply by the matrix's bytes for GB/s.
 * The matrix (16 MiB as F32) is larger than the caches, so the numbers include streaming from memory.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DotKernelBenchmark {

    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K"})
    public String type;

    @Param({"1024"})
    public int rows;

    @Param({"4096"})
    public int cols;

    private Arena arena;
    private FloatTensor weights;
    private float[] x;
    private float[] out;
    private Backend oneThread;
    private Backend allThreads;

    @Setup(Level.Trial)
    public void setUp() {
        GgmlType t = GgmlType.valueOf(type);
        long n = (long) rows * cols;
        arena = Arena.ofShared();
        MemorySegment data = arena.allocate(t.byteSize(n), 64);
        SplittableRandom random = new SplittableRandom(42);
        for (long i = 0; i < data.byteSize(); i++) {
            data.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt(256));
        }
        // Random bytes may form NaN scales or values; give every f16/bf16 field a sane number instead.
        ValueLayout.OfShort half = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        switch (t) {
            case F32 -> {
                for (long i = 0; i < n; i++) {
                    data.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4 * i,
                            (float) random.nextGaussian() * 0.02f);
                }
            }
            case F16, BF16 -> {
                for (long i = 0; i < n; i++) {
                    float v = (float) random.nextGaussian() * 0.02f;
                    short bits = t == GgmlType.F16 ? Float.floatToFloat16(v) : (short) (Float.floatToIntBits(v) >>> 16);
                    data.set(half, 2 * i, bits);
                }
            }
            default -> {
                // Legacy quant blocks start with an f16 scale (and Q4_1/Q5_1 an f16 minimum after it);
                // Q4_K/Q5_K with d and dmin; Q6_K ends with its f16 d.
                for (long b = 0; b < n / t.blockSize(); b++) {
                    long at = t == GgmlType.Q6_K ? (b + 1) * t.typeSize() - 2 : b * t.typeSize();
                    data.set(half, at, Float.floatToFloat16(0.01f));
                    if (t == GgmlType.Q4_1 || t == GgmlType.Q5_1 || t == GgmlType.Q4_K || t == GgmlType.Q5_K) {
                        data.set(half, at + 2, Float.floatToFloat16(-0.05f));
                    }
                }
            }
        }
        weights = FloatTensor.wrap(t, data, n);
        x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = (float) random.nextGaussian();
        }
        out = new float[rows];
        oneThread = Backend.open("cpu", 1);
        allThreads = Backend.open("cpu", Runtime.getRuntime().availableProcessors());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        oneThread.close();
        allThreads.close();
        arena.close();
    }

    @Benchmark
    public float[] matvecOneThread() {
        oneThread.matmul(weights, x, 0, out, 0, rows, cols);
        return out;
    }

    @Benchmark
    public float[] matvecAllThreads() {
        allThreads.matmul(weights, x, 0, out, 0, rows, cols);
        return out;
    }
}
