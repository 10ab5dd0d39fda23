package lucid.engine.lab;

import java.util.List;

/**
 * The shape of a synthetic model. The named presets carry the real hyperparameters of the models
 * they are named after (from their published configurations), so that a synthetic file has the
 * size, memory footprint and speed of the real one; only the weights and the vocabulary's pieces
 * are made up. The vocabulary is always a {@link SyntheticVocabulary} of the preset's size.
 *
 * @param layers         transformer blocks
 * @param embedding      width of the residual stream
 * @param heads          query heads
 * @param kvHeads        key/value heads
 * @param headDim        width of one head
 * @param feedForward    hidden width of the dense MLP
 * @param vocab          tokens
 * @param context        trained context length
 * @param ropeTheta      RoPE base
 * @param rmsEps         RMSNorm epsilon
 * @param tiedEmbeddings whether the output projection is the token embedding (no output.weight)
 * @param llama3Rope     Llama 3.1+'s long-context RoPE factors, written as {@code rope_freqs.weight}; or null
 */
public record SyntheticPreset(String name, String description, int layers, int embedding, int heads, int kvHeads,
                              int headDim, int feedForward, int vocab, int context, float ropeTheta, float rmsEps,
                              boolean tiedEmbeddings, Llama3Rope llama3Rope) {

    /**
     * Llama 3's per-dimension RoPE divisors (its {@code rope_scaling} of type "llama3"): dimensions
     * whose wavelength is shorter than {@code originalContext / highFreqFactor} keep their
     * frequency, those longer than {@code originalContext / lowFreqFactor} are slowed by
     * {@code factor}, and those between are blended smoothly.
     */
    public record Llama3Rope(float factor, float lowFreqFactor, float highFreqFactor, int originalContext) {

        /** (headDim / 2) divisors of each pair's angle, as the converter writes them to rope_freqs. */
        public float[] frequencyFactors(float theta, int headDim) {
            float[] out = new float[headDim / 2];
            double lowFreqWavelength = originalContext / lowFreqFactor;
            double highFreqWavelength = originalContext / highFreqFactor;
            for (int i = 0; i < out.length; i++) {
                double frequency = 1.0 / Math.pow(theta, 2.0 * i / headDim);
                double wavelength = 2 * Math.PI / frequency;
                if (wavelength < highFreqWavelength) {
                    out[i] = 1f;
                } else if (wavelength > lowFreqWavelength) {
                    out[i] = factor;
                } else {
                    double smooth = (originalContext / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                    out[i] = (float) (1 / ((1 - smooth) / factor + smooth));
                }
            }
            return out;
        }
    }

    public SyntheticPreset {
        if (layers <= 0 || embedding <= 0 || heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0 || headDim <= 0
                || headDim % 2 != 0 || feedForward <= 0 || context <= 0) {
            throw new IllegalArgumentException("preset " + name + " has an impossible shape");
        }
    }

    /** The shape of the golden synthetic models (shared/golden): small enough for tests, every quant type fits. */
    public static final SyntheticPreset TINY = new SyntheticPreset("tiny",
            "2 layers, 256 wide, 4 heads (2 KV) of 64, MLP 768, 512 tokens: the golden synthetic models' shape",
            2, 256, 4, 2, 64, 768, 512, 512, 10_000f, 1e-5f, false, null);

    public static final SyntheticPreset SMOLLM_135M = new SyntheticPreset("smollm-135m",
            "SmolLM-135M: 30 layers, 576 wide, 9 heads (3 KV) of 64, MLP 1536, 49152 tokens, tied",
            30, 576, 9, 3, 64, 1536, 49_152, 2048, 10_000f, 1e-5f, true, null);

    public static final SyntheticPreset QWEN25_05B = new SyntheticPreset("qwen2.5-0.5b",
            "Qwen2.5-0.5B: 24 layers, 896 wide, 14 heads (2 KV) of 64, MLP 4864, 151936 tokens, tied",
            24, 896, 14, 2, 64, 4864, 151_936, 32_768, 1_000_000f, 1e-6f, true, null);

    public static final SyntheticPreset LLAMA32_1B = new SyntheticPreset("llama-3.2-1b",
            "Llama-3.2-1B: 16 layers, 2048 wide, 32 heads (8 KV) of 64, MLP 8192, 128256 tokens, tied, llama3 RoPE",
            16, 2048, 32, 8, 64, 8192, 128_256, 131_072, 500_000f, 1e-5f, true, new Llama3Rope(32f, 1f, 4f, 8192));

    public static final List<SyntheticPreset> ALL = List.of(TINY, SMOLLM_135M, QWEN25_05B, LLAMA32_1B);

    /** @throws IllegalArgumentException naming the preset and listing the known ones */
    public static SyntheticPreset named(String name) {
        for (SyntheticPreset p : ALL) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown preset '" + name + "' (known: "
                + String.join(", ", ALL.stream().map(SyntheticPreset::name).toList()) + ")");
    }
}
