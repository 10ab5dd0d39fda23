package lucid.engine.lab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import lucid.engine.gguf.GgufFile;
import lucid.engine.inference.Engine;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.model.ModelConfig;
import lucid.engine.tensor.GgmlType;

/**
 * Synthetic models of every architecture are written, loaded by the engine and run; their sizes are
 * planned exactly; real presets have the published parameter counts of the models they copy.
 */
class SyntheticModelTest {

    @TempDir
    static Path dir;
    static Engine engine;

    @BeforeAll
    static void start() {
        engine = Engine.create(2);
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    static Stream<String> architectures() {
        return SyntheticArchitecture.ALL.stream().map(SyntheticArchitecture::name);
    }

    static Path write(String arch, GgmlType type, long seed) throws IOException {
        SyntheticModel m = SyntheticModel.plan(SyntheticArchitecture.named(arch), SyntheticPreset.TINY, type);
        Path path = dir.resolve(arch + "-" + type + "-" + seed + ".gguf");
        m.write(path, seed, null);
        assertEquals(m.fileSize(), Files.size(path), "planned file size of " + path.getFileName());
        return path;
    }

    /** The logits at every position of a prompt, then 4 greedy tokens. */
    static List<float[]> run(LoadedModel model) {
        List<float[]> rows = new ArrayList<>();
        try (InferenceSession s = model.newSession(64)) {
            int[] prompt = model.tokenizer().encode("Once upon a time, 42 tiny robots", true, false);
            s.prefill(prompt, (pos, logits) -> rows.add(logits.clone()));
            float[] logits = rows.getLast();
            for (int i = 0; i < 4; i++) {
                logits = s.step(argmax(logits)).clone();
                rows.add(logits);
            }
        }
        return rows;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("architectures")
    void everyArchitectureLoadsAndRuns(String arch) throws IOException {
        Path path = write(arch, GgmlType.F32, 7);
        SyntheticArchitecture a = SyntheticArchitecture.named(arch);
        try (LoadedModel model = engine.load(path)) {
            ModelConfig c = model.config();
            assertEquals(a.ggufName(), c.architecture());
            assertEquals(2, c.blockCount());
            assertEquals(256, c.embeddingLength());
            assertEquals(4, c.headCount());
            assertEquals(2, c.headCountKv());
            assertEquals(64, c.headDim());
            assertEquals(512, c.vocabSize());
            assertEquals(a.experts() != SyntheticArchitecture.Experts.NONE, c.experts().isEnabled());
            assertEquals(a.gemma() ? 16f : 1f, c.embeddingScale());
            if (arch.equals("gemma2") || arch.equals("gemma3")) {
                assertEquals(8, c.attention().slidingWindow().size());
            }
            List<float[]> rows = run(model);
            float spread = 0;
            for (float[] row : rows) {
                for (float v : row) {
                    assertTrue(Float.isFinite(v), arch + ": logits are finite");
                }
                spread = Math.max(spread, row[argmax(row)] - row[0]);
            }
            assertTrue(spread > 0, arch + ": logits differ between tokens");
        }
    }

    @Test
    void halfPrecisionFilesAreTheSameModelRounded() throws IOException {
        List<float[]> f32;
        try (LoadedModel m = engine.load(write("qwen2", GgmlType.F32, 11))) {
            f32 = run(m);
        }
        for (GgmlType t : new GgmlType[] {GgmlType.F16, GgmlType.BF16}) {
            try (LoadedModel m = engine.load(write("qwen2", t, 11))) {
                List<float[]> rounded = run(m);
                // Same seed, same weights: rounding to F16 (2^-11) or BF16 (2^-8) moves logits by a
                // small fraction of their range; a different draw would move them by all of it.
                float tolerance = t == GgmlType.F16 ? 0.002f : 0.02f;
                for (int pos = 0; pos < 5; pos++) {
                    float[] a = f32.get(pos);
                    float[] b = rounded.get(pos);
                    float range = a[argmax(a)];
                    for (int v = 0; v < a.length; v++) {
                        assertEquals(a[v], b[v], tolerance * Math.abs(range) + 1e-4f, t + " position " + pos);
                    }
                }
            }
        }
    }

    @Test
    void quantizedFilesAreTheSameModelQuantized() throws IOException {
        List<float[]> f32;
        try (LoadedModel m = engine.load(write("llama", GgmlType.F32, 5))) {
            f32 = run(m);
        }
        for (GgmlType t : new GgmlType[] {GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K}) {
            try (LoadedModel m = engine.load(write("llama", t, 5))) {
                assertEquals(t, m.file().tensor("blk.0.attn_q.weight").orElseThrow().type());
                assertEquals(GgmlType.F32, m.file().tensor("blk.0.attn_norm.weight").orElseThrow().type(),
                        "norms stay F32");
                List<float[]> quantized = run(m);
                // Relative RMS error of the logits. The weights' own quantization error is about 0.3% of
                // their scale at 8 bits and 5-8% at 4 bits (Quantizer tests), and it grows a little
                // through the layers; an unrelated model (another seed) would give about sqrt(2).
                double bound = t == GgmlType.Q8_0 ? 0.03 : 0.3;
                for (int pos = 0; pos < 5; pos++) {
                    double err = relativeRms(f32.get(pos), quantized.get(pos));
                    assertTrue(err < bound, t + " position " + pos + ": relative error " + err);
                }
            }
        }
        try (LoadedModel other = engine.load(write("llama", GgmlType.F32, 6))) {
            assertTrue(relativeRms(f32.get(4), run(other).get(4)) > 0.8, "another seed is another model");
        }
    }

    @Test
    void aQ4_K_MPlanGivesEachMatrixTheTypeLlamaQuantizeWould() throws IOException {
        SyntheticModel oneB = SyntheticModel.plan(SyntheticArchitecture.named("llama"), SyntheticPreset.LLAMA32_1B,
                SyntheticMix.Q4_K_M);
        java.util.Map<String, GgmlType> types = new java.util.HashMap<>();
        oneB.tensors().forEach(t -> types.put(t.name(), t.type()));
        assertEquals(GgmlType.Q6_K, types.get("token_embd.weight"), "tied embeddings take the output's type");
        // use_more_bits for 16 layers: the first two, the last two, and every third from layer 4.
        java.util.Set<Integer> more = java.util.Set.of(0, 1, 4, 7, 10, 13, 14, 15);
        for (int l = 0; l < 16; l++) {
            GgmlType wide = more.contains(l) ? GgmlType.Q6_K : GgmlType.Q4_K;
            assertEquals(wide, types.get("blk." + l + ".attn_v.weight"), "attn_v " + l);
            assertEquals(wide, types.get("blk." + l + ".ffn_down.weight"), "ffn_down " + l);
            for (String n : List.of("attn_q", "attn_k", "attn_output", "ffn_gate", "ffn_up")) {
                assertEquals(GgmlType.Q4_K, types.get("blk." + l + "." + n + ".weight"), n + " " + l);
            }
        }
        assertEquals(GgmlType.F32, types.get("blk.3.ffn_norm.weight"));
        assertEquals(15L, oneB.metadata().getLong("general.file_type").orElseThrow());
        assertEquals("Q4_K_M", oneB.typeName());

        // Rows of 576 are not whole super-blocks: K-quants fall back as llama.cpp's do.
        SyntheticModel smol = SyntheticModel.plan(SyntheticArchitecture.named("llama"), SyntheticPreset.SMOLLM_135M,
                SyntheticMix.Q4_K_M);
        types.clear();
        smol.tensors().forEach(t -> types.put(t.name(), t.type()));
        assertEquals(GgmlType.Q8_0, types.get("token_embd.weight"));
        assertEquals(GgmlType.Q5_0, types.get("blk.5.attn_q.weight"));
        assertEquals(GgmlType.Q8_0, types.get("blk.0.attn_v.weight"));
        assertEquals(GgmlType.Q5_0, types.get("blk.3.attn_v.weight"));
        assertEquals(GgmlType.Q6_K, types.get("blk.0.ffn_down.weight"), "its rows are 1536, six super-blocks");

        // A small file of the mix loads, and runs as the F32 model quantized.
        Path path = dir.resolve("llama-q4_k_m.gguf");
        SyntheticModel tiny = SyntheticModel.plan(SyntheticArchitecture.named("llama"), SyntheticPreset.TINY,
                SyntheticMix.Q4_K_M);
        tiny.write(path, 5, null);
        assertEquals(tiny.fileSize(), Files.size(path));
        List<float[]> f32;
        try (LoadedModel m = engine.load(write("llama", GgmlType.F32, 5))) {
            f32 = run(m);
        }
        try (LoadedModel m = engine.load(path)) {
            assertEquals(GgmlType.Q4_K, m.file().tensor("blk.0.attn_v.weight").orElseThrow().type());
            assertEquals(GgmlType.Q6_K, m.file().tensor("blk.1.attn_v.weight").orElseThrow().type());
            assertEquals(GgmlType.Q6_K, m.file().tensor("output.weight").orElseThrow().type());
            assertEquals(GgmlType.Q4_K, m.file().tensor("token_embd.weight").orElseThrow().type(), "not tied: the base");
            List<float[]> mixed = run(m);
            for (int pos = 0; pos < 5; pos++) {
                double err = relativeRms(f32.get(pos), mixed.get(pos));
                assertTrue(err < 0.3, "position " + pos + ": relative error " + err);
            }
        }
    }

    static double relativeRms(float[] reference, float[] value) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < reference.length; i++) {
            diff += (reference[i] - value[i]) * (double) (reference[i] - value[i]);
            norm += reference[i] * (double) reference[i];
        }
        return Math.sqrt(diff / norm);
    }

    @Test
    void theSeedDecidesTheWeights() throws IOException {
        byte[] a = Files.readAllBytes(write("llama", GgmlType.F16, 1));
        SyntheticModel.plan(SyntheticArchitecture.named("llama"), SyntheticPreset.TINY, GgmlType.F16)
                .write(dir.resolve("again.gguf"), 1, null);
        assertArrayEquals(a, Files.readAllBytes(dir.resolve("again.gguf")), "same seed, same bytes");
        byte[] other = Files.readAllBytes(write("llama", GgmlType.F16, 2));
        assertEquals(a.length, other.length);
        assertFalse(java.util.Arrays.equals(a, other), "another seed, other weights");
    }

    @Test
    void weightsFollowTheDocumentedDistributions() throws IOException {
        try (GgufFile f = GgufFile.open(write("qwen2", GgmlType.F32, 3))) {
            double[] w = moments(f, "blk.0.ffn_up.weight");
            assertEquals(0, w[0], 0.001);
            assertEquals(0.02, w[1], 0.001);
            double[] norm = moments(f, "blk.1.attn_norm.weight");
            assertEquals(1, norm[0], 0.03);
            assertEquals(0.1, norm[1], 0.02);
            double[] bias = moments(f, "blk.0.attn_q.bias");
            assertEquals(0, bias[0], 0.03);
            assertEquals(0.1, bias[1], 0.02);
        }
    }

    static double[] moments(GgufFile f, String name) {
        var info = f.tensor(name).orElseThrow();
        var t = lucid.engine.tensor.FloatTensor.wrap(info.type(), f.tensorData(info), info.elementCount());
        double sum = 0;
        double sq = 0;
        long n = info.elementCount();
        for (long i = 0; i < n; i++) {
            double v = t.getFloat(i);
            sum += v;
            sq += v * v;
        }
        double mean = sum / n;
        return new double[] {mean, Math.sqrt(sq / n - mean * mean)};
    }

    @Test
    void vocabularyEncodesAnyTextAndDecodesItBack() throws IOException {
        try (LoadedModel m = engine.load(write("llama", GgmlType.F16, 5))) {
            var tok = m.tokenizer();
            for (String text : new String[] {"Hello, world! 123", "naïve café — 日本語 🙂", "  two spaces\nand a tab\t."}) {
                int[] ids = tok.encode(text, true, false);
                assertEquals(1, ids[0], "BOS first");
                int[] withoutBos = java.util.Arrays.copyOfRange(ids, 1, ids.length);
                assertEquals(text, new String(tok.decodeBytes(withoutBos, false, false), StandardCharsets.UTF_8));
            }
            // Pieces merge, as in a trained vocabulary: "▁the" becomes "▁t", "h", "e" (there is no "▁th").
            int[] ids = tok.encode("the", false, false);
            assertArrayEquals(new int[] {m.tokenizer().vocabulary().id("\u2581t").getAsInt(),
                    m.tokenizer().vocabulary().id("h").getAsInt(), m.tokenizer().vocabulary().id("e").getAsInt()}, ids);
        }
        SyntheticVocabulary.Tokens v = SyntheticVocabulary.generate(128_256);
        assertEquals(128_256, new java.util.HashSet<>(java.util.Arrays.asList(v.tokens())).size(), "pieces are distinct");
        assertEquals("<0x0A>", v.tokens()[3 + 10]);
    }

    @Test
    void presetsHaveThePublishedParameterCounts() {
        // Parameter counts of the real models (embeddings included, tied ones once).
        assertEquals(134_515_008L, plan("llama", "smollm-135m", GgmlType.F32).parameterCount());
        assertEquals(494_032_768L, plan("qwen2", "qwen2.5-0.5b", GgmlType.F32).parameterCount());
        SyntheticModel llama = plan("llama", "llama-3.2-1b", GgmlType.BF16);
        assertEquals(1_235_814_400L + 32, llama.parameterCount(), "Llama-3.2-1B plus its 32 RoPE factors");
        // BF16 weights, F32 norms and RoPE factors: 2 bytes per weight, 4 per norm weight.
        long norms = 2048L * (1 + 2 * 16);
        assertEquals(2 * (1_235_814_400L - norms) + 4 * (norms + 32), llama.tensorBytes());
        assertEquals(16 * 9 + 3, llama.tensors().size());
        assertTrue(llama.fileSize() > llama.tensorBytes() && llama.fileSize() < llama.tensorBytes() + 4_000_000,
                "header holds the 128256-token vocabulary: " + (llama.fileSize() - llama.tensorBytes()));
        var ropeFreqs = llama.tensors().stream().filter(t -> t.name().equals("rope_freqs.weight")).findFirst().orElseThrow();
        float[] factors = ((SyntheticModel.Init.Values) ropeFreqs.init()).values();
        assertEquals(1f, factors[0], "short wavelengths keep their frequency");
        assertEquals(32f, factors[31], "long wavelengths are slowed by the factor");
    }

    @Test
    void llama3RopeFactorsBlendBetweenTheWavelengthBounds() {
        // Wavelength 2 pi theta^(2i/d) against 8192/4 = 2048 and 8192: with theta 500000 and d 64, pairs
        // 0..12 are under 2048 (factor 1), pairs from 17 on are over 8192 (factor 32), pairs 13..16 blend.
        float[] f = SyntheticPreset.LLAMA32_1B.llama3Rope().frequencyFactors(500_000f, 64);
        for (int i = 0; i < 32; i++) {
            double wavelength = 2 * Math.PI * Math.pow(500_000, 2.0 * i / 64);
            if (wavelength < 2048) {
                assertEquals(1f, f[i], "pair " + i);
            } else if (wavelength > 8192) {
                assertEquals(32f, f[i], "pair " + i);
            } else {
                double smooth = (8192 / wavelength - 1) / 3;
                assertEquals(1 / ((1 - smooth) / 32 + smooth), f[i], 1e-4, "pair " + i);
                assertTrue(f[i] > 1 && f[i] < 32, "pair " + i + " blends: " + f[i]);
            }
        }
    }

    static SyntheticModel plan(String arch, String preset, GgmlType type) {
        return SyntheticModel.plan(SyntheticArchitecture.named(arch), SyntheticPreset.named(preset), type);
    }

    @Test
    void badChoicesAreRefusedByName() {
        var unknownArch = assertThrows(IllegalArgumentException.class, () -> SyntheticArchitecture.named("rwkv"));
        assertTrue(unknownArch.getMessage().contains("'rwkv'") && unknownArch.getMessage().contains("gemma2"));
        var unknownPreset = assertThrows(IllegalArgumentException.class, () -> SyntheticPreset.named("gpt-5"));
        assertTrue(unknownPreset.getMessage().contains("'gpt-5'") && unknownPreset.getMessage().contains("llama-3.2-1b"));
        var type = assertThrows(IllegalArgumentException.class, () -> plan("llama", "tiny", GgmlType.IQ2_XXS));
        assertTrue(type.getMessage().contains("IQ2_XXS"), type.getMessage());
    }
}
