package lucid.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The byte-level BPE rules one at a time, on small vocabularies built in the test (tokens 0..255
 * are the bytes, see {@link TinyBpeVocabulary}), so that each expected id list follows from the
 * rule under test alone.
 */
class ByteLevelBpeTokenizerTest {

    private static int b(char c) {
        return c; // token id of an ASCII byte in TinyBpeVocabulary
    }

    @Test
    void byteAlphabetIsGpt2s() {
        assertEquals('\u0120', ByteLevelAlphabet.charOf(' '), "Ġ");
        assertEquals('\u010A', ByteLevelAlphabet.charOf('\n'), "Ċ");
        assertEquals('\u0100', ByteLevelAlphabet.charOf(0x00));
        assertEquals('\u0121', ByteLevelAlphabet.charOf(0x7F));
        assertEquals('\u0143', ByteLevelAlphabet.charOf(0xAD));
        assertEquals('A', ByteLevelAlphabet.charOf('A'));
        assertEquals('\u00E9', ByteLevelAlphabet.charOf(0xE9));
        for (int x = 0; x < 256; x++) {
            assertEquals(x, ByteLevelAlphabet.byteOf(ByteLevelAlphabet.charOf(x)));
        }
        assertEquals(-1, ByteLevelAlphabet.byteOf(' '), "a raw space is not in the alphabet");
        assertEquals(-1, ByteLevelAlphabet.byteOf(0x144));
    }

    @Test
    void lowestRankMergesFirstWhateverTheTextOrder() {
        TinyBpeVocabulary v = new TinyBpeVocabulary("gpt-2");
        int ab = v.merge("a", "b");
        int bc = v.merge("b", "c");
        assertArrayEquals(new int[] {ab, b('c')}, v.tokenizer().encode("abc", false, false));
        assertArrayEquals(new int[] {bc}, v.tokenizer().encode("bc", false, false));

        TinyBpeVocabulary w = new TinyBpeVocabulary("gpt-2");
        int bcFirst = w.merge("b", "c");
        w.merge("a", "b");
        assertArrayEquals(new int[] {b('a'), bcFirst}, w.tokenizer().encode("abc", false, false));
    }

    @Test
    void equalRanksMergeLeftmostFirst() {
        TinyBpeVocabulary v = new TinyBpeVocabulary("gpt-2");
        int aa = v.merge("a", "a");
        int aaa = v.merge("aa", "a");
        ByteLevelBpeTokenizer t = v.tokenizer();
        assertArrayEquals(new int[] {aaa}, t.encode("aaa", false, false));
        // "a a" twice before "aa a" gets a chance, and "aa aa" is no merge.
        assertArrayEquals(new int[] {aa, aa}, t.encode("aaaa", false, false));
        assertArrayEquals(new int[] {aa, aaa}, t.encode("aaaaa", false, false));
    }

    @Test
    void wordsNeverMergeAcrossThePreTokenizerSplit() {
        TinyBpeVocabulary v = new TinyBpeVocabulary("gpt-2");
        int ab = v.merge("a", "b");
        int spaceB = v.merge(" ", "b");
        assertArrayEquals(new int[] {b('a'), spaceB}, v.tokenizer().encode("a b", false, false));
        assertArrayEquals(new int[] {ab, b('!'), ab}, v.tokenizer().encode("ab!ab", false, false));
    }

    @Test
    void llama3TakesAWholeWordTokenWithoutMerging() {
        for (String pre : List.of("gpt-2", "llama-bpe")) {
            TinyBpeVocabulary v = new TinyBpeVocabulary(pre);
            int ab = v.merge("a", "b");
            int abc = v.token("abc"); // a token no merge leads to
            int[] expected = pre.equals("gpt-2") ? new int[] {ab, b('c')} : new int[] {abc};
            assertArrayEquals(expected, v.tokenizer().encode("abc", false, false), pre);
        }
    }

    @Test
    void aMergeResultThatIsNoTokenFallsBackToItsAsciiCharacters() {
        TinyBpeVocabulary v = new TinyBpeVocabulary("gpt-2");
        v.mergeOnly("x", "y");
        int xyz = v.merge("xy", "z");
        ByteLevelBpeTokenizer t = v.tokenizer();
        assertArrayEquals(new int[] {b('x'), b('y')}, t.encode("xy", false, false));
        assertArrayEquals(new int[] {xyz}, t.encode("xyz", false, false), "merges go on through a non-token");

        // A non-ASCII symbol that is no token is dropped entirely, as llama.cpp drops it: é is
        // C3 A9, spelled "Ã©", and neither byte alone is a one-byte token text.
        TinyBpeVocabulary w = new TinyBpeVocabulary("gpt-2");
        w.mergeLine(TinyBpeVocabulary.spell("\u00E9").charAt(0) + " " + TinyBpeVocabulary.spell("\u00E9").charAt(1));
        assertArrayEquals(new int[] {b('a')}, w.tokenizer().encode("a\u00E9", false, false));
    }

    @Test
    void malformedAndRepeatedMergeLinesAreIgnored() {
        TinyBpeVocabulary v = new TinyBpeVocabulary("gpt-2");
        int ab = v.merge("a", "b");
        v.mergeLine("nospace");
        v.mergeLine(" a"); // the separator is searched from the second character on
        v.mergeLine("a ");
        int bc = v.merge("b", "c");
        v.mergeLine("a b"); // a repeat: the first rank stays
        ByteLevelBpeTokenizer t = v.tokenizer();
        assertEquals(2, t.mergeCount());
        assertArrayEquals(new int[] {ab, b('c')}, t.encode("abc", false, false), "a b keeps rank 0");
        assertArrayEquals(new int[] {bc}, t.encode("bc", false, false));
    }

    @Test
    void missingMergesAreAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TinyBpeVocabulary("gpt-2").withoutMerges().tokenizer());
        assertTrue(e.getMessage().contains("tokenizer.ggml.merges"), e.getMessage());
    }

    @Test
    void controlTokensNeedParseSpecialUserDefinedOnesDoNot() {
        TinyBpeVocabulary v = new TinyBpeVocabulary("gpt-2");
        int eot = v.add("<|endoftext|>", TokenType.CONTROL);
        int tool = v.add("<tool>", TokenType.USER_DEFINED);
        ByteLevelBpeTokenizer t = v.tokenizer();
        assertArrayEquals(new int[] {b('a'), eot, b('b')}, t.encode("a<|endoftext|>b", false, true));
        int[] literal = t.encode("a<|endoftext|>b", false, false);
        assertEquals(15, literal.length, "a, the 13 bytes of the marker, b");
        assertArrayEquals(new int[] {b('x'), tool, b('y')}, t.encode("x<tool>y", false, false));

        assertEquals("", new String(t.tokenPiece(eot, false), StandardCharsets.UTF_8));
        assertEquals("<|endoftext|>", new String(t.tokenPiece(eot, true), StandardCharsets.UTF_8));
        assertEquals("<tool>", new String(t.tokenPiece(tool, false), StandardCharsets.UTF_8));
        assertEquals("ab", t.decode(new int[] {b('a'), eot, b('b')}, false, false));
        assertEquals("a<|endoftext|>b", t.decode(new int[] {b('a'), eot, b('b')}, false, true));
    }

    @Test
    void bosFollowsThePreTokenizerDefaultUnlessTheFileSaysOtherwise() {
        TinyBpeVocabulary gpt2 = new TinyBpeVocabulary("gpt-2");
        int bos = gpt2.add("<|begin_of_text|>", TokenType.CONTROL);
        gpt2.set("tokenizer.ggml.bos_token_id", (long) bos);
        assertArrayEquals(new int[] {b('a')}, gpt2.tokenizer().encode("a", true, false), "GPT-2 adds no BOS");

        TinyBpeVocabulary llama3 = new TinyBpeVocabulary("llama-bpe");
        int bos3 = llama3.add("<|begin_of_text|>", TokenType.CONTROL);
        llama3.set("tokenizer.ggml.bos_token_id", (long) bos3);
        ByteLevelBpeTokenizer t = llama3.tokenizer();
        assertArrayEquals(new int[] {bos3, b('a')}, t.encode("a", true, false), "Llama 3 adds BOS by default");
        assertArrayEquals(new int[] {b('a')}, t.encode("a", false, false));
        assertEquals("a", t.decode(new int[] {bos3, b('a')}, true, false), "remove_special drops the added BOS");

        llama3.set("tokenizer.ggml.add_bos_token", false).set("tokenizer.ggml.add_eos_token", true)
                .set("tokenizer.ggml.eos_token_id", (long) bos3);
        assertArrayEquals(new int[] {b('a'), bos3}, llama3.tokenizer().encode("a", true, false), "the keys win");

        TinyBpeVocabulary glm = new TinyBpeVocabulary("chatglm-bpe").set("tokenizer.ggml.add_bos_token", true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> glm.tokenizer().encode("a", true, false));
        assertTrue(e.getMessage().contains("BOS"), e.getMessage());
    }

    @Test
    void unknownOrMissingPreTokenizerFallsBackToDefaultWithAWarning() {
        ByteLevelBpeTokenizer unknown = new TinyBpeVocabulary("brand-new-model").tokenizer();
        assertEquals("default", unknown.preTokenizer().name());
        assertEquals(1, unknown.warnings().size());
        assertTrue(unknown.warnings().getFirst().contains("'brand-new-model'"), unknown.warnings().getFirst());
        // The default split cuts digit triples out of a number.
        assertEquals(5, unknown.encode("12345", false, false).length);

        ByteLevelBpeTokenizer missing = new TinyBpeVocabulary(null).tokenizer();
        assertEquals("default", missing.preTokenizer().name());
        assertTrue(missing.warnings().getFirst().contains("tokenizer.ggml.pre"), missing.warnings().getFirst());

        assertEquals(List.of(), new TinyBpeVocabulary("qwen2").tokenizer().warnings());
    }

    @Test
    void chineseEmojiAndCodeRoundTripThroughEveryPreTokenizer() {
        List<String> texts = List.of("\u4F60\u597D\uFF0C\u4E16\u754C\uFF01",
                "\uD83D\uDE00 \uD83D\uDC4D\uD83C\uDFFD \uD83C\uDDFA\uD83C\uDDF8 \uD83D\uDE36\u200D\uD83C\uDF2B\uFE0F",
                "def f(x):\n\treturn x ** 2  # \u5E73\u65B9 , ok ?\n\n    x = [1, 22, 333]\r\n");
        for (String pre : PreTokenizer.knownNames()) {
            TinyBpeVocabulary v = new TinyBpeVocabulary(pre);
            String ni = TinyBpeVocabulary.spell("\u4F60"); // E4 BD A0, spelled as three characters
            v.mergeSpelled(ni.substring(0, 1), ni.substring(1, 2));
            int niToken = v.mergeSpelled(ni.substring(0, 2), ni.substring(2));
            v.merge(" ", " ");
            v.merge("  ", "  ");
            ByteLevelBpeTokenizer t = v.tokenizer();
            assertEquals(niToken, t.encode("\u4F60\u597D", false, false)[0], pre);
            for (String text : texts) {
                int[] ids = t.encode(text, false, false);
                assertEquals(text, joinedPieces(t, ids), pre + ": pieces");
                // Only clean-up rule 1 can apply to these texts (no apostrophes).
                String expected = t.preTokenizer().cleanSpaces() ? text.replaceAll(" (?=[?!.,])", "") : text;
                assertEquals(expected, t.decode(ids, false, true), pre + ": decoded");
            }
        }
        ByteLevelBpeTokenizer qwen2 = new TinyBpeVocabulary("qwen2").tokenizer();
        String apostrophes = "it 's a ' test ' .";
        assertEquals(apostrophes, qwen2.decode(qwen2.encode(apostrophes, false, false), false, true));
    }

    @Test
    void thePreTokenizerDecidesWhichMergesCanHappen() {
        for (String pre : List.of("gpt-2", "llama-bpe", "qwen2", "starcoder")) {
            TinyBpeVocabulary v = new TinyBpeVocabulary(pre);
            v.merge("1", "2");
            int t123 = v.merge("12", "3");
            int t45 = v.merge("4", "5");
            int t12345 = v.merge("123", "45");
            int[] expected = switch (pre) {
                case "gpt-2" -> new int[] {t12345};              // " ?\p{N}+" keeps the number whole
                case "llama-bpe" -> new int[] {t123, t45};       // \p{N}{1,3}
                default -> new int[] {b('1'), b('2'), b('3'), b('4'), b('5')}; // every digit alone
            };
            assertArrayEquals(expected, v.tokenizer().encode("12345", false, false), pre);
        }
    }

    @Test
    void gpt2DecodingCleansSpacesButPiecesKeepThem() {
        ByteLevelBpeTokenizer t = new TinyBpeVocabulary("gpt-2").tokenizer();
        int[] ids = t.encode("Hello , world ! it 's", false, false);
        assertEquals("Hello, world! it's", t.decode(ids, false, true));
        assertEquals("Hello , world ! it 's", joinedPieces(t, ids));
    }

    @Test
    void streamedPiecesOfAnEmojiShowOnlyWhenComplete() {
        ByteLevelBpeTokenizer t = new TinyBpeVocabulary("gpt-2").tokenizer();
        int[] ids = t.encode("\uD83D\uDE00", false, false);
        assertArrayEquals(new int[] {0xF0, 0x9F, 0x98, 0x80}, ids, "one token per byte");
        Utf8StreamDecoder stream = new Utf8StreamDecoder();
        StringBuilder shown = new StringBuilder();
        for (int i = 0; i < ids.length; i++) {
            String out = stream.feed(t.tokenPiece(ids[i], true));
            assertEquals(i < 3 ? "" : "\uD83D\uDE00", out, "after byte " + i);
            shown.append(out);
        }
        assertEquals("\uD83D\uDE00", shown.toString());
    }

    @Test
    void aNormalTokenWithACharacterOutsideTheAlphabetRendersAsLlamaCppDoes() {
        TinyBpeVocabulary v = new TinyBpeVocabulary("gpt-2");
        int odd = v.add("a\u4E00", TokenType.NORMAL);
        assertEquals("a[UNK_BYTE_0xe4b880a\u4E00]", new String(v.tokenizer().tokenPiece(odd, true), StandardCharsets.UTF_8));
    }

    @Test
    void anUnpairedSurrogateIsEncodedAsTheReplacementCharacter() {
        ByteLevelBpeTokenizer t = new TinyBpeVocabulary("gpt-2").tokenizer();
        assertArrayEquals(new int[] {0xEF, 0xBF, 0xBD}, t.encode("\uD800", false, false));
    }

    @Test
    void aVeryLongWordMergesInLinearithmicTime() {
        TinyBpeVocabulary v = new TinyBpeVocabulary("gpt-2");
        v.merge("a", "a");
        v.merge("aa", "aa");
        int a8 = v.merge("aaaa", "aaaa");
        ByteLevelBpeTokenizer t = v.tokenizer();
        String word = "a".repeat(200_000);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadCpuTime();
        int[] ids = t.encode(word, false, false);
        long millis = (threads.getCurrentThreadCpuTime() - start) / 1_000_000;
        assertEquals(25_000, ids.length);
        for (int id : ids) {
            assertEquals(a8, id);
        }
        // Tens of milliseconds of CPU; a quadratic loop would take minutes.
        assertTrue(millis < 3_000, "a 200,000-byte word took " + millis + " ms of CPU time");
    }

    @Test
    void theTokenizerIsPickedByTheModelType() {
        Tokenizer t = Tokenizer.fromGguf(new TinyBpeVocabulary("gpt-2").metadata());
        assertTrue(t instanceof ByteLevelBpeTokenizer, t.toString());
        assertThrows(IllegalArgumentException.class, () -> new ByteLevelBpeTokenizer(
                Vocabulary.fromGguf(new TinyVocabulary().metadata()), List.of()));
    }

    static String joinedPieces(Tokenizer t, int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int id : ids) {
            out.writeBytes(t.tokenPiece(id, true));
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
