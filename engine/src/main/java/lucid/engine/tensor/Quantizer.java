package lucid.engine.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * Turns float weights into the bytes of a {@link GgmlType}, the way ggml's reference quantizers
 * ({@code quantize_row_*_ref} in ggml-quants.c, what {@code llama-quantize} runs without an
 * importance matrix) do: the same scale choices, the same searches for the K-quants, the same
 * rounding, in float arithmetic step by step. The result reads back through
 * {@link FloatTensor#wrap}.
 *
 * <p>Each type's block routine lives in its tensor class ({@code quantizeBlock}), next to the
 * layout it writes; this class checks the arguments and walks the blocks.
 */
public final class Quantizer {

    private Quantizer() {
    }

    /** One block of {@code src[from..from + blockSize)} written at byte {@code at} of {@code out}. */
    @FunctionalInterface
    private interface BlockQuantizer {
        void quantize(float[] src, int from, ByteBuffer out, int at);
    }

    /** Whether {@link #quantize} can write {@code type}. */
    public static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K -> true;
            default -> false;
        };
    }

    /**
     * {@code src[offset..offset + n)} as {@code type}: {@code n / blockSize · typeSize} bytes,
     * blocks in order, laid out as ggml lays them out.
     *
     * <p>F32 is copied, F16 rounds to nearest even (ggml's GGML_FP32_TO_FP16), BF16 rounds to
     * nearest even and keeps NaN a quiet NaN (ggml_compute_fp32_to_bf16). Quantized types need
     * finite weights, and a block whose scale would not fit in f16 (max |w| beyond about 65504 × 127
     * for Q8_0, less for the others) is refused rather than stored as infinity.
     *
     * @throws IllegalArgumentException when {@code n} is not a multiple of the block size, a
     *         quantized type gets a NaN or infinite weight or a block too large for its scale, or
     *         the result would not fit in a byte array
     * @throws IndexOutOfBoundsException when the range is outside {@code src}
     * @throws UnsupportedOperationException when {@link #supports} is false for {@code type}
     */
    public static byte[] quantize(GgmlType type, float[] src, int offset, int n) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(src, "src");
        if (!supports(type)) {
            throw new UnsupportedOperationException("cannot quantize to " + type + " (supported: " + supportedNames() + ")");
        }
        Objects.checkFromIndexSize(offset, n, src.length);
        int blockSize = type.blockSize();
        if (n % blockSize != 0) {
            throw new IllegalArgumentException(type + " quantizes whole blocks of " + blockSize
                    + " weights, got " + n + " weights");
        }
        long bytes = type.byteSize(n);
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(n + " weights of " + type + " take " + bytes
                    + " bytes, more than one byte array holds; quantize them in parts");
        }
        ByteBuffer out = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    out.putFloat(4 * i, src[offset + i]);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out.putShort(2 * i, Float.floatToFloat16(src[offset + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out.putShort(2 * i, toBfloat16(src[offset + i]));
                }
            }
            default -> quantizeBlocks(type, blockQuantizer(type), src, offset, n, out);
        }
        return out.array();
    }

    private static void quantizeBlocks(GgmlType type, BlockQuantizer block, float[] src, int offset, int n,
            ByteBuffer out) {
        int blockSize = type.blockSize();
        int typeSize = type.typeSize();
        for (int b = 0; b < n / blockSize; b++) {
            int from = offset + b * blockSize;
            for (int i = from; i < from + blockSize; i++) {
                if (!Float.isFinite(src[i])) {
                    throw new IllegalArgumentException(type + " can only store finite weights, but weight " + (i - offset)
                            + " is " + src[i]);
                }
            }
            try {
                block.quantize(src, from, out, b * typeSize);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(type + " block " + b + " (weights " + (from - offset) + ".."
                        + (from - offset + blockSize - 1) + "): " + e.getMessage(), e);
            }
        }
    }

    private static BlockQuantizer blockQuantizer(GgmlType type) {
        return switch (type) {
            case Q8_0 -> Q8_0Tensor::quantizeBlock;
            case Q4_0 -> Q4_0Tensor::quantizeBlock;
            case Q4_1 -> Q4_1Tensor::quantizeBlock;
            case Q5_0 -> Q5_0Tensor::quantizeBlock;
            case Q5_1 -> Q5_1Tensor::quantizeBlock;
            case Q2_K -> Q2_KTensor::quantizeBlock;
            case Q3_K -> Q3_KTensor::quantizeBlock;
            case Q4_K -> Q4_KTensor::quantizeBlock;
            case Q5_K -> Q5_KTensor::quantizeBlock;
            case Q6_K -> Q6_KTensor::quantizeBlock;
            case Q8_K -> Q8_KTensor::quantizeBlock;
            default -> throw new IllegalStateException(type + " has no block quantizer");
        };
    }

    /** Round to nearest even; NaN stays NaN with its quiet bit set, as ggml_compute_fp32_to_bf16. */
    static short toBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) (bits >>> 16 | 64);
        }
        return (short) ((bits + 0x7FFF + (bits >>> 16 & 1)) >>> 16);
    }

    private static String supportedNames() {
        return String.join(", ", Arrays.stream(GgmlType.values()).filter(Quantizer::supports).map(Enum::name).toList());
    }
}
