package lucid.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * A copy of a Q4_0 matrix's rows rearranged so that the integer kernel computes {@link #ROWS} rows at
 * once, one row per float lane: made at load only when the user asks for it ({@code --repack}),
 * because it costs memory (about 1.11 times the rows' Q4_0 bytes, on the Java heap) beside the file
 * mapping.
 *
 * <p>Why it is faster: the kernel over the mapping sums each row's products across vector lanes and
 * converts every block's f16 scale on its own, about 37 instructions per 18-byte block on AVX2. Here
 * the lanes of a vector belong to different rows, so there is nothing to sum across lanes, the
 * scales are stored as floats ready for a vector load, and each 16-bit multiply serves
 * {@code 2 · ROWS} weights.
 *
 * <p>Layout, per group of {@code ROWS} consecutive rows and {@code nb = cols / 32} blocks:
 * <pre>
 * scales    nb · ROWS floats: block b of row r at [b · ROWS + r]
 * nibbles   nb · 8 steps of 2 · ROWS bytes: byte 2r + t of step 8b + k holds, of row r and block b,
 *           weight 4k + t in its low nibble and weight 4k + 2 + t in its high nibble
 * </pre>
 * Zero-extended to shorts, lanes {@code 2r} and {@code 2r + 1} of a step are row {@code r}'s; the low
 * nibbles multiply activations {@code 4k, 4k + 1} (the block's pair 2k, {@link Q8Activations#pairs}, broadcast
 * to every int lane) and the high nibbles {@code 4k + 2, 4k + 3}. After a block's 8 steps
 * each lane holds 16 products of a nibble (0..15) and an activation (-127..127), at most 30480 in
 * magnitude, so short lanes do not overflow; the two lanes of a row then sum exactly in an int lane.
 *
 * <p>The rows of a matrix that do not fill a group stay on the mapping's kernel.
 */
final class Q4_0RowGroups {

    private static final VectorSpecies<Float> FLOATS = VectorSupport.FLOAT_SPECIES;
    /** Rows per group: one per float lane. */
    static final int ROWS = FLOATS.length();
    // The species and the step size of every repacked layout (Q4_KRowGroups, Q6_KRowGroups too).
    static final VectorSpecies<Integer> INTS = VectorSupport.INT_SPECIES;
    static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_PREFERRED.withShape(FLOATS.vectorShape());
    static final VectorSpecies<Byte> STEP_BYTES = ByteVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(Math.max(64, FLOATS.vectorBitSize() / 2)));
    static final int STEP = 2 * ROWS;
    private static final int STEPS_PER_BLOCK = 8;
    private static final int BLOCK_WEIGHTS = Q4_0Tensor.BLOCK_WEIGHTS;

    /** Whether this machine's vectors suit the layout: the integer path with 8 shorts or more. */
    static final boolean SUPPORTED = VectorSupport.INT8_ENABLED && STEP_BYTES.vectorBitSize() >= 64
            && SHORTS.length() == STEP;

    // A thread that is not this one, never started: asks a segment whether other threads may read it.
    private static final Thread OTHER_THREAD = Thread.ofPlatform().unstarted(() -> { });

    final int cols;
    final int groups;
    private final int blocks;
    // Java arrays, not native memory: a kernel that reads both a file mapping and native memory through
    // the Vector API's segment loads sees two segment classes at the JDK's shared call sites, and C2
    // then kept type and liveness checks inside this loop (about 34 instructions per 18 bytes of Q4_0,
    // no faster than the mapping's own kernel). Array loads compile to the bare loads.
    private final float[] scales;   // [group][block][row]
    private final byte[] nibbles;   // [group][step][2 · row + t]

    private Q4_0RowGroups(int cols, int groups, float[] scales, byte[] nibbles) {
        this.cols = cols;
        this.groups = groups;
        this.blocks = cols / BLOCK_WEIGHTS;
        this.scales = scales;
        this.nibbles = nibbles;
    }

    static long bytesPerGroup(int cols) {
        return (long) (cols / BLOCK_WEIGHTS) * (4L * ROWS + (long) STEPS_PER_BLOCK * STEP);
    }

    /**
     * Bytes of the copy for a matrix of {@code rows} by {@code cols}: its whole groups of {@link #ROWS}
     * rows; 0 when nothing is copied (vectors that do not suit it, or a matrix whose nibbles would
     * not fit one Java array: 2^32 weights or more, which then stays on the mapping).
     */
    static long byteSize(int rows, int cols) {
        boolean fits = (long) (rows / ROWS) * ROWS * cols / 2 <= MAX_ARRAY;
        return SUPPORTED && fits ? rows / ROWS * bytesPerGroup(cols) : 0;
    }

    /** The largest Java array the copies allocate. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 64;

    /**
     * Copies the whole groups of {@code rows} rows of {@code cols} weights of the Q4_0 bytes
     * {@code source}: with {@code parallel}, the groups on several threads where any thread may read
     * the source; else on the calling thread (a copy made in the background, beside the model's work).
     *
     * @throws IllegalArgumentException when the copy would not fit a Java array (2^31 bytes)
     */
    static Q4_0RowGroups copy(MemorySegment source, int rows, int cols, boolean parallel) {
        int groups = rows / ROWS;
        int blocks = cols / BLOCK_WEIGHTS;
        long nibbleBytes = (long) groups * blocks * STEPS_PER_BLOCK * STEP;
        if (nibbleBytes > MAX_ARRAY) {
            throw new IllegalArgumentException("a matrix of " + rows + " x " + cols + " is too large to repack");
        }
        float[] scales = new float[groups * blocks * ROWS];
        byte[] nibbles = new byte[(int) nibbleBytes];
        forEachGroup(source, groups, parallel, g -> copyGroup(source, cols, g, scales, nibbles));
        return new Q4_0RowGroups(cols, groups, scales, nibbles);
    }

    /**
     * Runs {@code copy} for groups {@code 0..groups - 1}: with {@code parallel}, in parallel where any
     * thread may read {@code source} (a file mapping is shared); else on this thread.
     */
    static void forEachGroup(MemorySegment source, int groups, boolean parallel, java.util.function.IntConsumer copy) {
        IntStream range = IntStream.range(0, groups);
        if (parallel && source.isAccessibleBy(OTHER_THREAD)) {
            range = range.parallel();
        }
        range.forEach(copy);
    }

    private static void copyGroup(MemorySegment source, int cols, int g, float[] scales, byte[] nibbles) {
        int blocks = cols / BLOCK_WEIGHTS;
        long rowBytes = (long) blocks * Q4_0Tensor.BLOCK_BYTES;
        for (int b = 0; b < blocks; b++) {
            int at = (g * blocks + b) * STEPS_PER_BLOCK * STEP;
            for (int r = 0; r < ROWS; r++) {
                long block = ((long) g * ROWS + r) * rowBytes + (long) b * Q4_0Tensor.BLOCK_BYTES;
                scales[(g * blocks + b) * ROWS + r] = Float.float16ToFloat(source.get(FloatTensor.SHORT_LE, block));
                // Stored byte j holds weight j (low nibble) and weight j + 16 (high nibble): the four
                // bytes 4k..4k+3 give step k from their low nibbles and step k + 4 from their high ones.
                int out = at + 2 * r;
                for (int k = 0; k < 4; k++) {
                    int word = source.get(FloatTensor.INT_LE, block + 2 + 4 * k);
                    STEP_PAIR.set(nibbles, out + k * STEP, stepPair(word, 0));
                    STEP_PAIR.set(nibbles, out + (k + 4) * STEP, stepPair(word, 4));
                }
            }
        }
    }

    // The copies read the file's numbers where they stand (FloatTensor's little-endian layouts; no copy
    // of a group's rows first: that would be garbage the size of the file) and write a step's two
    // bytes at once.
    static final VarHandle STEP_PAIR = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * A row's two bytes of one step from four stored bytes {@code word} (little-endian) whose nibbles
     * at {@code shift} (0 or 4) hold weights 4k .. 4k + 3 of the step's run: byte t gets weight
     * 4k + t in its low nibble and weight 4k + 2 + t in its high nibble.
     */
    static short stepPair(int word, int shift) {
        return (short) (((word >>> shift) & 0x0F0F) | ((word >>> (16 + shift)) & 0x0F0F) << 4);
    }

    /**
     * Rows {@code [g0 · ROWS, g1 · ROWS)} against the activations {@code a} (quantized over
     * {@link #cols}), into {@code out[outOffset..]}.
     */
    void products(int g0, int g1, Q8Activations a, float[] out, int outOffset) {
        int[] pairs = a.pairs;
        int[] blockSums = a.blockSum;
        float[] xd = a.d;
        int steps = blocks * STEPS_PER_BLOCK;
        for (int g = g0; g < g1; g++) {
            int scaleAt = g * blocks * ROWS;
            int stepAt = g * steps * STEP;
            FloatVector acc = FloatVector.zero(FLOATS);
            ShortVector sum = ShortVector.zero(SHORTS);
            // One loop over all steps of the group, two per iteration, a block's scaling when its last
            // step is in: a loop of 8 steps inside one over blocks got C2's pre- and post-loops and
            // range-check set-up at every block, and ran at half the speed.
            // The step's code is written out twice rather than called: as a method, C2 sometimes left
            // it a call (not hot enough yet when the loop was compiled), on boxed vectors.
            for (int s = 0; s < steps; s += 2) {
                int at = stepAt + s * STEP;
                ShortVector packed = (ShortVector) ByteVector.fromArray(STEP_BYTES, nibbles, at)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                sum = sum.add(packed.and((short) 0x0F).mul(IntVector.broadcast(INTS, pairs[2 * s]).reinterpretAsShorts()))
                        .add(packed.lanewise(VectorOperators.LSHR, 4)
                                .mul(IntVector.broadcast(INTS, pairs[2 * s + 1]).reinterpretAsShorts()));
                packed = (ShortVector) ByteVector.fromArray(STEP_BYTES, nibbles, at + STEP)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, SHORTS, 0);
                sum = sum.add(packed.and((short) 0x0F).mul(IntVector.broadcast(INTS, pairs[2 * s + 2]).reinterpretAsShorts()))
                        .add(packed.lanewise(VectorOperators.LSHR, 4)
                                .mul(IntVector.broadcast(INTS, pairs[2 * s + 3]).reinterpretAsShorts()));
                if ((s & (STEPS_PER_BLOCK - 1)) == STEPS_PER_BLOCK - 2) {
                    int b = s / STEPS_PER_BLOCK;
                    IntVector lanes = sum.reinterpretAsInts();
                    // Each int lane: its low short sign-extended plus its high short, and the block's
                    // -8 · Σ activations (the nibbles are stored as weight + 8).
                    IntVector rowSums = lanes.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                            .add(lanes.lanewise(VectorOperators.ASHR, 16)).add(-8 * blockSums[b]);
                    FloatVector scale = FloatVector.fromArray(FLOATS, scales, scaleAt + ROWS * b);
                    acc = ((FloatVector) rowSums.convert(VectorOperators.I2F, 0)).fma(scale.mul(xd[b]), acc);
                    sum = ShortVector.zero(SHORTS);
                }
            }
            acc.intoArray(out, outOffset + (g - g0) * ROWS);
        }
    }
}
