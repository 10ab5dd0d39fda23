package lucid.engine.lab;

import java.util.List;
import java.util.Locale;

/**
 * The architectures {@link SyntheticModel} can write, each described by the features that decide
 * its tensors and metadata (the mapping that reads them back is in {@code lucid.engine.model}).
 *
 * @param ggufName       {@code general.architecture}
 * @param qkvBias        {@code attn_q/k/v.bias} (Qwen2)
 * @param headNorms      {@code attn_q_norm}, {@code attn_k_norm} (Qwen3, Gemma 3)
 * @param postNorms      {@code post_attention_norm}, {@code post_ffw_norm} (Gemma 2, 3)
 * @param fused          {@code attn_qkv} and a gate+up {@code ffn_up} (Phi-3)
 * @param experts        which mixture of experts replaces the MLP
 * @param gemma          tied embeddings always, {@code key_length} written, softcaps (Gemma 2) and sliding windows
 */
public record SyntheticArchitecture(String name, String ggufName, boolean qkvBias, boolean headNorms,
                                    boolean postNorms, boolean fused, Experts experts, boolean gemma) {

    /** The mixture-of-experts flavours. */
    public enum Experts {
        NONE,
        /** Mixtral: llama with 4 experts, 2 used, renormalized weights. */
        MIXTRAL,
        /** Qwen2-MoE: 4 experts, 2 used, plus a shared expert with a sigmoid gate. */
        QWEN2_MOE,
        /** Qwen3-MoE: 4 experts, 2 used, renormalized, with Qwen3's head norms. */
        QWEN3_MOE
    }

    public static final List<SyntheticArchitecture> ALL = List.of(
            new SyntheticArchitecture("llama", "llama", false, false, false, false, Experts.NONE, false),
            new SyntheticArchitecture("mixtral", "llama", false, false, false, false, Experts.MIXTRAL, false),
            new SyntheticArchitecture("qwen2", "qwen2", true, false, false, false, Experts.NONE, false),
            new SyntheticArchitecture("qwen2moe", "qwen2moe", true, false, false, false, Experts.QWEN2_MOE, false),
            new SyntheticArchitecture("qwen3", "qwen3", false, true, false, false, Experts.NONE, false),
            new SyntheticArchitecture("qwen3moe", "qwen3moe", false, true, false, false, Experts.QWEN3_MOE, false),
            new SyntheticArchitecture("gemma", "gemma", false, false, false, false, Experts.NONE, true),
            new SyntheticArchitecture("gemma2", "gemma2", false, false, true, false, Experts.NONE, true),
            new SyntheticArchitecture("gemma3", "gemma3", false, true, true, false, Experts.NONE, true),
            new SyntheticArchitecture("phi3", "phi3", false, false, false, true, Experts.NONE, false));

    /** @throws IllegalArgumentException naming the architecture and listing the known ones */
    public static SyntheticArchitecture named(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (SyntheticArchitecture a : ALL) {
            if (a.name().equals(n)) {
                return a;
            }
        }
        throw new IllegalArgumentException("lab synth cannot write architecture '" + name + "' (it writes: "
                + String.join(", ", ALL.stream().map(SyntheticArchitecture::name).toList()) + ")");
    }
}
