package lucid.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import lucid.app.cli.Cli;
import lucid.engine.gguf.SharedFixtures;

/** The {@code lucid} commands, run in-process as the launcher runs them. */
class CliTest {

    record Run(int code, String out, String err) {
    }

    static Run lucid(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Cli.standard().run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String stories() {
        return SharedFixtures.file("models/stories260k.gguf").toString();
    }

    @Test
    void greedyGenerationTellsTheStoryLlamaCppTells() {
        Run r = lucid("generate", "--model", stories(), "--prompt", "Once upon a time", "--temp", "0",
                "--max-tokens", "60", "--threads", "2");
        assertEquals(0, r.code(), r.err());
        // shared/models/MODELS.md: llama.cpp's and llama2.c's greedy text for this prompt.
        assertTrue(r.out().startsWith(", there was a little girl named Lily. She loved to play outside in the park. "
                + "One day, she saw a big, red ball."), r.out());
        assertFalse(r.out().contains("Once upon a time"), "only the new text is printed");
        assertTrue(r.err().contains("tok/s"), "timings go to stderr: " + r.err());
    }

    @Test
    void aTokenizerThatCannotMatchTheModelsOwnIsReported(@TempDir Path dir) throws IOException {
        // The gpt-2 vocabulary, renamed to a pre-tokenizer Lucid does not know: the default split is
        // used and the command says so on stderr, leaving stdout to the ids.
        Path file = dir.resolve("vocab-unknown-pre.gguf");
        try (var source = lucid.engine.gguf.GgufFile.open(SharedFixtures.file("models/vocab-only/ggml-vocab-gpt-2.gguf"))) {
            new lucid.engine.gguf.GgufWriter().putAll(source.metadata())
                    .putString("tokenizer.ggml.pre", "brand-new-model").write(file);
        }
        Run r = lucid("tokenize", "--model", file.toString(), "--text", "Hello world", "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("lucid: warning:") && r.err().contains("brand-new-model"), r.err());
        assertTrue(r.out().startsWith("{\"ids\":"), r.out());

        Run known = lucid("tokenize", "--model", SharedFixtures.file("models/vocab-only/ggml-vocab-gpt-2.gguf").toString(),
                "--text", "Hello world");
        assertFalse(known.err().contains("warning"), known.err());
    }

    @Test
    void stopStringEndsGenerationAndIsNotPrinted() {
        Run r = lucid("generate", "--model", stories(), "--prompt", "Once upon a time", "--temp", "0",
                "--stop", "Lily", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertEquals(", there was a little girl named", r.out().strip());
        assertTrue(r.err().contains("stop string"), r.err());
    }

    @Test
    void seededSamplingIsReproducible() {
        String[] args = {"generate", "--model", stories(), "--prompt", "Lily", "--temp", "1.0", "--seed", "42",
                "--max-tokens", "30", "--threads", "1"};
        Run a = lucid(args);
        Run b = lucid(args);
        assertEquals(0, a.code(), a.err());
        assertEquals(a.out(), b.out());
        Run c = lucid("generate", "--model", stories(), "--prompt", "Lily", "--temp", "1.0", "--seed", "43",
                "--max-tokens", "30", "--threads", "1");
        assertFalse(a.out().equals(c.out()), "another seed, another story");
    }

    @Test
    void tokenizeAndDetokenize() throws IOException {
        Run plain = lucid("tokenize", "--model", stories(), "--text", "Once upon a time", "--json");
        assertEquals(0, plain.code(), plain.err());
        JsonNode json = new ObjectMapper().readTree(plain.out());
        assertEquals("[403,407,261,378]", json.get("ids").toString());
        assertEquals("[\" Once\",\" upon\",\" a\",\" time\"]", json.get("pieces").toString());

        Run special = lucid("tokenize", "--model", stories(), "--text", "Once upon a time", "--add-special", "--json");
        assertEquals("[1,403,407,261,378]", new ObjectMapper().readTree(special.out()).get("ids").toString());

        Run back = lucid("detokenize", "--model", stories(), "--ids", "1 403 407 261 378");
        assertEquals(0, back.code(), back.err());
        assertEquals("Once upon a time", back.out().strip());
    }

    @Test
    void logitsJsonMatchesGolden() throws IOException {
        Run r = lucid("logits", "--model", stories(), "--prompt", "Once upon a time", "--json", "--threads", "2");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        Golden.Prompt p = Golden.load("stories260k").prompts().getFirst();
        assertEquals("[1,403,407,261,378]", json.get("tokens").toString());
        assertEquals(p.logits().length, json.get("logits").size());
        for (int pos = 0; pos < p.logits().length; pos++) {
            float[] row = Golden.floats(json.get("logits").get(pos));
            for (int v = 0; v < row.length; v++) {
                assertEquals(p.logits()[pos][v], row[v], GoldenLogitsTest.TIGHT, "position " + pos + " token " + v);
            }
        }
    }

    @Test
    void infoDescribesTheModel() throws IOException {
        Run r = lucid("info", "--model", stories(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals("llama", json.get("architecture").asText());
        assertEquals(292_800, json.get("parameters").asLong());
        assertEquals(5, json.get("hyperparameters").get("block_count").asInt());
        assertEquals(4, json.get("hyperparameters").get("head_count_kv").asInt());
        assertEquals(48, json.get("tensors").size());
        assertTrue(json.get("ram_estimate").get("total_bytes").asLong() > json.get("weight_bytes").asLong());

        Run text = lucid("info", "--model", stories());
        assertTrue(text.out().contains("blk.0.ffn_down.weight"), text.out());
        assertTrue(text.out().contains("RAM estimate"), text.out());
    }

    @Test
    void perplexityPrintsItLast() {
        Run r = lucid("perplexity", "--model", stories(), "--file",
                SharedFixtures.file("golden/story-visible.txt").toString(), "--ctx", "128", "--threads", "2");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.matches("perplexity: 3\\.9[67]\\d\\d"), last);
    }

    @Test
    void benchReportsSpeedAgainstTheBandwidthCeiling() throws IOException {
        Run r = lucid("bench", "--model", stories(), "-p", "16", "-n", "8", "--reps", "2", "--bandwidth-mib", "64",
                "--threads", "2", "--probe", "probs", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        for (String field : List.of("pp_tps", "tg_tps", "tg_tps_min", "tg_tps_max", "load_ms", "bandwidth_gbs",
                "bytes_per_token", "ceiling_tps", "ceiling_fraction", "tg_tps_probe", "compute_gflops",
                "pp_flops_per_token", "pp_ceiling_tps", "pp_ceiling_fraction")) {
            assertTrue(json.get(field).asDouble() > 0, field + " in " + r.out());
        }
        assertEquals(2, json.get("threads").asInt());
        assertEquals("fast", json.get("precision").asText());
        assertEquals(1 - json.get("tg_tps_probe").asDouble() / json.get("tg_tps").asDouble(),
                json.get("probe_overhead").asDouble(), 1e-9);
        assertTrue(json.get("tg_tps_min").asDouble() <= json.get("tg_tps").asDouble()
                && json.get("tg_tps").asDouble() <= json.get("tg_tps_max").asDouble());
        // stories260k: all 1,171,200 bytes of F32 weights but 511 of the 512 embedding rows.
        assertEquals(1_171_200 - 511 * 64 * 4, json.get("bytes_per_token").asLong());
        double ceiling = json.get("bandwidth_gbs").asDouble() * 1e9 / json.get("bytes_per_token").asDouble();
        assertEquals(ceiling, json.get("ceiling_tps").asDouble(), ceiling * 1e-6);
        // stories260k: 5 blocks of query and output 64 x 64, key and value 32 x 64 (4 KV heads), three
        // 64 x 172 feed-forward matrices; the 512 x 64 output projection once for the 16 tokens;
        // attention over 8.5 visible positions on average, 8 heads of 8.
        double flops = 2.0 * 5 * (2 * 64 * 64 + 2 * 32 * 64 + 3 * 64 * 172) + 2.0 * 512 * 64 / 16
                + 4.0 * 5 * 8 * 8 * 8.5;
        assertEquals(flops, json.get("pp_flops_per_token").asDouble(), 1e-6);
        double promptCeiling = json.get("compute_gflops").asDouble() * 1e9 / flops;
        assertEquals(promptCeiling, json.get("pp_ceiling_tps").asDouble(), promptCeiling * 1e-6);
        assertEquals(json.get("pp_tps").asDouble() / promptCeiling, json.get("pp_ceiling_fraction").asDouble(), 1e-6);
    }

    @Test
    void benchSaysWhichProductsItMeasured() throws IOException {
        Run r = lucid("bench", "--model", stories(), "-p", "4", "-n", "4", "--reps", "1", "--bandwidth-mib", "0",
                "--threads", "1", "--exact");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("products:          exact (float activations)"), r.out());
    }

    @Test
    void benchRepacksQ4_0WeightsInTheBackgroundUnlessTold() throws IOException {
        String model = Golden.load("synth-llama-q4_0").modelPath().toString();
        Run mapped = lucid("bench", "--model", model, "-p", "4", "-n", "4", "--reps", "1", "--bandwidth-mib", "0",
                "--threads", "1", "--json", "--no-repack");
        Run repacked = lucid("bench", "--model", model, "-p", "4", "-n", "4", "--reps", "1", "--bandwidth-mib", "0",
                "--threads", "1", "--json", "--repack");
        Run background = lucid("bench", "--model", model, "-p", "4", "-n", "4", "--reps", "1", "--bandwidth-mib", "0",
                "--threads", "1", "--json");
        assertEquals(0, mapped.code(), mapped.err());
        assertEquals(0, repacked.code(), repacked.err());
        assertEquals(0, background.code(), background.err());
        JsonNode before = new ObjectMapper().readTree(mapped.out());
        JsonNode after = new ObjectMapper().readTree(repacked.out());
        JsonNode later = new ObjectMapper().readTree(background.out());
        assertEquals(0, before.get("repacked_bytes").asLong());
        assertEquals("none", before.get("repacking").asText());
        assertEquals("at_load", after.get("repacking").asText());
        assertEquals("in_background", later.get("repacking").asText());
        long copies = after.get("repacked_bytes").asLong();
        assertTrue(copies > 0, repacked.out());
        // The bench waits for the background copies: the same copies, timed.
        assertEquals(copies, later.get("repacked_bytes").asLong(), background.out());
        assertTrue(later.get("repack_ms").asDouble() > 0, background.out());
        // Generation reads the copies instead of the rows they hold: a tenth more bytes (20 for 18).
        long grew = after.get("bytes_per_token").asLong() - before.get("bytes_per_token").asLong();
        assertEquals(copies / 10, grew, repacked.out());
        assertEquals(after.get("bytes_per_token").asLong(), later.get("bytes_per_token").asLong());
        Run both = lucid("bench", "--model", model, "--repack", "--no-repack");
        assertEquals(2, both.code(), both.out());
        assertTrue(both.err().contains("--no-repack"), both.err());
        Run text = lucid("generate", "--model", model, "--prompt", "Once upon a time", "--max-tokens", "4",
                "--temp", "0", "--threads", "1", "--repack");
        assertEquals(0, text.code(), text.err());
    }

    @Test
    void inspectPrintsProbabilitiesAndAttribution() throws IOException {
        Run probs = lucid("inspect", "--model", stories(), "--prompt", "Once upon a time", "--what", "probs", "--top", "5",
                "--max-tokens", "3", "--json", "--threads", "1");
        assertEquals(0, probs.code(), probs.err());
        JsonNode tokens = new ObjectMapper().readTree(probs.out()).get("tokens");
        assertEquals(4 + 3, tokens.size(), "4 prompt tokens after BOS, 3 generated");
        JsonNode first = tokens.get(0);
        for (String field : List.of("position", "id", "piece", "prob", "logprob", "rank", "entropy", "top", "sampled")) {
            assertTrue(first.has(field), field);
        }
        assertEquals(403, first.get("id").asInt());
        assertEquals(5, first.get("top").size());
        assertTrue(tokens.get(6).get("generated").asBoolean());

        Run attribution = lucid("inspect", "--model", stories(), "--prompt", "Lily and Tom", "--what", "attribution",
                "--json", "--threads", "1");
        assertEquals(0, attribution.code(), attribution.err());
        JsonNode a = new ObjectMapper().readTree(attribution.out());
        int position = a.get("target").get("position").asInt();
        assertEquals(position, a.get("scores").size());
        assertEquals(position, a.get("tokens").size());

        Run attention = lucid("inspect", "--model", stories(), "--prompt", "Lily and Tom", "--what", "attention",
                "--layer", "2", "--head", "3", "--json", "--threads", "1");
        assertEquals(0, attention.code(), attention.err());
        JsonNode att = new ObjectMapper().readTree(attention.out());
        assertEquals(2, att.get("layer").asInt());
        assertEquals(1, att.get("kv_head").asInt(), "heads 2 and 3 share KV head 1");
        assertEquals(5, att.get("weights").size());
        for (int q = 0; q < 5; q++) {
            double sum = 0;
            for (int k = 0; k < 5; k++) {
                sum += att.get("weights").get(q).get(k).asDouble();
            }
            assertEquals(1.0, sum, 1e-5);
        }

        Run lens = lucid("inspect", "--model", stories(), "--prompt", "Lily and Tom", "--what", "lens", "--top", "3",
                "--json", "--threads", "1");
        assertEquals(0, lens.code(), lens.err());
        JsonNode layers = new ObjectMapper().readTree(lens.out()).get("layers");
        assertEquals(5, layers.size());
        assertEquals(3, layers.get(4).get("positions").get(4).get("top").size());

        Run rollout = lucid("inspect", "--model", stories(), "--prompt", "Lily and Tom", "--what", "attribution",
                "--method", "rollout", "--json", "--threads", "1");
        assertEquals(0, rollout.code(), rollout.err());
        double total = 0;
        for (JsonNode v : new ObjectMapper().readTree(rollout.out()).get("scores")) {
            total += v.asDouble();
        }
        assertEquals(1.0, total, 1e-4);

        Run bad = lucid("inspect", "--model", stories(), "--prompt", "x", "--what", "nonsense");
        assertEquals(2, bad.code());
    }

    @Test
    void chatTemplateRendersTheModelsOwnTemplate() {
        Run r = lucid("chat-template", "--model", SharedFixtures.file("models/vocab-only/ggml-vocab-phi-3.gguf").toString(),
                "--user", "你好 🙂");
        assertEquals(0, r.code(), r.err());
        assertEquals("<s><|user|>\n你好 🙂<|end|>\n<|assistant|>\n", r.out());
        assertTrue(r.err().contains("the model's own chat template"), r.err());
    }

    @Test
    void badFilesGiveOneLineAndExitCode2(@TempDir Path dir) throws IOException {
        Path garbage = dir.resolve("garbage.gguf");
        Files.write(garbage, "this is not a model".getBytes(StandardCharsets.UTF_8));
        Path truncated = dir.resolve("truncated.gguf");
        byte[] real = Files.readAllBytes(Path.of(stories()));
        Files.write(truncated, java.util.Arrays.copyOf(real, real.length / 2));
        String v1 = SharedFixtures.file("models/legacy/stories260k-ggufv1.gguf").toString();

        for (String[] c : List.of(
                new String[] {"generate", "--model", garbage.toString(), "--prompt", "x"},
                new String[] {"generate", "--model", truncated.toString(), "--prompt", "x"},
                new String[] {"info", "--model", v1},
                new String[] {"generate", "--model", dir.resolve("missing.gguf").toString(), "--prompt", "x"},
                new String[] {"generate", "--model", SharedFixtures.file("models/vocab-only/ggml-vocab-llama-spm.gguf")
                        .toString(), "--prompt", "x"},
                new String[] {"generate", "--model", stories(), "--prompt", "x", "--temp", "-1"},
                new String[] {"generate", "--model", stories(), "--prompt", "x", "--bogus"},
                new String[] {"frobnicate"})) {
            Run r = lucid(c);
            assertEquals(2, r.code(), String.join(" ", c) + " -> " + r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
            assertTrue(r.err().startsWith("lucid: "), r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace without --debug: " + r.err());
        }
        assertTrue(lucid("info", "--model", v1).err().contains("version 1"));
        assertTrue(lucid("info", "--model", garbage.toString()).err().contains("garbage.gguf"));
        assertTrue(lucid("info", "--model", truncated.toString()).err().contains("truncated.gguf"));

        Run debug = lucid("info", "--model", garbage.toString(), "--debug");
        assertEquals(2, debug.code());
        assertTrue(debug.err().contains("\tat "), "--debug adds the stack trace");
    }
}
