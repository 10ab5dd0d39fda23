package lucid.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import lucid.engine.gguf.SharedFixtures;

/**
 * shared/golden/tokenizer-visible.json: llama.cpp's ids, detokenized text
 * ({@code remove_special = false, unparse_special = true}) and per-token pieces
 * ({@code special = true}) for 11 strings on each vocabulary, the byte-level BPE of GPT-2 included
 * (whose detokenized text has llama.cpp's space clean-up applied).
 */
class TokenizerGoldenTest {

    private static final Set<String> VOCABULARIES = Set.of(TokenizerFixtures.LLAMA_SPM, TokenizerFixtures.PHI_3,
            TokenizerFixtures.STORIES_260K, TokenizerFixtures.GPT_2);

    record Entry(String vocab, String text, boolean addSpecial, boolean parseSpecial, int[] ids,
                 String detokenized, boolean roundtripExact, List<String> piecesHex) {
    }

    @TestFactory
    Stream<DynamicTest> matchesLlamaCpp() throws IOException {
        List<Entry> entries = read();
        assertEquals(44, entries.size(), "entries in tokenizer-visible.json");
        for (Entry e : entries) {
            assertTrue(VOCABULARIES.contains(e.vocab), () -> "vocabulary without a tokenizer test: " + e.vocab);
        }
        assertEquals(11, entries.stream().filter(e -> e.vocab.equals(TokenizerFixtures.GPT_2)).count(), "gpt-2 entries");
        return entries.stream().map(e -> dynamicTest(name(e), () -> check(e)));
    }

    private static void check(Entry e) {
        Tokenizer tokenizer = TokenizerFixtures.tokenizer(e.vocab);
        int[] ids = tokenizer.encode(e.text, e.addSpecial, e.parseSpecial);
        assertArrayEquals(e.ids, ids, "ids");
        assertEquals(e.detokenized, tokenizer.decode(ids, false, true), "detokenized");
        assertEquals(e.roundtripExact, e.text.equals(tokenizer.decode(ids, false, true)), "round trip exactness");
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            pieces.add(HexFormat.of().formatHex(tokenizer.tokenPiece(id, true)));
        }
        assertEquals(e.piecesHex, pieces, "pieces (hex)");
    }

    private static List<Entry> read() throws IOException {
        JsonNode root = new ObjectMapper().readTree(SharedFixtures.file("golden/tokenizer-visible.json").toFile());
        List<Entry> entries = new ArrayList<>();
        for (JsonNode n : root) {
            int[] ids = new int[n.get("ids").size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = n.get("ids").get(i).intValue();
            }
            List<String> hex = new ArrayList<>();
            n.get("pieces_hex").forEach(h -> hex.add(h.asText().toLowerCase(java.util.Locale.ROOT)));
            entries.add(new Entry(n.get("vocab").asText(), n.get("text").asText(), n.get("add_special").asBoolean(),
                    n.get("parse_special").asBoolean(), ids, n.get("detokenized").asText(),
                    n.get("roundtrip_exact").asBoolean(), hex));
        }
        return entries;
    }

    private static String name(Entry e) {
        String vocab = e.vocab.substring(e.vocab.lastIndexOf('/') + 1);
        return vocab + " " + LlamaCppVocabTestFilesTest.printable(e.text)
                + (e.parseSpecial ? " parse_special" : "") + (e.addSpecial ? " add_special" : "");
    }
}
