package lucid.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import lucid.engine.lab.SyntheticArchitecture;

/** {@code lucid lab synth}, and {@code lucid info} / {@code lucid generate} on what it writes. */
class LabSynthCommandTest {

    @TempDir
    static Path dir;

    static Stream<String> architectures() {
        return SyntheticArchitecture.ALL.stream().map(SyntheticArchitecture::name);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("architectures")
    void infoReportsThePresetShape(String arch) throws IOException {
        Path out = dir.resolve(arch + ".gguf");
        CliTest.Run r = CliTest.lucid("lab", "synth", "--arch", arch, "--preset", "tiny", "--type", "f32", "--out",
                out.toString(), "--seed", "3");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("wrote " + out), r.out());
        JsonNode info = new ObjectMapper().readTree(CliTest.lucid("info", "--model", out.toString(), "--json").out());
        assertEquals(SyntheticArchitecture.named(arch).ggufName(), info.get("architecture").asText());
        assertTrue(info.get("supported").asBoolean(), info.path("unsupported_reason").asText());
        JsonNode h = info.get("hyperparameters");
        assertEquals(2, h.get("block_count").asInt());
        assertEquals(256, h.get("embedding_length").asInt());
        assertEquals(4, h.get("head_count").asInt());
        assertEquals(2, h.get("head_count_kv").asInt());
        assertEquals(64, h.get("head_dim").asInt());
        assertEquals(512, h.get("vocab_size").asInt());
        assertEquals(512, h.get("context_length").asInt());
        boolean moe = arch.endsWith("moe") || arch.equals("mixtral");
        assertEquals(moe ? 4 : 0, h.get("expert_count").asInt());
        assertEquals(moe ? 2 : 0, h.get("expert_used_count").asInt());
        assertEquals(arch.equals("gemma2") || arch.equals("gemma3") ? 8 : arch.equals("phi3") ? 255 : 0,
                h.get("sliding_window").asInt());
        assertEquals(arch.equals("gemma2") ? 50.0 : 0.0, h.get("attn_logit_softcapping").asDouble());
        assertEquals(Files.size(out), info.get("file_size").asLong());
    }

    @Test
    void aSynthesizedModelGeneratesText() {
        Path out = dir.resolve("qwen3-bf16.gguf");
        CliTest.Run r = CliTest.lucid("lab", "synth", "--arch", "qwen3", "--preset", "tiny", "--type", "BF16", "--out",
                out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("100%"), "progress on stderr: " + r.err());
        CliTest.Run gen = CliTest.lucid("generate", "--model", out.toString(), "--prompt", "Once upon a time", "--temp", "0",
                "--max-tokens", "6", "--threads", "2");
        assertEquals(0, gen.code(), gen.err());
        assertTrue(gen.err().contains("generation: 6 tokens"), gen.err());
    }

    @Test
    void aMixLikeLlamaQuantizesIsATypeChoice() throws IOException {
        Path out = dir.resolve("llama-q4_k_m.gguf");
        CliTest.Run r = CliTest.lucid("lab", "synth", "--arch", "llama", "--preset", "tiny", "--type", "q4_k_m", "--out",
                out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("llama tiny Q4_K_M"), r.out());
        JsonNode info = new ObjectMapper().readTree(CliTest.lucid("info", "--model", out.toString(), "--json").out());
        assertTrue(info.toString().contains("Q6_K") && info.toString().contains("Q4_K"), info.toString());
        assertTrue(CliTest.lucid("lab", "synth", "--help").out().contains("Q4_K_M"));
    }

    @Test
    void existingFilesAreKeptUnlessForced() throws IOException {
        Path out = dir.resolve("precious.gguf");
        Files.writeString(out, "not to be lost");
        String[] args = {"lab", "synth", "--arch", "llama", "--preset", "tiny", "--type", "f16", "--out", out.toString()};
        CliTest.Run refused = CliTest.lucid(args);
        assertEquals(2, refused.code());
        assertTrue(refused.err().contains("--force"), refused.err());
        assertEquals("not to be lost", Files.readString(out));
        String[] forced = java.util.Arrays.copyOf(args, args.length + 1);
        forced[args.length] = "--force";
        assertEquals(0, CliTest.lucid(forced).code());
        assertTrue(Files.size(out) > 1_000_000);
    }

    @Test
    void badChoicesGiveOneLineNamingThem() {
        String out = dir.resolve("never.gguf").toString();
        for (List<String> c : List.of(
                List.of("lab", "synth", "--arch", "rwkv", "--preset", "tiny", "--type", "f32", "--out", out),
                List.of("lab", "synth", "--arch", "llama", "--preset", "gpt-5", "--type", "f32", "--out", out),
                List.of("lab", "synth", "--arch", "llama", "--preset", "tiny", "--type", "q9_9", "--out", out),
                List.of("lab", "synth", "--arch", "llama", "--preset", "tiny", "--type", "iq2_xxs", "--out", out),
                List.of("lab", "synth", "--arch", "llama", "--preset", "tiny", "--type", "f32"),
                List.of("lab", "frobnicate"),
                List.of("lab"))) {
            CliTest.Run r = CliTest.lucid(c.toArray(String[]::new));
            assertEquals(2, r.code(), c + " -> " + r.err());
            assertEquals(1, r.err().strip().lines().count(), c + ": one line: " + r.err());
        }
        assertTrue(CliTest.lucid("lab", "synth", "--arch", "rwkv", "--preset", "tiny", "--type", "f32", "--out", out)
                .err().contains("'rwkv'"));
        assertTrue(CliTest.lucid("lab", "synth", "--arch", "llama", "--preset", "gpt-5", "--type", "f32", "--out", out)
                .err().contains("llama-3.2-1b"));
        assertTrue(CliTest.lucid("lab", "frobnicate").err().contains("synth"));
        assertFalse(Files.exists(Path.of(out)));
    }

    @Test
    void helpListsSubcommandsAndOptions() {
        CliTest.Run group = CliTest.lucid("help", "lab");
        assertEquals(0, group.code());
        assertTrue(group.out().contains("synth"), group.out());
        CliTest.Run synth = CliTest.lucid("lab", "synth", "--help");
        assertEquals(0, synth.code());
        assertTrue(synth.out().contains("--preset P") && synth.out().contains("llama-3.2-1b"), synth.out());
        assertEquals(synth.out(), CliTest.lucid("help", "lab", "synth").out());
        assertTrue(CliTest.lucid("help").out().contains("lab"));
    }
}
