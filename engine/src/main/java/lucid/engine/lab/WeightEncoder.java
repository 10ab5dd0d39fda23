package lucid.engine.lab;

import java.util.List;

import lucid.engine.tensor.GgmlType;

/**
 * Float weights to the bytes of a tensor type, little-endian as GGUF stores them. Plain types only:
 * F32, F16 (IEEE half, round to nearest even) and BF16 (the upper half of the float, rounded to nearest
 * even as ggml's {@code GGML_FP32_TO_BF16} does). The quantized types come from the tensor package's
 * quantizer.
 */
final class WeightEncoder {

    private static final List<GgmlType> SUPPORTED = List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16);

    private WeightEncoder() {
    }

    static boolean supports(GgmlType type) {
        return SUPPORTED.contains(type);
    }

    static String supportedNames() {
        return String.join(", ", SUPPORTED.stream().map(Enum::name).toList());
    }

    static byte[] encode(GgmlType type, float[] src, int offset, int n) {
        return switch (type) {
            case F32 -> {
                byte[] out = new byte[4 * n];
                for (int i = 0; i < n; i++) {
                    putShort(out, 4 * i, Float.floatToRawIntBits(src[offset + i]));
                    putShort(out, 4 * i + 2, Float.floatToRawIntBits(src[offset + i]) >>> 16);
                }
                yield out;
            }
            case F16 -> {
                byte[] out = new byte[2 * n];
                for (int i = 0; i < n; i++) {
                    putShort(out, 2 * i, Float.floatToFloat16(src[offset + i]));
                }
                yield out;
            }
            case BF16 -> {
                byte[] out = new byte[2 * n];
                for (int i = 0; i < n; i++) {
                    putShort(out, 2 * i, toBf16(src[offset + i]));
                }
                yield out;
            }
            default -> throw new IllegalArgumentException("cannot encode " + type + " weights");
        };
    }

    /** Round to nearest even; NaN stays a quiet NaN. */
    static int toBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) {
            return (u >>> 16) | 64;
        }
        return (u + (0x7fff + ((u >>> 16) & 1))) >>> 16;
    }

    private static void putShort(byte[] out, int at, int v) {
        out[at] = (byte) v;
        out[at + 1] = (byte) (v >>> 8);
    }
}
