package lucid.tests.workbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

/** {@code lucid eval} on stories260k: deterministic with temperature 0. */
class EvalCommandTest {

    static final String PASSING = """
            description: stories260k, greedy
            prompts:
              - {id: once, template: "Once upon a time"}
              - {id: named, template: "Once upon a time, there was a {{who}} named"}
            settings: {temperature: 0, seed: 1, max_tokens: 24}
            tests:
              - description: girl
                vars: {who: "little girl"}
                assert:
                  - {type: contains, value: "Lily"}
                  - {type: not-contains, value: "dragon"}
                  - {type: regex, value: "pl(a|ay)"}
                  - {type: max-tokens, value: 24}
                  - {type: min-mean-logprob, value: -1}
            """;

    record Run(int code, String out, String err) {
    }

    static Run eval(Path suite, String... extra) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> args = new java.util.ArrayList<>(List.of("eval", "--model",
                SharedFixtures.file("models/stories260k.gguf").toString(), "--suite", suite.toString(), "--threads", "1"));
        args.addAll(List.of(extra));
        int code = Cli.standard().run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void passingSuiteExitsZeroAndReportsEachCase(@TempDir Path dir) throws IOException {
        Path suite = Files.writeString(dir.resolve("suite.yaml"), PASSING);
        Run r = eval(suite, "--json");
        assertEquals(0, r.code(), r.out() + r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(2, json.get("passed").asInt());
        assertEquals(0, json.get("failed").asInt());
        JsonNode named = json.get("results").get(1);
        assertEquals("named", named.get("prompt").asText());
        // The greedy story, as llama.cpp tells it (shared/models/MODELS.md).
        assertTrue(named.get("output").asText().startsWith(" Lily. She loved to play outside in the park."),
                named.get("output").asText());
        assertTrue(named.get("mean_logprob").asDouble() < 0);
        assertEquals(24, named.get("tokens").asInt());

        // Deterministic apart from speed and the last digits of float sums (the JIT may reorder them).
        JsonNode second = new ObjectMapper().readTree(eval(suite, "--json").out());
        for (int i = 0; i < 2; i++) {
            var a = (com.fasterxml.jackson.databind.node.ObjectNode) json.get("results").get(i);
            var b = (com.fasterxml.jackson.databind.node.ObjectNode) second.get("results").get(i);
            assertEquals(a.get("mean_logprob").asDouble(), b.get("mean_logprob").asDouble(), 1e-6);
            for (String varying : List.of("tokens_per_second", "mean_logprob")) {
                a.remove(varying);
                b.remove(varying);
            }
            assertEquals(a, b);
        }
    }

    @Test
    void failingAssertionExitsOne(@TempDir Path dir) throws IOException {
        Path suite = Files.writeString(dir.resolve("suite.yaml"), PASSING.replace("value: \"Lily\"", "value: \"Tom\"")
                + "  - vars: {who: dog}\n    assert:\n      - {type: next-token-prob, token: \"Lily\", value: 0.99}\n"
                + "      - {type: next-token-prob, token: \"Max\", value: 0.5}\n");
        Run r = eval(suite);
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("output does not contain \"Tom\""), r.out());
        assertTrue(r.out().contains("next-token probability of \"Lily\""), r.out());
        // " Max" is three tokens for this vocabulary: the assertion fails and says why.
        assertTrue(r.out().contains("\"Max\" is 3 tokens for this model"), r.out());
        assertTrue(r.out().strip().endsWith("0 passed, 4 failed"), r.out());
    }

    @Test
    void chatPromptsUseTheModelsTemplateOrItsFallback(@TempDir Path dir) throws IOException {
        Path suite = Files.writeString(dir.resolve("chat.yaml"), """
                prompts:
                  - {id: chat, messages: [{role: system, content: "Tell stories."}, {role: user, content: "Hi {{name}}"}]}
                settings: {temperature: 0, max_tokens: 4}
                tests:
                  - vars: {name: "Tom"}
                """);
        Run r = eval(suite, "--json");
        assertEquals(0, r.code(), r.out() + r.err());
        // stories260k has no chat template and no chat tokens: ChatML stands in, and stderr says so.
        assertTrue(r.err().contains("chatml"), r.err());
        String rendered = new ObjectMapper().readTree(r.out()).get("results").get(0).get("rendered_prompt").asText();
        assertEquals("<|im_start|>system\nTell stories.<|im_end|>\n<|im_start|>user\nHi Tom<|im_end|>\n"
                + "<|im_start|>assistant\n", rendered);
    }

    @Test
    void badSuiteIsBadInput(@TempDir Path dir) throws IOException {
        Path suite = Files.writeString(dir.resolve("bad.yaml"), "prompts: [\"{{missing}}\"]\ntests: [{vars: {x: 1}}]\n");
        Run r = eval(suite);
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("{{missing}}"), r.err());
    }
}
