package lucid.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The integer dot products against 8-bit activations ({@link FloatTensor#dotQ8}) and the row-range
 * products ({@link FloatTensor#matvec}, {@link FloatTensor#matvecQ8}): the Vector API path and the
 * scalar path against the weight-by-weight reference, the integer result against the float dot
 * product of the unquantized activations, and {@link Q8Activations} against ggml's q8_0 rule. Like
 * {@link QuantDotParityTest}, the build runs it at 128, 256 and 512 bits as well as the default width.
 */
class Q8DotParityTest {

    private static final long SEED = 0x1A7E_8B17L;

    /** Blocks per tensor: odd, so no width splits it evenly by luck. */
    private static final int BLOCKS = 19;

    private static final int[] SHIFTS = {0, 1, 3};

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q5_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void integerDotMatchesReference(GgmlType type) {
        int block = type.blockSize();
        int count = BLOCKS * block;
        for (int shift : SHIFTS) {
            Random random = new Random(SEED + type.ordinal() * 17L + shift);
            try (Arena arena = Arena.ofConfined()) {
                FloatTensor tensor = wrap(arena, type, count, shift, random);
                Q8Activations a = quantized(count + 64, random);
                assertTrue(tensor.hasQ8Dot());
                assertMatches(tensor, 0, a, 0, count);
                assertMatches(tensor, 0, a, 64, count);
                for (int b = 0; b < BLOCKS; b++) {
                    assertMatches(tensor, (long) b * block, a, 32, block);
                }
                assertMatches(tensor, 3L * block, a, 0, 7 * block);
                assertMatches(tensor, 2L * block, a, 0, 0);
            }
        }
    }

    /**
     * Rounding the activations to 8 bits moves each by at most half its block's step d, so the
     * integer dot product is within Σ|w_i|·d_i/2 of the float one on the unrounded activations (plus
     * the float-summation bound of both): the error llama.cpp accepts for the same speed-up.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q5_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void integerDotIsWithinTheActivationRoundingOfTheFloatDot(GgmlType type) {
        int count = BLOCKS * type.blockSize();
        Random random = new Random(SEED - type.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            FloatTensor tensor = wrap(arena, type, count, 1, random);
            float[] x = activations(count, random);
            Q8Activations a = new Q8Activations();
            a.quantize(x, 0, count);
            double rounding = 0;
            for (int i = 0; i < count; i++) {
                rounding += Math.abs(tensor.getFloat(i)) * a.d[i / Q8Activations.BLOCK] / 2;
            }
            double bound = rounding * (1 + 1e-5) + floatTolerance(tensor, 0, x, 0, count);
            float floatDot = tensor.dot(0, x, 0, count);
            float intDot = tensor.dotQ8(0, a, 0, count);
            assertTrue(Math.abs((double) intDot - floatDot) <= bound,
                    type + ": integer dot " + intDot + ", float dot " + floatDot + ", bound " + bound);
            // The bound is not loose to the point of passing anything: rounding moves the result.
            assertTrue(rounding > 0);
        }
    }

    /**
     * Rows longer than {@link Q8Activations#SHORT_ACTIVATIONS_MAX} take kernels that read the
     * activations as bytes (Q4_K, Q5_K; Q6_K, which keeps its shorts, for its long rows): a row range of them
     * agrees with the reference row by row.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_K", "Q5_K", "Q6_K"})
    void longRowsReadTheActivationsAsBytesAndAgree(GgmlType type) {
        int cols = 2 * Q8Activations.SHORT_ACTIVATIONS_MAX;
        assertTrue(Q8Activations.readsBytes(cols));
        assertFalse(Q8Activations.readsBytes(Q8Activations.SHORT_ACTIVATIONS_MAX));
        int rows = 5;
        Random random = new Random(SEED ^ (31L * type.ordinal()));
        try (Arena arena = Arena.ofConfined()) {
            FloatTensor tensor = wrap(arena, type, rows * cols, 1, random);
            Q8Activations a = quantized(cols, random);
            float[] x = new float[cols];
            for (int j = 0; j < cols; j++) {
                x[j] = a.get(j);
            }
            float[] out = new float[rows];
            tensor.matvecQ8(0, rows, cols, a, out, 0);
            for (int r = 0; r < rows; r++) {
                long offset = (long) r * cols;
                check(tensor, "matvecQ8 row " + r, out[r], tensor.dotQ8Reference(offset, a, 0, cols),
                        floatTolerance(tensor, offset, x, 0, cols), offset, cols);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q5_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void rowRangesEqualRowByRowDots(GgmlType type) {
        int cols = 2 * Math.max(type.blockSize(), 64);
        int rows = 13;
        Random random = new Random(SEED ^ type.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            FloatTensor tensor = wrap(arena, type, rows * cols, 3, random);
            float[] x = activations(cols + 5, random);
            Q8Activations a = new Q8Activations();
            a.quantize(x, 5, cols);
            // Odd and even counts of rows: ranges are taken as pairs of rows half the range apart,
            // and an odd range has one row left over.
            for (int[] range : new int[][] {{2, 11}, {0, rows}, {3, 7}, {5, 6}, {8, 10}}) {
                float[] out = new float[rows + 4];
                float[] outQ8 = new float[rows + 4];
                int start = range[0];
                int end = range[1];
                tensor.matvec(start, end, cols, x, 5, out, 1);
                tensor.matvecQ8(start, end, cols, a, outQ8, 1);
                String where = type + " rows " + start + ".." + end;
                // A range's rows may run in another compiled state than the single dots, whose lane
                // sums can differ in the last bits; a row's sum can cancel to far below its terms, so
                // the tolerance follows the largest row of the range, not the row itself.
                float size = 0;
                for (int r = start; r < end; r++) {
                    size = Math.max(size, Math.abs(tensor.dot((long) r * cols, x, 5, cols)));
                }
                for (int r = 0; r < out.length; r++) {
                    if (r < 1 || r >= 1 + end - start) {
                        assertEquals(0f, out[r], where + ": matvec wrote outside its rows at " + r);
                        assertEquals(0f, outQ8[r], where + ": matvecQ8 wrote outside its rows at " + r);
                        continue;
                    }
                    long offset = (long) (start + r - 1) * cols;
                    float dot = tensor.dot(offset, x, 5, cols);
                    float dotQ8 = tensor.dotQ8(offset, a, 0, cols);
                    assertEquals(dot, out[r], size * 1e-5f, where + ": matvec row " + (start + r - 1));
                    assertEquals(dotQ8, outQ8[r], size * 1e-5f, where + ": matvecQ8 row " + (start + r - 1));
                }
            }
            float[] out = new float[rows + 4];
            assertThrows(IndexOutOfBoundsException.class, () -> tensor.matvec(2, rows + 1, cols, x, 5, out, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> tensor.matvecQ8(0, 3, cols, a, new float[2], 0));
            assertThrows(IllegalArgumentException.class, () -> tensor.matvec(0, 1, cols + 1, x, 0, out, 0));
        }
    }

    /**
     * Q4_0, Q4_K, Q5_K and Q6_K rows copied into groups of one row per float lane ({@link FloatTensor#repacked}):
     * every row range, whether it starts or ends inside a group or covers none, gives each row's
     * {@code dotQ8} reference within the float tolerance, and writes nothing outside its rows. Rows
     * that fill no whole group at the end of the matrix stay on the mapping's kernel.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void repackedRowsEqualTheReferenceDots(GgmlType type) {
        int cols = type.blockSize() == 256 ? 3 * 256 : 7 * 32;
        int groupRows = Q4_0RowGroups.ROWS;
        int rows = 3 * groupRows + 5;
        Random random = new Random(SEED + 99 + type.ordinal());
        try (Arena arena = Arena.ofShared()) {
            FloatTensor mapped = wrap(arena, type, rows * cols, 1, random);
            FloatTensor repacked = mapped.repacked(rows, cols);
            assertEquals(Q4_0RowGroups.SUPPORTED, repacked != mapped, "repacked where the vectors suit it");
            long perGroup = switch (type) {
                case Q4_K -> Q4_KRowGroups.bytesPerGroup(cols);
                case Q5_K -> Q5_KRowGroups.bytesPerGroup(cols);
                case Q6_K -> Q6_KRowGroups.bytesPerGroup(cols);
                default -> Q4_0RowGroups.bytesPerGroup(cols);
            };
            assertEquals(Q4_0RowGroups.SUPPORTED ? rows / groupRows * perGroup : 0, mapped.repackedBytes(rows, cols));
            assertEquals(Q4_0RowGroups.SUPPORTED ? rows / groupRows * groupRows : 0, mapped.repackedRows(rows, cols));
            assertTrue(repacked.repacked(rows, cols) == repacked, "repacking twice copies once");
            Q8Activations a = quantized(cols, random);
            float[] x = new float[cols];
            for (int j = 0; j < cols; j++) {
                x[j] = a.get(j);
            }
            int[][] ranges = {{0, rows}, {1, rows - 1}, {groupRows, 2 * groupRows},
                    {3, Math.min(rows, groupRows + 1)}, {2, 3}, {rows - 4, rows}};
            for (int[] range : ranges) {
                float[] out = new float[rows + 2];
                repacked.matvecQ8(range[0], range[1], cols, a, out, 1);
                for (int i = 0; i < out.length; i++) {
                    int r = i - 1 + range[0];
                    if (i < 1 || r >= range[1]) {
                        assertEquals(0f, out[i], "wrote outside rows " + range[0] + ".." + range[1] + " at " + i);
                        continue;
                    }
                    long offset = (long) r * cols;
                    check(mapped, "repacked row " + r + " of " + range[0] + ".." + range[1], out[i],
                            mapped.dotQ8Reference(offset, a, 0, cols), floatTolerance(mapped, offset, x, 0, cols),
                            offset, cols);
                }
            }
            assertThrows(IllegalArgumentException.class, () -> mapped.repacked(rows + 1, cols));
            // A matrix of 2^33 weights would need a nibble array over 2^31 bytes: it stays on the mapping.
            assertEquals(0, mapped.repackedBytes(1 << 20, 1 << 13));
            assertEquals(0, mapped.repackedRows(1 << 20, 1 << 13));
            assertEquals(Q4_0RowGroups.SUPPORTED, mapped.repackedBytes(1 << 17, 1 << 13) > 0);
        }
    }

    /**
     * A copy attached to the tensor itself ({@link FloatTensor#attachRepacked}, as background copies
     * are made) is the copy {@link FloatTensor#repacked} makes: the same bytes, the same groups, and
     * the tensor's products then give the same numbers as the repacked tensor's.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void attachedCopiesAreTheRepackedCopies(GgmlType type) {
        int cols = type.blockSize() == 256 ? 2 * 256 : 5 * 32;
        int rows = 2 * Q4_0RowGroups.ROWS + 3;
        Random random = new Random(SEED + 77 + type.ordinal());
        try (Arena arena = Arena.ofShared()) {
            FloatTensor mapped = wrap(arena, type, rows * cols, 1, random);
            FloatTensor repacked = mapped.repacked(rows, cols);
            Q8Activations a = quantized(cols, random);
            float[] expected = new float[rows];
            repacked.matvecQ8(0, rows, cols, a, expected, 0);
            assertEquals(1, mapped.rowAlignment(), "no groups before the copy");
            assertEquals(mapped.repackedBytes(rows, cols), mapped.attachRepacked(rows, cols));
            assertEquals(0, mapped.attachRepacked(rows, cols), "attaching twice copies once");
            assertEquals(repacked.rowAlignment(), mapped.rowAlignment());
            assertEquals(Q4_0RowGroups.SUPPORTED, mapped.rowAlignment() == Q4_0RowGroups.ROWS);
            float[] out = new float[rows];
            mapped.matvecQ8(0, rows, cols, a, out, 0);
            float[] x = new float[cols];
            for (int j = 0; j < cols; j++) {
                x[j] = a.get(j);
            }
            for (int r = 0; r < rows; r++) {
                long offset = (long) r * cols;
                check(mapped, "attached row " + r, out[r], expected[r], floatTolerance(mapped, offset, x, 0, cols), offset, cols);
            }
            assertEquals(0, mapped.attachRepacked(rows + 1, cols), "a tensor that reads a copy keeps it");
        }
    }

    /**
     * The largest products of the repacked kernels, all of one sign: their short lanes sum 16 of
     * them per 32 weights (Q4_0 nibbles 0 against +127, Q4_K nibbles 15 with scales and minimums 63),
     * or 8 per 16 (Q6_K quants 0, that is -32, with scales 127; Q5_K quants 0 and 31, -16 and 15 in
     * the lanes, with scales and minimums 63).
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q4_K", "Q5_K", "Q6_K"})
    void repackedExtremeQuantsDoNotOverflow(GgmlType type) {
        int rows = Q4_0RowGroups.ROWS;
        int cols = 256;
        int blocks = rows * cols / type.blockSize();
        for (int sign : new int[] {1, -1}) {
            java.nio.ByteBuffer bytes = TensorBytes.block(blocks * type.typeSize());
            for (int b = 0; b < blocks; b++) {
                if (type == GgmlType.Q6_K) {
                    // Quants 0 (ql and qh all zero bits), every scale 127, d 1.
                    bytes.put(new byte[192]);
                    for (int sub = 0; sub < 16; sub++) {
                        bytes.put((byte) 127);
                    }
                    bytes.putShort(Float.floatToFloat16(1f));
                    continue;
                }
                bytes.putShort(Float.floatToFloat16(1f));
                boolean kQuant = type == GgmlType.Q4_K || type == GgmlType.Q5_K;
                if (kQuant) {
                    bytes.putShort(Float.floatToFloat16(0.5f));
                }
                for (int i = 0; i < type.typeSize() - (kQuant ? 4 : 2); i++) {
                    // Q5_K: scales and minimums 63; in odd blocks every quant 0 (-16 in the lanes),
                    // in even ones 31 (+15).
                    boolean ones = switch (type) {
                        case Q4_K -> true;
                        case Q5_K -> i < 12 || b % 2 == 0;
                        default -> b % 2 == 1;
                    };
                    bytes.put((byte) (ones ? 0xFF : 0x00));
                }
            }
            float[] x = new float[cols];
            java.util.Arrays.fill(x, sign * 3f);
            Q8Activations a = new Q8Activations();
            a.quantize(x, 0, cols);
            try (Arena arena = Arena.ofShared()) {
                FloatTensor mapped = FloatTensor.wrap(type, TensorBytes.place(arena, bytes.array(), 0), rows * cols);
                FloatTensor repacked = mapped.repacked(rows, cols);
                float[] out = new float[rows];
                repacked.matvecQ8(0, rows, cols, a, out, 0);
                for (int r = 0; r < rows; r++) {
                    double exact = 0;
                    for (int i = 0; i < cols; i++) {
                        exact += (double) mapped.getFloat((long) r * cols + i) * a.get(i);
                    }
                    assertEquals(exact, out[r], Math.abs(exact) * 1e-5, type + " row " + r + " sign " + sign);
                }
            }
        }
    }

    /**
     * The integer kernels add products in short lanes before they widen (VectorSupport.widenSum and
     * widenNarrowSum): the largest quants against activations of ±127, every product the same sign,
     * must not wrap a lane. A wrapped lane is off by a multiple of 65536 times the block's scales,
     * far outside the float tolerance.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q5_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void extremeQuantsDoNotOverflowTheShortLanes(GgmlType type) {
        int blocks = 3;
        int count = blocks * type.blockSize();
        for (int sign : new int[] {1, -1}) {
            // Q8_0 quants of -128, Q4_0 nibbles of 0 (weight -8): against +127 the products are all
            // negative; Q4_K nibbles of 15 (Q5_K quants of 31) with every 6-bit scale and minimum 63;
            // Q5_0 quants of 31; Q2_K quants of 3 with scales and minimums 15; Q3_K quants of 7; Q6_K quants of 0.
            java.nio.ByteBuffer bytes = TensorBytes.block(blocks * type.typeSize());
            for (int b = 0; b < blocks; b++) {
                if (type == GgmlType.Q4_K || type == GgmlType.Q5_K) {
                    bytes.putShort(Float.floatToFloat16(1f)).putShort(Float.floatToFloat16(0.5f));
                    for (int i = 0; i < type.typeSize() - 4; i++) {
                        bytes.put((byte) 0xFF);
                    }
                } else if (type == GgmlType.Q5_0) {
                    // Every quant 31 (fifth bits all set): weight 15, products all of one sign.
                    bytes.putShort(Float.floatToFloat16(1f));
                    for (int i = 0; i < 4 + 16; i++) {
                        bytes.put((byte) 0xFF);
                    }
                } else if (type == GgmlType.Q2_K) {
                    // Every quant 3 and every 4-bit scale and minimum 15.
                    for (int i = 0; i < 16 + 64; i++) {
                        bytes.put((byte) 0xFF);
                    }
                    bytes.putShort(Float.floatToFloat16(1f)).putShort(Float.floatToFloat16(0.5f));
                } else if (type == GgmlType.Q3_K) {
                    // Every quant 7 (low bits 3, third bit set) and every 6-bit scale 63 (+31).
                    for (int i = 0; i < 32 + 64 + 12; i++) {
                        bytes.put((byte) 0xFF);
                    }
                    bytes.putShort(Float.floatToFloat16(1f));
                } else if (type == GgmlType.Q6_K) {
                    // Every quant 0 (weight -32 times its scale) and every scale 127.
                    for (int i = 0; i < 128 + 64; i++) {
                        bytes.put((byte) 0);
                    }
                    for (int i = 0; i < 16; i++) {
                        bytes.put((byte) 127);
                    }
                    bytes.putShort(Float.floatToFloat16(1f));
                } else {
                    bytes.putShort(Float.floatToFloat16(1f));
                    for (int i = 0; i < type.typeSize() - 2; i++) {
                        bytes.put(type == GgmlType.Q8_0 ? (byte) -128 : (byte) 0);
                    }
                }
            }
            float[] x = new float[count];
            java.util.Arrays.fill(x, sign * 3f);
            Q8Activations a = new Q8Activations();
            a.quantize(x, 0, count);
            assertEquals(sign * 127, a.qs[0]);
            try (Arena arena = Arena.ofConfined()) {
                FloatTensor tensor = FloatTensor.wrap(type, TensorBytes.place(arena, bytes.array(), 1), count);
                assertMatches(tensor, 0, a, 0, count);
                double exact = 0;
                for (int i = 0; i < count; i++) {
                    exact += (double) tensor.getFloat(i) * a.get(i);
                }
                assertEquals(exact, tensor.dotQ8Vector(0, a, 0, count), Math.abs(exact) * 1e-5, type + " sign " + sign);
            }
        }
    }

    @Test
    void activationsFollowGgmlQ8_0() {
        Random random = new Random(SEED);
        float[] x = activations(96, random);
        x[40] = 0f;
        for (int i = 64; i < 96; i++) {
            x[i] = 0f; // an all-zero block: scale 0, quants 0
        }
        x[3] = -9f; // the largest in block 0 becomes -127
        Q8Activations a = new Q8Activations();
        a.quantize(x, 0, 96);
        assertEquals(96, a.length());
        assertEquals(9f / 127f, a.d[0]);
        assertEquals(-127, a.qs[3]);
        assertEquals(0f, a.d[2]);
        for (int b = 0; b < 3; b++) {
            int total = 0;
            for (int j = 0; j < 32; j++) {
                int i = 32 * b + j;
                float want = b < 2 ? x[i] / a.d[b] : 0f;
                assertTrue(Math.abs(want - a.qs[i]) <= 0.5f + 1e-4f, "quant " + i + " = " + a.qs[i] + " for " + want);
                total += a.qs[i];
            }
            assertEquals(a.d[b] * total, a.sum[b], 0f);
            assertEquals(total, a.blockSum[b]);
            for (int half = 2 * b; half < 2 * b + 2; half++) {
                int halfTotal = 0;
                for (int j = 16 * half; j < 16 * half + 16; j++) {
                    halfTotal += a.qs[j];
                }
                assertEquals(a.d[b], a.halfD[half], "scale of the 16 from " + 16 * half);
                assertEquals(halfTotal, a.halfSum[half], 0f, "sum of the 16 from " + 16 * half);
            }
            for (int j = 0; j < 16; j++) {
                assertEquals(-8 * (a.qs[32 * b + j] + a.qs[32 * b + j + 16]), a.nibbleBias[16 * b + j], "bias " + j);
            }
        }
        // Split by position within each chunk: the even ones first, then the odd ones.
        int chunk = VectorSupport.PAIR_CHUNK;
        for (int i = 0; i < 96; i++) {
            int start = i / chunk * chunk;
            short[] half = (i - start) % 2 == 0 ? a.evenWide : a.oddWide;
            assertEquals(a.qs[i], half[start / 2 + (i - start) / 2], "activation " + i + " in its chunk's " + (half == a.evenWide ? "even" : "odd") + " half");
        }
        for (int i = 0; i < 48; i++) {
            assertEquals((a.qs[2 * i] & 0xFFFF) | a.qs[2 * i + 1] << 16, a.pairs[i], "pair " + i);
            assertEquals(a.qs[2 * i], a.wide[2 * i]);
        }
        assertThrows(IllegalArgumentException.class, () -> a.quantize(x, 0, 33));
    }

    @Test
    void quantsRoundHalfAwayFromZeroAsGgml() {
        // A block whose largest value is 127 has scale 1, so each quant is the rounded value itself.
        float[] x = {127f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 0.49999997f, -0.49999997f, 126.5f, -126.5f,
            0.50000006f, -0.50000006f, 3.4999998f, -3.4999998f, 0f, -0f, 64.5f, -64.5f, 1e-7f, -1e-7f, 99.75f,
            -99.25f, 17f, -17f, 0.25f, -0.75f, 5.5f, -5.5f, 6.5f, -6.5f, 126.99999f};
        int[] want = {127, 1, -1, 2, -2, 3, -3, 0, 0, 127, -127, 1, -1, 3, -3, 0, 0, 65, -65, 0, 0, 100, -99, 17, -17,
            0, -1, 6, -6, 7, -7, 127};
        Q8Activations a = new Q8Activations();
        a.quantize(x, 0, 32);
        assertEquals(1f, a.d[0]);
        int total = 0;
        for (int j = 0; j < 32; j++) {
            assertEquals(want[j], a.qs[j], "quant of " + x[j]);
            assertEquals(want[j], a.wide[j], "wide quant of " + x[j]);
            total += want[j];
        }
        assertEquals(total, a.sum[0], 0f);
    }

    /**
     * Random blocks of many magnitudes, with ties made on purpose, against ggml's rule written out
     * one value at a time (scale amax / 127, inverse 1 / scale, roundf): the quants, their widened
     * copies, the scales and every sum equal it exactly, at whatever width this run's vectors have.
     */
    @Test
    void quantsEqualTheScalarRuleOnRandomBlocks() {
        Random random = new Random(SEED + 5);
        int n = 37 * 32;
        float[] x = new float[n + 3];
        for (int b = 0; b < 37; b++) {
            float magnitude = (float) Math.pow(10, random.nextInt(9) - 4);
            for (int j = 0; j < 32; j++) {
                x[3 + 32 * b + j] = (float) random.nextGaussian() * magnitude;
            }
            if (b % 3 == 0) {
                // Peak 127 makes the scale 1, so halves quantize as ties.
                x[3 + 32 * b] = 127f;
                for (int j = 1; j < 32; j += 2) {
                    x[3 + 32 * b + j] = (random.nextInt(254) - 127) + 0.5f * (random.nextBoolean() ? 1 : -1);
                }
            }
        }
        java.util.Arrays.fill(x, 3 + 32 * 5, 3 + 32 * 6, 0f); // a block of zeros: scale 0
        Q8Activations a = new Q8Activations();
        a.quantize(x, 3, n);
        for (int b = 0; b < 37; b++) {
            float amax = 0f;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[3 + 32 * b + j]));
            }
            float scale = amax / 127f;
            float inverse = scale != 0f ? 1f / scale : 0f;
            assertEquals(scale, a.d[b], "scale of block " + b);
            int total = 0;
            int[] halves = new int[2];
            for (int j = 0; j < 32; j++) {
                float v = x[3 + 32 * b + j] * inverse;
                // roundf: half away from zero, exact in double (|v| + 0.5 loses nothing there).
                int q = (int) Math.signum(v) * (int) Math.floor(Math.abs(v) + 0.5);
                assertEquals(q, a.qs[32 * b + j], "quant " + j + " of block " + b + " for " + v);
                assertEquals(q, a.wide[32 * b + j], "widened quant " + j + " of block " + b);
                total += q;
                halves[j / 16] += q;
            }
            assertEquals(total, a.blockSum[b]);
            assertEquals(scale * total, a.sum[b]);
            assertEquals(halves[0], a.halfSum[2 * b], 0f);
            assertEquals(halves[1], a.halfSum[2 * b + 1], 0f);
            assertEquals(scale, a.halfD[2 * b]);
            assertEquals(scale, a.halfD[2 * b + 1]);
        }
    }

    /**
     * A product quantizes its input into the forms its tensor declares ({@link FloatTensor#q8Forms})
     * and no others, so a form left over from an earlier input must never be read: products from
     * activations that hold stale copies of every other form equal those from freshly filled ones, to
     * a hundred-thousandth of the largest product (the two calls may run in different compiled states).
     * Activations lacking a declared form are refused.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q5_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void productsReadOnlyTheFormsTheirTensorDeclares(GgmlType type) {
        int cols = 2 * 256;
        int rows = 2 * Q4_0RowGroups.ROWS + 3;
        Random random = new Random(SEED + 7 + type.ordinal());
        try (Arena arena = Arena.ofShared()) {
            FloatTensor mapped = wrap(arena, type, rows * cols, 1, random);
            for (FloatTensor tensor : new FloatTensor[] {mapped, mapped.repacked(rows, cols)}) {
                float[] earlier = activations(cols, random);
                float[] x = activations(cols, random);
                Q8Activations stale = new Q8Activations();
                stale.quantize(earlier, 0, cols);
                stale.quantize(x, 0, cols, tensor.q8Forms());
                assertEquals(tensor.q8Forms(), stale.forms());
                Q8Activations fresh = new Q8Activations();
                fresh.quantize(x, 0, cols);
                float[] fromStale = new float[rows];
                float[] fromFresh = new float[rows];
                tensor.matvecQ8(0, rows, cols, stale, fromStale, 0);
                tensor.matvecQ8(0, rows, cols, fresh, fromFresh, 0);
                // The two calls may run in different compiled states of the kernel, whose lane sums
                // can differ in the last bits (docs/PERFORMANCE.md, "The same logits cold and warm");
                // a stale form moves a product by about its own size.
                float size = 0;
                for (float v : fromFresh) {
                    size = Math.max(size, Math.abs(v));
                }
                assertArrayEquals(fromFresh, fromStale, 1e-5f * size,
                        type + (tensor == mapped ? "" : " repacked") + " read a form it does not declare");
                if (tensor.q8Forms() != 0) {
                    Q8Activations lacking = new Q8Activations();
                    lacking.quantize(x, 0, cols, 0);
                    assertThrows(IllegalArgumentException.class,
                            () -> tensor.matvecQ8(0, rows, cols, lacking, fromStale, 0));
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new Q8Activations().quantize(new float[32], 0, 32, 8));
    }

    @Test
    void typesWithoutAnIntegerPathSayNo() {
        try (Arena arena = Arena.ofConfined()) {
            FloatTensor tensor = wrap(arena, GgmlType.F32, 64, 0, new Random(SEED));
            Q8Activations a = quantized(64, new Random(SEED));
            assertEquals(false, tensor.hasQ8Dot());
            assertThrows(UnsupportedOperationException.class, () -> tensor.dotQ8(0, a, 0, 32));
        }
    }

    private static void assertMatches(FloatTensor tensor, long offset, Q8Activations a, int aOffset, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = a.get(aOffset + i);
        }
        float reference = tensor.dotQ8Reference(offset, a, aOffset, n);
        double tolerance = floatTolerance(tensor, offset, x, 0, n);
        check(tensor, "dotQ8Vector", tensor.dotQ8Vector(offset, a, aOffset, n), reference, tolerance, offset, n);
        check(tensor, "dotQ8Scalar", tensor.dotQ8Scalar(offset, a, aOffset, n), reference, tolerance, offset, n);
        check(tensor, "dotQ8", tensor.dotQ8(offset, a, aOffset, n), reference, tolerance, offset, n);
    }

    private static void check(FloatTensor tensor, String path, float actual, float reference, double tolerance,
            long offset, int n) {
        if (!(Math.abs((double) actual - reference) <= tolerance)) {
            fail(tensor.type() + " " + path + " at offset " + offset + ", n " + n + ": " + actual
                    + " but the reference is " + reference + " (tolerance " + tolerance + ")");
        }
    }

    /**
     * The float-summation bound of {@link QuantDotParityTest}: the integer sums are exact, so the
     * paths differ from the reference only in the order and grouping of float additions and in
     * the scale products (d_w·d_x, then times the exact integer sum), a few roundings per block.
     */
    private static double floatTolerance(FloatTensor tensor, long offset, float[] x, int xOffset, int n) {
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

    private static FloatTensor wrap(Arena arena, GgmlType type, int count, int shift, Random random) {
        MemorySegment data = TensorBytes.place(arena, TensorBytes.random(type, count, random), shift);
        return FloatTensor.wrap(type, data, count);
    }

    private static Q8Activations quantized(int count, Random random) {
        Q8Activations a = new Q8Activations();
        a.quantize(activations(count, random), 0, count);
        return a;
    }

    private static float[] activations(int count, Random random) {
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }
}
