package lucid.engine.tensor;

import java.util.Arrays;
import java.util.Optional;

/**
 * The element types a GGUF tensor can have, with the ids ggml writes into files.
 *
 * <p>Quantized types store weights in fixed-size blocks: {@code blockSize} weights take
 * {@code typeSize} bytes. A tensor's byte size is {@code elements / blockSize * typeSize}, and its
 * first dimension must be a multiple of {@code blockSize}. Ids that ggml retired (4, 5, 31-33,
 * 36-38) are not listed, so a file using them is rejected as an unknown type.
 *
 * <p>Every type is listed so that a file can be parsed and described even when Lucid cannot yet
 * compute with it; {@link #isSupported()} says whether the engine has kernels for it.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),       // f16 d + 16 bytes of 4-bit quants
    Q4_1(3, 32, 20),       // f16 d, f16 m + 16 bytes of 4-bit quants
    Q5_0(6, 32, 22),       // f16 d + 4 bytes of 5th bits + 16 bytes of low nibbles
    Q5_1(7, 32, 24),       // f16 d, f16 m + 4 bytes of 5th bits + 16 bytes of low nibbles
    Q8_0(8, 32, 34),       // f16 d + 32 int8
    Q8_1(9, 32, 36),       // f16 d, f16 s + 32 int8
    Q2_K(10, 256, 84),     // 16 scale/min nibble pairs + 64 bytes of 2-bit quants + f16 d, dmin
    Q3_K(11, 256, 110),    // 32 bytes of third bits + 64 bytes of 2-bit quants + 12 bytes of 6-bit scales + f16 d
    Q4_K(12, 256, 144),    // f16 d, dmin + 12 bytes of 6-bit scales and mins + 128 bytes of 4-bit quants
    Q5_K(13, 256, 176),    // Q4_K + 32 bytes of fifth bits
    Q6_K(14, 256, 210),    // 128 bytes of low nibbles + 64 bytes of high 2 bits + 16 int8 scales + f16 d
    Q8_K(15, 256, 292),    // f32 d + 256 int8 + 16 int16 block sums
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2),
    TQ1_0(34, 256, 54),
    TQ2_0(35, 256, 66),
    MXFP4(39, 32, 17);

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final int blockSize;
    private final int typeSize;

    GgmlType(int id, int blockSize, int typeSize) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
    }

    /** The id stored in GGUF tensor infos. */
    public int id() {
        return id;
    }

    /** Weights per block (1 for plain types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int typeSize() {
        return typeSize;
    }

    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** Bytes taken by {@code elements} weights; {@code elements} must be a multiple of the block size. */
    public long byteSize(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    name() + " needs a multiple of " + blockSize + " elements, got " + elements);
        }
        return elements / blockSize * typeSize;
    }

    /** Whether the engine can compute with weights of this type. */
    public boolean isSupported() {
        return switch (this) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K -> true;
            default -> false;
        };
    }

    public static Optional<GgmlType> fromId(long id) {
        if (id < 0 || id >= BY_ID.length) {
            return Optional.empty();
        }
        return Optional.ofNullable(BY_ID[(int) id]);
    }

    /** Names of the types the engine computes with, for error messages. */
    public static String supportedNames() {
        return String.join(", ", Arrays.stream(values()).filter(GgmlType::isSupported).map(Enum::name).toList());
    }
}
