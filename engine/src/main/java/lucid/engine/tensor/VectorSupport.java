package lucid.engine.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Which vector width the tensor kernels use, decided once when this class loads.
 *
 * <p>Two system properties steer it:
 * <ul>
 *   <li>{@code lucid.vector.bits} = 64, 128, 256 or 512 forces a width. The build runs the parity
 *       tests once per width on a single CPU this way, so every width is tested wherever the build
 *       runs; a forced width the CPU lacks still computes correctly, only slowly.</li>
 *   <li>{@code lucid.vector=false} turns the Vector API off and the kernels use their scalar loops.</li>
 * </ul>
 *
 * <p>Without a forced width the Vector API is used only when the CPU's preferred float vector is at
 * least 128 bits: narrower than that the API falls back to Java code that is slower than a plain
 * loop. Everything here is a static final so that the JIT folds it into the kernels.
 */
public final class VectorSupport {

    /** The system property that forces a vector width in bits. */
    public static final String BITS_PROPERTY = "lucid.vector.bits";

    /** The system property that turns the Vector API off when {@code false}. */
    public static final String ENABLED_PROPERTY = "lucid.vector";

    /**
     * The system property that, when {@code false}, makes the Q8_0 and Q4_0 kernels over the mapping
     * take a range's rows one at a time instead of in pairs half the range apart: for measuring.
     */
    public static final String ROW_PAIRS_PROPERTY = "lucid.rowPairs";

    /** Whether Q8_0 and Q4_0 products over the mapping take their rows in pairs ({@value #ROW_PAIRS_PROPERTY}). */
    static final boolean ROW_PAIRS = !"false".equalsIgnoreCase(System.getProperty(ROW_PAIRS_PROPERTY));

    private static final String FORCED_BITS = System.getProperty(BITS_PROPERTY);
    private static final boolean TURNED_OFF = "false".equalsIgnoreCase(System.getProperty(ENABLED_PROPERTY));

    /** The float species every kernel works in: forced by {@value #BITS_PROPERTY}, else the CPU's preferred one. */
    public static final VectorSpecies<Float> FLOAT_SPECIES = chooseSpecies(FORCED_BITS);

    /** Whether {@link FloatTensor#dot} takes the Vector API path. */
    public static final boolean ENABLED = isEnabled(TURNED_OFF, FORCED_BITS != null,
            FloatVector.SPECIES_PREFERRED.vectorBitSize());

    /** Floats per vector. */
    static final int FLOAT_LANES = FLOAT_SPECIES.length();

    /** Ints in the same shape as {@link #FLOAT_SPECIES}: one int lane per float lane, for integer decoding. */
    static final VectorSpecies<Integer> INT_SPECIES =
            IntVector.SPECIES_PREFERRED.withShape(FLOAT_SPECIES.vectorShape());

    /**
     * Bytes read per load by the quantized kernels: one byte per float lane, but never fewer than 8
     * because the smallest vector shape is 64 bits. That is 8 lanes up to 256 bits and 16 at 512, so
     * a load never reaches past a 32-weight block nor past its 16 bytes of nibbles.
     */
    static final VectorSpecies<Byte> BYTE_SPECIES =
            ByteVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Math.max(64, FLOAT_LANES * 8)));

    /** Float vectors widened from one {@link #BYTE_SPECIES} load. */
    static final int BYTE_PARTS = BYTE_SPECIES.length() / FLOAT_LANES;

    /** Halves (f16/bf16) read per load: one per float lane, but at least 4 (64 bits). */
    static final VectorSpecies<Short> SHORT_SPECIES =
            ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(Math.max(64, FLOAT_LANES * 16)));

    /** Float vectors widened from one {@link #SHORT_SPECIES} load. */
    static final int SHORT_PARTS = SHORT_SPECIES.length() / FLOAT_LANES;

    /**
     * Whether the 8-bit integer dot products ({@link FloatTensor#dotQ8}) take the Vector API path: they
     * widen bytes to shorts in half the float width, so they need at least 128 bits.
     */
    static final boolean INT8_ENABLED = ENABLED && FLOAT_SPECIES.vectorBitSize() >= 128;

    /** Shorts in the shape of {@link #FLOAT_SPECIES}: twice as many lanes as floats. */
    static final VectorSpecies<Short> WIDE_SHORT_SPECIES =
            ShortVector.SPECIES_PREFERRED.withShape(FLOAT_SPECIES.vectorShape());

    /** Bytes that widen to one {@link #WIDE_SHORT_SPECIES} vector (half the float width). */
    static final VectorSpecies<Byte> HALF_BYTE_SPECIES = ByteVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(Math.max(64, FLOAT_SPECIES.vectorBitSize() / 2)));

    /**
     * Shorts for the integer kernels: the float width but at most 256 bits (16 lanes), so that one
     * vector of short products widens to int lanes without splitting a 512-bit register.
     */
    static final VectorSpecies<Short> PRODUCT_SHORT_SPECIES = ShortVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(Math.min(256, Math.max(64, FLOAT_SPECIES.vectorBitSize()))));

    /** Bytes that widen to one {@link #PRODUCT_SHORT_SPECIES} vector. */
    static final VectorSpecies<Byte> PRODUCT_BYTE_SPECIES = ByteVector.SPECIES_PREFERRED.withShape(
            VectorShape.forBitSize(Math.max(64, PRODUCT_SHORT_SPECIES.vectorBitSize() / 2)));

    /**
     * Bytes in the shape of {@link #PRODUCT_SHORT_SPECIES}: a chunk of packed quants built in byte lanes
     * (32 at 256 bits and above, 16 at 128), then split into its even and odd positions as the high and
     * low halves of the short lanes that hold them ({@link Q8Activations#evenWide}).
     */
    static final VectorSpecies<Byte> PAIR_BYTE_SPECIES =
            ByteVector.SPECIES_PREFERRED.withShape(PRODUCT_SHORT_SPECIES.vectorShape());

    /** Positions in one {@link #PAIR_BYTE_SPECIES} chunk. */
    static final int PAIR_CHUNK = PAIR_BYTE_SPECIES.length();

    /** Floats in the shape of {@link #PRODUCT_SHORT_SPECIES}. */
    static final VectorSpecies<Float> PRODUCT_FLOAT_SPECIES =
            FloatVector.SPECIES_PREFERRED.withShape(PRODUCT_SHORT_SPECIES.vectorShape());

    /** Int vectors widened from one {@link #PRODUCT_SHORT_SPECIES} vector: 1 at 512 bits, else 2. */
    static final int PRODUCT_PARTS = Math.max(1, PRODUCT_SHORT_SPECIES.length() / FLOAT_LANES);

    /**
     * The sum of a {@link #PRODUCT_SHORT_SPECIES} vector's lanes in int lanes, as the integer kernels
     * take a block's sum: only the total over all lanes is fixed, not which int lane holds what.
     * <p>At 512 bits the 16 shorts widen to one int vector in one instruction. Below, the shorts fill
     * a whole int vector's width, so each int lane adds the two shorts it holds: its low half sign
     * extended by two shifts, and its high half by one arithmetic shift. Widening the upper half
     * instead (a slice) costs C2 on AVX2 a cross-lane permute, two byte shuffles and two blends: the
     * Q4_0 kernel ran 30% slower for it.
     */
    static IntVector widenSum(ShortVector products) {
        if (PRODUCT_PARTS == 1) {
            return (IntVector) products.convertShape(VectorOperators.S2I, INT_SPECIES, 0);
        }
        IntVector pairs = (IntVector) products.reinterpretShape(INT_SPECIES, 0);
        return pairs.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(pairs.lanewise(VectorOperators.ASHR, 16));
    }

    /**
     * {@link #widenSum} for products whose lanes pair up to less than 2^15 in magnitude, in one
     * instruction fewer below 512 bits: each int lane adds its high short into the high half of
     * itself (a shift and an add), and a mask drops the low half. The lanes then sum to the products'
     * total times {@link #NARROW_SUM_UNIT}'s inverse, exactly (a power of two), so a kernel multiplies
     * its result by {@code NARROW_SUM_UNIT} once.
     */
    static IntVector widenNarrowSum(ShortVector products) {
        if (PRODUCT_PARTS == 1) {
            return (IntVector) products.convertShape(VectorOperators.S2I, INT_SPECIES, 0);
        }
        IntVector pairs = (IntVector) products.reinterpretShape(INT_SPECIES, 0);
        return pairs.add(pairs.lanewise(VectorOperators.LSHL, 16)).and(0xFFFF0000);
    }

    /** What {@link #widenNarrowSum}'s lanes count in: 1 at 512 bits, else 2^-16. */
    static final float NARROW_SUM_UNIT = PRODUCT_PARTS == 1 ? 1f : 0x1p-16f;

    /** Lane indices 0, 1, 2, ... as ints: shift counts that give each lane its own bit of a bit field. */
    static final IntVector LANE_INDEX = IntVector.zero(INT_SPECIES).addIndex(1);

    private VectorSupport() {
    }

    /** What the kernels run on, for logs and {@code lucid bench}: e.g. "Vector API, 512-bit (16 floats)". */
    public static String describe() {
        if (!ENABLED) {
            return TURNED_OFF
                    ? "scalar (Vector API turned off by " + ENABLED_PROPERTY + "=false)"
                    : "scalar (this CPU's preferred vector, " + FLOAT_SPECIES.vectorBitSize() + "-bit, is too narrow)";
        }
        return "Vector API, " + FLOAT_SPECIES.vectorBitSize() + "-bit (" + FLOAT_LANES + " floats)"
                + (FORCED_BITS != null ? ", forced by " + BITS_PROPERTY : "");
    }

    // A forced width is always used, 64 bits included: that is how the 64-bit path gets tested.
    static boolean isEnabled(boolean turnedOff, boolean widthForced, int preferredBits) {
        return !turnedOff && (widthForced || preferredBits >= 128);
    }

    static VectorSpecies<Float> chooseSpecies(String forcedBits) {
        if (forcedBits == null) {
            return FloatVector.SPECIES_PREFERRED;
        }
        return switch (forcedBits.strip()) {
            case "64" -> FloatVector.SPECIES_64;
            case "128" -> FloatVector.SPECIES_128;
            case "256" -> FloatVector.SPECIES_256;
            case "512" -> FloatVector.SPECIES_512;
            default -> throw new IllegalStateException(
                    "system property " + BITS_PROPERTY + " must be 64, 128, 256 or 512, got '" + forcedBits + "'");
        };
    }
}
