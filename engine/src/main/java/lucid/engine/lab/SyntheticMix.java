package lucid.engine.lab;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import lucid.engine.tensor.GgmlType;

/**
 * A file type that mixes tensor types the way {@code llama-quantize} does, so that a synthetic model
 * reads like the files people download ({@code Q4_K_M} above all), not like a {@code --pure} one.
 *
 * <p>The rules are llama.cpp's for these file types on dense models and on the MoE layouts here:
 * <ul>
 *   <li>The output matrix, and the token embeddings when they are tied to it, take Q6_K; Q8_0 when
 *       its rows are not whole 256-weight super-blocks.</li>
 *   <li>{@code attn_v} and {@code ffn_down} (experts' too) take Q6_K in the layers that
 *       {@link #moreBits} picks: the first and last eighth, and every third layer between.</li>
 *   <li>A fused {@code attn_qkv} takes one step more than the base: Q5_K under Q4_K_M, Q6_K under
 *       Q5_K_M.</li>
 *   <li>Everything else that is a matrix takes the base type.</li>
 *   <li>A K-quant tensor whose rows are not whole super-blocks falls back as llama.cpp's does: Q4_K to
 *       Q5_0, Q5_K to Q5_1, Q6_K to Q8_0.</li>
 * </ul>
 */
public enum SyntheticMix {
    /** llama.cpp's {@code LLAMA_FTYPE_MOSTLY_Q4_K_M} (15). */
    Q4_K_M(GgmlType.Q4_K, GgmlType.Q5_K, 15),
    /** llama.cpp's {@code LLAMA_FTYPE_MOSTLY_Q5_K_M} (17). */
    Q5_K_M(GgmlType.Q5_K, GgmlType.Q6_K, 17);

    private final GgmlType base;
    private final GgmlType fusedQkv;
    private final int fileType;

    SyntheticMix(GgmlType base, GgmlType fusedQkv, int fileType) {
        this.base = base;
        this.fusedQkv = fusedQkv;
        this.fileType = fileType;
    }

    /** The type of most matrices. */
    public GgmlType base() {
        return base;
    }

    /** The value of {@code general.file_type}. */
    public int fileType() {
        return fileType;
    }

    /** The mix of this name (case-insensitive), if there is one. */
    public static Optional<SyntheticMix> named(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        return Arrays.stream(values()).filter(m -> m.name().equals(upper)).findFirst();
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(Enum::name).toList();
    }

    /**
     * Whether layer {@code layer} of {@code layers} gets the larger type: the first and last eighth,
     * and every third layer in between (llama.cpp's {@code use_more_bits}).
     */
    static boolean moreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    /**
     * The type of one matrix.
     *
     * @param name      the tensor's GGUF name
     * @param rowLength its rows' length (the first GGUF dimension)
     * @param layers    the model's layer count
     * @param tied      whether the token embeddings are also the output matrix
     */
    GgmlType typeOf(String name, long rowLength, int layers, boolean tied) {
        boolean output = name.equals("output.weight") || tied && name.equals("token_embd.weight");
        if (output) {
            return rowLength % GgmlType.Q6_K.blockSize() == 0 ? GgmlType.Q6_K : GgmlType.Q8_0;
        }
        GgmlType type = base;
        int layer = layerOf(name);
        if (name.endsWith(".attn_v.weight") || name.contains(".ffn_down")) {
            if (moreBits(layer, layers)) {
                type = GgmlType.Q6_K;
            }
        } else if (name.endsWith(".attn_qkv.weight")) {
            type = fusedQkv;
        }
        return rowLength % type.blockSize() == 0 ? type : fallback(type);
    }

    private static GgmlType fallback(GgmlType type) {
        return switch (type) {
            case Q4_K -> GgmlType.Q5_0;
            case Q5_K -> GgmlType.Q5_1;
            case Q6_K -> GgmlType.Q8_0;
            default -> type;
        };
    }

    private static int layerOf(String name) {
        if (!name.startsWith("blk.")) {
            return -1;
        }
        int end = name.indexOf('.', 4);
        return Integer.parseInt(name.substring(4, end));
    }
}
