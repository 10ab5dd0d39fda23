package lucid.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

import jdk.incubator.vector.FloatVector;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Vector API and scalar {@code dot} of every supported type against {@code dotReference}, and
 * {@code dequantize} against {@code getFloat}, on seeded random weights. The build runs this class
 * once per vector width (default, 128, 256, 512 bits: see engine/pom.xml), so every kernel is
 * checked at every width on one CPU.
 */
class QuantDotParityTest {

    private static final long SEED = 0x5EED_1ADE_CAFEL;

    /** Blocks per quantized tensor: odd, so no width divides the tensor into even halves by luck. */
    private static final int QUANT_BLOCKS = 37;

    /** Weights per plain (F32/F16/BF16) tensor: odd, so tails are exercised. */
    private static final int PLAIN_WEIGHTS = 203;

    /** Byte offsets of the tensor inside its allocation: aligned, odd, and odd again. */
    private static final int[] SHIFTS = {0, 1, 3};

    @Test
    void runsAtTheForcedWidth() {
        String forced = System.getProperty(VectorSupport.BITS_PROPERTY);
        if (forced == null) {
            assertEquals(FloatVector.SPECIES_PREFERRED, VectorSupport.FLOAT_SPECIES);
        } else {
            assertEquals(Integer.parseInt(forced.strip()), VectorSupport.FLOAT_SPECIES.vectorBitSize(),
                    "kernels must run at the width the build forced");
            boolean turnedOff = "false".equalsIgnoreCase(System.getProperty(VectorSupport.ENABLED_PROPERTY));
            assertTrue(VectorSupport.ENABLED || turnedOff, "a forced width must turn the Vector API path on");
        }
        System.out.println("QuantDotParityTest runs on " + VectorSupport.describe());
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K"})
    void quantizedDotMatchesReference(GgmlType type) {
        int count = QUANT_BLOCKS * type.blockSize();
        int block = type.blockSize();
        for (int shift : SHIFTS) {
            Random random = new Random(SEED + type.ordinal() * 31L + shift);
            try (Arena arena = Arena.ofConfined()) {
                FloatTensor tensor = wrap(arena, type, count, shift, random);
                float[] x = activations(count + 5, random);
                assertDotsMatch(tensor, 0, x, 0, count);
                assertDotsMatch(tensor, 0, x, 5, count);
                // Every block alone: a short sum, so one wrong weight cannot hide in the tolerance.
                for (int b = 0; b < QUANT_BLOCKS; b++) {
                    assertDotsMatch(tensor, (long) b * block, x, b * block + 1, block);
                }
                assertDotsMatch(tensor, 3L * block, x, 2, 7 * block);
                assertDotsMatch(tensor, 5L * block, x, 0, 30 * block);
                assertDotsMatch(tensor, 4L * block, x, 0, 0);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16"})
    void plainDotMatchesReferenceAtEveryLengthAndOffset(GgmlType type) {
        for (int shift : SHIFTS) {
            Random random = new Random(SEED + type.ordinal() * 31L + shift);
            try (Arena arena = Arena.ofConfined()) {
                FloatTensor tensor = wrap(arena, type, PLAIN_WEIGHTS, shift, random);
                float[] x = activations(PLAIN_WEIGHTS + 3, random);
                assertDotsMatch(tensor, 0, x, 0, PLAIN_WEIGHTS);
                // Lengths 0..70 cover a vector loop of 0..4 full iterations plus every tail length
                // at every width (at most 16 lanes); offsets 1 and 17 put weights at odd addresses.
                for (int offset : new int[] {0, 1, 17, 100}) {
                    for (int n = 0; n <= 70; n++) {
                        assertDotsMatch(tensor, offset, x, 3, n);
                    }
                }
            }
        }
    }

    /**
     * With x all zero but a single 1, every path must return exactly that one weight: each product
     * is exact (w·1, w·0) and so is adding zeros, whatever the order. Unlike the summed checks above,
     * this sees a weight that is decoded wrong however small it is next to the others (an f16
     * subnormal, say), and it pins each weight to its lane.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K"})
    void oneHotDotPicksOutEachWeightExactly(GgmlType type) {
        int block = type.blockSize();
        int count = type.isQuantized() ? QUANT_BLOCKS * block : PLAIN_WEIGHTS;
        // Quantized: a window of three blocks from block 2. Plain: everything from weight 1, so the
        // window starts at an odd address and ends in a tail at every width.
        long offset = type.isQuantized() ? 2L * block : 1;
        int n = type.isQuantized() ? 3 * block : PLAIN_WEIGHTS - 1;
        Random random = new Random(SEED ^ type.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            FloatTensor tensor = wrap(arena, type, count, 1, random);
            float[] x = new float[n + 2];
            for (int i = 0; i < n; i++) {
                x[2 + i] = 1f;
                float expected = tensor.getFloat(offset + i);
                String where = type + " one-hot at weight " + (offset + i) + ", ";
                assertEquals(expected, tensor.dotVector(offset, x, 2, n), 0f, where + "dotVector");
                assertEquals(expected, tensor.dotScalar(offset, x, 2, n), 0f, where + "dotScalar");
                x[2 + i] = 0f;
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
            "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K"})
    void dequantizeEqualsGetFloatExactly(GgmlType type) {
        int block = type.blockSize();
        int count = type.isQuantized() ? QUANT_BLOCKS * block : PLAIN_WEIGHTS;
        for (int shift : SHIFTS) {
            Random random = new Random(SEED - type.ordinal() - shift);
            try (Arena arena = Arena.ofConfined()) {
                FloatTensor tensor = wrap(arena, type, count, shift, random);
                float[] expected = new float[count];
                for (int i = 0; i < count; i++) {
                    expected[i] = tensor.getFloat(i);
                }
                float[] all = new float[count];
                tensor.dequantize(0, all, 0, count);
                assertArrayEquals(expected, all, () -> type + " dequantize of everything at shift " + shift);
                // Both paths, whichever dequantize took: the scalar decode and the vector one.
                float[] scalar = new float[count];
                tensor.decode(0, scalar, 0, count);
                assertArrayEquals(expected, scalar, () -> type + " scalar decode at shift " + shift);
                if (VectorSupport.ENABLED) {
                    float[] vector = new float[count];
                    tensor.decodeVector(0, vector, 0, count);
                    assertArrayEquals(expected, vector, () -> type + " vector decode at shift " + shift);
                }

                // A middle range into the middle of a larger array: nothing before or after is touched.
                int from = 3 * block;
                int n = 11 * block;
                float[] out = new float[n + 14];
                Arrays.fill(out, Float.NaN);
                tensor.dequantize(from, out, 7, n);
                for (int i = 0; i < out.length; i++) {
                    float want = i >= 7 && i < 7 + n ? expected[from + i - 7] : Float.NaN;
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(out[i]),
                            type + " dequantize range, out[" + i + "]");
                }
            }
        }
    }

    /**
     * Q4_K's matrix-vector product takes the activations' sums per 32 once for a range of rows
     * (Q4_KTensor.activationSums) and every row's kernel reads them: each row of a range that starts
     * mid-tensor, against an offset activation vector, must still match its reference, and the
     * sums must be the sums.
     */
    @Test
    void q4kRowRangeSharesOneActivationSum() {
        int cols = 4 * 256;
        int rows = 9;
        Random random = new Random(SEED ^ 0x44);
        try (Arena arena = Arena.ofConfined()) {
            FloatTensor tensor = wrap(arena, GgmlType.Q4_K, rows * cols, 1, random);
            float[] x = activations(cols + 3, random);
            float[] out = new float[rows];
            tensor.matvec(2, rows, cols, x, 3, out, 1);
            assertEquals(0f, out[0], "matvec wrote before its rows");
            for (int r = 2; r < rows; r++) {
                long offset = (long) r * cols;
                check(tensor, "matvec row " + r, out[r - 1], tensor.dotReference(offset, x, 3, cols),
                        tolerance(tensor, offset, x, 3, cols), offset, cols);
            }
            float[] sums = new float[cols / 32];
            Q4_KTensor.activationSums(x, 3, cols, sums);
            for (int b = 0; b < sums.length; b++) {
                double sum = 0;
                double abs = 0;
                for (int i = 0; i < 32; i++) {
                    sum += x[3 + 32 * b + i];
                    abs += Math.abs(x[3 + 32 * b + i]);
                }
                assertEquals(sum, sums[b], 32 * 0x1p-24 * abs, "sum of activations " + 32 * b + "..");
            }
        }
    }

    /** All eight Q4_K scales and minimums unpacked at once equal the ones unpacked one by one. */
    @Test
    void q4kScalesUnpackTogetherAsOneByOne() {
        Random random = new Random(SEED ^ 0x4B);
        for (int t = 0; t < 10_000; t++) {
            long low = random.nextLong();
            int high = random.nextInt();
            long scales = PackedScales.scalesK4(low, high);
            long mins = PackedScales.minsK4(low, high);
            for (int j = 0; j < 8; j++) {
                assertEquals(PackedScales.scaleK4(low, high, j), (int) (scales >>> (8 * j)) & 0xFF, "scale " + j);
                assertEquals(PackedScales.minK4(low, high, j), (int) (mins >>> (8 * j)) & 0xFF, "minimum " + j);
            }
        }
    }

    private static FloatTensor wrap(Arena arena, GgmlType type, int count, int shift, Random random) {
        MemorySegment data = TensorBytes.place(arena, TensorBytes.random(type, count, random), shift);
        return FloatTensor.wrap(type, data, count);
    }

    private static float[] activations(int count, Random random) {
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    /**
     * The vector path, the scalar path and the public {@code dot} must each agree with the reference
     * within {@link #tolerance}.
     */
    private static void assertDotsMatch(FloatTensor tensor, long offset, float[] x, int xOffset, int n) {
        float reference = tensor.dotReference(offset, x, xOffset, n);
        double tolerance = tolerance(tensor, offset, x, xOffset, n);
        check(tensor, "dotVector", tensor.dotVector(offset, x, xOffset, n), reference, tolerance, offset, n);
        check(tensor, "dotScalar", tensor.dotScalar(offset, x, xOffset, n), reference, tolerance, offset, n);
        check(tensor, "dot", tensor.dot(offset, x, xOffset, n), reference, tolerance, offset, n);
    }

    private static void check(FloatTensor tensor, String path, float actual, float reference, double tolerance,
            long offset, int n) {
        if (!(Math.abs((double) actual - reference) <= tolerance)) {
            fail(tensor.type() + " " + path + " at offset " + offset + ", n " + n + ": " + actual
                    + " but the reference is " + reference + " (tolerance " + tolerance + ")");
        }
    }

    /**
     * How far two float sums of the same n terms may drift apart when they add in different orders.
     *
     * <p>Summing n terms in float in any order (sequentially, per lane, in a tree, with or without
     * FMA) is off from the exact sum by at most about n·u·Σ|term|, u = 2^-24 (Higham, "Accuracy and
     * Stability of Numerical Algorithms", §4.2). The kernels also regroup the terms: quantized
     * blocks are summed as d·Σ(q·x) + m·Σ(x) instead of Σ((q·d + m)·x) (K-quants do the same per
     * sub-block, with that sub-block's scale and minimum), adding a few roundings per block on
     * partial sums whose size is at most a few times Σ|x|·max|w| over the block (|q·d| and |m| are
     * both at most 3·max|w| of a block, since max|w| bounds the block's range; a K-quant sub-block
     * could cancel more only if its quants left most of their levels unused, and max|w| is taken over
     * the whole super-block of 8 or 16 sub-blocks). So each
     * result is within (n + 4)·u·3·M of the exact sum, M = Σ|x_i|·max|w| of i's block, and the two
     * within twice that; 8 instead of 6 leaves a margin. Gradual underflow adds at most 2^-150 per
     * operation, hence the absolute term. A wrong decode (a swapped nibble, a misplaced fifth bit)
     * changes a one-block sum by about M / 32, far above this bound.
     */
    private static double tolerance(FloatTensor tensor, long offset, float[] x, int xOffset, int n) {
        int block = tensor.type().blockSize();
        double magnitude = 0;
        for (int start = 0; start < n; start += block) {
            double maxAbs = 0;
            double xAbs = 0;
            for (int i = start; i < start + block; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(tensor.getFloat(offset + i)));
                xAbs += Math.abs(x[xOffset + i]);
            }
            magnitude += maxAbs * xAbs;
        }
        return 8.0 * (n + 4) * 0x1p-24 * magnitude + n * 0x1p-149;
    }
}
