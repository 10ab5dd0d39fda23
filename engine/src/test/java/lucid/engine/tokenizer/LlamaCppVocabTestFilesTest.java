package lucid.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import lucid.engine.gguf.SharedFixtures;

/**
 * llama.cpp's own tokenizer test vectors (test-tokenizer-0): {@code <vocab>.gguf.inp} holds the
 * inputs, each followed by the line {@code __ggml_vocab_test__}; {@code <vocab>.gguf.out} holds one
 * line of space-separated ids per input, from {@code llama_tokenize(add_special = false,
 * parse_special = false)}.
 */
class LlamaCppVocabTestFilesTest {

    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    record Case(int index, String input, int[] ids) {
    }

    @TestFactory
    Stream<DynamicTest> llamaSpm() throws IOException {
        return cases(TokenizerFixtures.LLAMA_SPM);
    }

    @TestFactory
    Stream<DynamicTest> phi3() throws IOException {
        return cases(TokenizerFixtures.PHI_3);
    }

    /**
     * GPT-2's byte-level BPE: the pieces give back every input byte, and decoding drops the spaces
     * llama.cpp's clean-up drops (here only ones before {@code ? ! . ,}: no input has a lone or
     * contracting apostrophe after a space).
     */
    @TestFactory
    Stream<DynamicTest> gpt2() throws IOException {
        Tokenizer tokenizer = TokenizerFixtures.tokenizer(TokenizerFixtures.GPT_2);
        List<Case> cases = read(TokenizerFixtures.GPT_2);
        assertEquals(46, cases.size(), "cases in " + TokenizerFixtures.GPT_2);
        return cases.stream().map(c -> dynamicTest("#" + c.index + " " + printable(c.input), () -> {
            int[] ids = tokenizer.encode(c.input, false, false);
            assertArrayEquals(c.ids, ids, () -> "ids of " + printable(c.input) + ": " + Arrays.toString(ids));
            ByteArrayOutputStream pieces = new ByteArrayOutputStream();
            for (int id : ids) {
                pieces.writeBytes(tokenizer.tokenPiece(id, true));
            }
            assertEquals(c.input, pieces.toString(StandardCharsets.UTF_8), "pieces joined");
            assertEquals(c.input.replaceAll(" (?=[?!.,])", ""), tokenizer.decode(ids, false, true), "decoded");
        }));
    }

    private static Stream<DynamicTest> cases(String vocab) throws IOException {
        Tokenizer tokenizer = TokenizerFixtures.tokenizer(vocab);
        List<Case> cases = read(vocab);
        // The files hold 46 cases; reading none must not pass as "all matched".
        assertEquals(46, cases.size(), "cases in " + vocab);
        return cases.stream().map(c -> dynamicTest("#" + c.index + " " + printable(c.input), () -> {
            int[] ids = tokenizer.encode(c.input, false, false);
            assertArrayEquals(c.ids, ids, () -> "ids of " + printable(c.input) + ": " + Arrays.toString(ids));
            // SentencePiece maps every input byte to a piece and back, and removes the space prefix it
            // added, so llama.cpp's round trip is exact for these inputs (none contains U+2581 or a
            // special-token text).
            assertEquals(c.input, tokenizer.decode(ids, false, true), "round trip");
        }));
    }

    static List<Case> read(String vocab) throws IOException {
        String inputs = Files.readString(SharedFixtures.file(vocab + ".inp"), StandardCharsets.UTF_8);
        List<String> outputs = Files.readAllLines(SharedFixtures.file(vocab + ".out"), StandardCharsets.UTF_8);
        List<String> texts = new ArrayList<>();
        // Same split as test-tokenizer-0: a trailing separator ends the last case, it does not start one.
        int pos = 0;
        while (pos < inputs.length()) {
            int next = inputs.indexOf(SEPARATOR, pos);
            if (next < 0) {
                texts.add(inputs.substring(pos));
                break;
            }
            texts.add(inputs.substring(pos, next));
            pos = next + SEPARATOR.length();
        }
        assertEquals(texts.size(), outputs.size(), "inputs vs output lines in " + vocab);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String line = outputs.get(i).strip();
            int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Case(i, texts.get(i), ids));
        }
        return cases;
    }

    static String printable(String s) {
        String p = s.replace("\n", "\\n").replace("\t", "\\t");
        return "'" + (p.length() > 40 ? p.substring(0, 40) + "..." : p) + "'";
    }
}
