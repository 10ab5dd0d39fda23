package lucid.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import lucid.engine.gguf.SharedFixtures;

/**
 * The tokenizer side of the model goldens (shared/golden/outputs/*.json, perplexity.json), each
 * made by llama.cpp with the model file's own vocabulary: prompt ids with BOS, prompt pieces, the
 * bytes of a greedy continuation, where it would stop (end of generation), and the same text
 * streamed through {@link Utf8StreamDecoder} (many synthetic continuations are not valid UTF-8).
 */
class ModelOutputsGoldenTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    Stream<DynamicTest> promptsAndContinuations() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(SharedFixtures.file("golden/README.md").resolveSibling("outputs"))) {
            files = list.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertEquals(27, files.size(), "golden output files");
        List<DynamicTest> tests = new ArrayList<>();
        for (Path file : files) {
            JsonNode root = JSON.readTree(file.toFile());
            String model = root.get("model_path").asText();
            for (JsonNode prompt : root.get("prompts")) {
                tests.add(dynamicTest(file.getFileName() + " '" + prompt.get("prompt").asText() + "'",
                        () -> check(TokenizerFixtures.tokenizer(model), prompt)));
            }
        }
        return tests.stream();
    }

    private static void check(Tokenizer tokenizer, JsonNode prompt) {
        int[] expected = ints(prompt.get("tokens"));
        assertArrayEquals(expected, tokenizer.encode(prompt.get("prompt").asText(), true, false), "prompt ids");
        List<String> pieces = new ArrayList<>();
        for (int id : expected) {
            pieces.add(new String(tokenizer.tokenPiece(id, true), StandardCharsets.UTF_8));
        }
        List<String> expectedPieces = new ArrayList<>();
        prompt.get("token_pieces").forEach(p -> expectedPieces.add(p.asText()));
        assertEquals(expectedPieces, pieces, "prompt pieces");

        JsonNode continuation = prompt.get("continuation");
        int[] generated = ints(continuation.get("tokens"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Utf8StreamDecoder stream = new Utf8StreamDecoder();
        StringBuilder streamed = new StringBuilder();
        for (int i = 0; i < generated.length; i++) {
            byte[] piece = tokenizer.tokenPiece(generated[i], true);
            bytes.writeBytes(piece);
            streamed.append(stream.feed(piece));
            assertEquals(continuation.get("is_eog").get(i).asBoolean(),
                    tokenizer.vocabulary().isEndOfGeneration(generated[i]), "end of generation at step " + i);
        }
        streamed.append(stream.flush());
        assertEquals(continuation.get("text_utf8_hex").asText(), HexFormat.of().formatHex(bytes.toByteArray()),
                "continuation bytes");
        assertEquals(continuation.get("text").asText(), streamed.toString(), "continuation streamed as text");
    }

    @Test
    void storyTokenCountMatchesPerplexityRun() throws IOException {
        JsonNode perplexity = JSON.readTree(SharedFixtures.file("golden/perplexity.json").toFile());
        String story = Files.readString(SharedFixtures.file("golden/" + perplexity.get("text_file").asText()));
        Tokenizer tokenizer = TokenizerFixtures.tokenizer(TokenizerFixtures.STORIES_260K);
        int[] ids = tokenizer.encode(story, true, false);
        assertEquals(perplexity.get("text_tokens_with_bos").asInt(), ids.length, "tokens with BOS (1480)");
        assertEquals(story, tokenizer.decode(ids, true, false).substring(1),
                "round trip; llama.cpp keeps the prefix space when it drops BOS");
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).intValue();
        }
        return out;
    }
}
