package lucid.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import org.junit.jupiter.api.Test;

import lucid.engine.gguf.SharedFixtures;

/** Rules of llama.cpp's SentencePiece tokenizer, each on a vocabulary where that rule decides the ids. */
class SentencePieceTokenizerTest {

    @Test
    void stories260kPrompts() {
        Tokenizer t = TokenizerFixtures.tokenizer(TokenizerFixtures.STORIES_260K);
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, t.encode("Once upon a time", true, false));
        assertArrayEquals(new int[] {1, 317}, t.encode("Lily", true, false));
        assertArrayEquals(new int[] {403, 407, 261, 378}, t.encode("Once upon a time", false, false));
    }

    @Test
    void emptyTextIsJustBosWhenAddingSpecials() {
        Tokenizer t = TokenizerFixtures.tokenizer(TokenizerFixtures.STORIES_260K);
        assertArrayEquals(new int[] {1}, t.encode("", true, false));
        assertArrayEquals(new int[0], t.encode("", false, false));
        assertEquals("", t.decode(new int[0], false, false));
    }

    @Test
    void equalScoresMergeLeftmostPairFirst() {
        TinyVocabulary v = new TinyVocabulary().set("tokenizer.ggml.add_space_prefix", false);
        int a = v.normal("a", 0);
        int b = v.normal("b", 0);
        int c = v.normal("c", 0);
        int ab = v.normal("ab", -1);
        int bc = v.normal("bc", -1);
        assertArrayEquals(new int[] {ab, c}, v.tokenizer().encode("abc", false, false));
        assertTrue(b > a && bc > ab);
    }

    @Test
    void higherScoreWinsOverPosition() {
        TinyVocabulary v = new TinyVocabulary().set("tokenizer.ggml.add_space_prefix", false);
        int a = v.normal("a", 0);
        v.normal("b", 0);
        v.normal("c", 0);
        v.normal("ab", -2);
        int bc = v.normal("bc", -1);
        assertArrayEquals(new int[] {a, bc}, v.tokenizer().encode("abc", false, false));
    }

    @Test
    void mergesChainThroughIntermediatePieces() {
        TinyVocabulary v = new TinyVocabulary();
        v.normal("\u2581", -5);
        v.normal("h", -5);
        v.normal("i", -5);
        v.normal("\u2581h", -3);
        int hi = v.normal("\u2581hi", -1);
        assertArrayEquals(new int[] {hi, hi}, v.tokenizer().encode("hi hi", false, false));
    }

    @Test
    void unknownCharactersFallBackToUtf8ByteTokens() {
        TinyVocabulary v = new TinyVocabulary();
        int space = v.normal("\u2581", -1);
        int x = v.normal("x", -1);
        int[] ids = v.tokenizer().encode("é x", false, false);
        assertArrayEquals(new int[] {space, TinyVocabulary.byteToken(0xC3), TinyVocabulary.byteToken(0xA9), space, x}, ids);
        assertEquals("é x", v.tokenizer().decode(ids, false, false));
    }

    @Test
    void addsEosOnlyWhenTheVocabularySaysSo() {
        TinyVocabulary v = new TinyVocabulary();
        int ax = v.normal("\u2581x", -1);
        assertArrayEquals(new int[] {TinyVocabulary.BOS, ax}, v.tokenizer().encode("x", true, false));
        v.set("tokenizer.ggml.add_eos_token", true).set("tokenizer.ggml.add_bos_token", false);
        assertArrayEquals(new int[] {ax, TinyVocabulary.EOS}, v.tokenizer().encode("x", true, false));
    }

    @Test
    void controlTokensAreTextUnlessParsingSpecials() {
        Tokenizer t = TokenizerFixtures.tokenizer(TokenizerFixtures.LLAMA_SPM);
        int[] asText = t.encode("<s>hi", false, false);
        assertTrue(asText.length > 1 && asText[0] != 1, "'<s>' spelled out when not parsing specials");
        int[] parsed = t.encode("<s>hi", false, true);
        assertEquals(1, parsed[0]);
        // After a special token the next text fragment gets the space prefix again: "▁hi".
        assertArrayEquals(new int[] {1, t.vocabulary().id("\u2581hi").orElseThrow()}, parsed);
    }

    @Test
    void userDefinedTokensAreMatchedEvenWithoutParseSpecial() {
        TinyVocabulary v = new TinyVocabulary();
        int marker = v.add("<x>", 0, TokenType.USER_DEFINED);
        int ax = v.normal("\u2581a", -1);
        Tokenizer t = v.tokenizer();
        assertArrayEquals(new int[] {ax, marker, ax}, t.encode("a<x>a", false, false));
        assertEquals("a<x> a", t.decode(t.encode("a<x>a", false, false), false, false));
    }

    @Test
    void longerSpecialTokensAreCutFirstAcrossTheWholeText() {
        TinyVocabulary v = new TinyVocabulary().set("tokenizer.ggml.add_space_prefix", false);
        int ab = v.add("ab", 0, TokenType.USER_DEFINED);
        int bcd = v.add("bcd", 0, TokenType.USER_DEFINED);
        int a = v.normal("a", -1);
        Tokenizer t = v.tokenizer();
        // A left-to-right longest match would give [ab, c, d]; llama.cpp cuts "bcd" out first.
        assertArrayEquals(new int[] {a, bcd}, t.encode("abcd", false, false));
        assertArrayEquals(new int[] {ab, ab}, t.encode("abab", false, false));
    }

    @Test
    void phi3MarkersSwallowTheWhitespaceAfterThem() {
        Tokenizer t = TokenizerFixtures.tokenizer(TokenizerFixtures.PHI_3);
        int user = t.vocabulary().id("<|user|>").orElseThrow();
        int[] ids = t.encode("<|user|>\n  Hi", false, true);
        assertArrayEquals(new int[] {user, t.vocabulary().id("\u2581Hi").orElseThrow()}, ids);
        // <s> is the exception llama.cpp makes: the space after it stays.
        assertArrayEquals(new int[] {1, 29871, t.vocabulary().id("\u2581Hi").orElseThrow()}, t.encode("<s> Hi", false, true));
    }

    @Test
    void piecesFollowTokenTypes() {
        Tokenizer t = TokenizerFixtures.tokenizer(TokenizerFixtures.LLAMA_SPM);
        assertArrayEquals(new byte[0], t.tokenPiece(1, false), "control hidden");
        assertArrayEquals("<s>".getBytes(StandardCharsets.UTF_8), t.tokenPiece(1, true));
        assertArrayEquals(new byte[0], t.tokenPiece(0, false), "unknown hidden");
        assertArrayEquals("<unk>".getBytes(StandardCharsets.UTF_8), t.tokenPiece(0, true));
        assertArrayEquals(new byte[] {(byte) 0xE4}, t.tokenPiece(3 + 0xE4, false), "byte token");
        assertArrayEquals(" Hello".getBytes(StandardCharsets.UTF_8), t.tokenPiece(15043, false), "▁ becomes space");
        assertThrows(IllegalArgumentException.class, () -> t.tokenPiece(32000, true));
        assertThrows(IllegalArgumentException.class, () -> t.tokenPiece(-1, true));
    }

    @Test
    void piecesAreCopies() {
        Tokenizer t = TokenizerFixtures.tokenizer(TokenizerFixtures.LLAMA_SPM);
        t.tokenPiece(15043, true)[0] = 'X';
        assertEquals(' ', t.tokenPiece(15043, true)[0]);
    }

    /** The leading-space and remove-special rules of llama_detokenize, quirks included. */
    @Test
    void decodeRemovesThePrefixSpaceOnlyFromAFirstTextToken() {
        Tokenizer t = TokenizerFixtures.tokenizer(TokenizerFixtures.STORIES_260K);
        int[] withBos = t.encode("Once upon a time", true, false);
        int[] withoutBos = t.encode("Once upon a time", false, false);
        assertEquals("Once upon a time", t.decode(withoutBos, false, false));
        assertEquals("Once upon a time", t.decode(withoutBos, true, true));
        // A leading BOS uses up the space removal, rendered or not, and removing it keeps the space.
        assertEquals(" Once upon a time", t.decode(withBos, false, false));
        assertEquals("<s> Once upon a time", t.decode(withBos, false, true));
        assertEquals(" Once upon a time", t.decode(withBos, true, true));
        int[] withEos = {1, 403, 2};
        assertEquals("<s> Once</s>", t.decode(withEos, false, true));
        // add_eos is off in this vocabulary, so llama.cpp leaves the EOS in place.
        assertEquals(" Once</s>", t.decode(withEos, true, true));
    }

    @Test
    void removeSpecialDropsTrailingEosWhenTheVocabularyAddsIt() {
        TinyVocabulary v = new TinyVocabulary().set("tokenizer.ggml.add_eos_token", true);
        int x = v.normal("\u2581x", -1);
        Tokenizer t = v.tokenizer();
        assertEquals("<s> x</s>", t.decode(new int[] {TinyVocabulary.BOS, x, TinyVocabulary.EOS}, false, true));
        assertEquals(" x", t.decode(new int[] {TinyVocabulary.BOS, x, TinyVocabulary.EOS}, true, true));
    }

    @Test
    void encodingKilobytesIsFast() throws Exception {
        Tokenizer t = TokenizerFixtures.tokenizer(TokenizerFixtures.LLAMA_SPM);
        String story = Files.readString(SharedFixtures.file("golden/story-visible.txt"));
        String text = story.repeat(6);                  // about 18 KB
        String word = "x".repeat(20_000);                // one 20k-character word: merges, no spaces
        t.encode(text, true, false);                     // warm-up (JIT)
        long start = System.nanoTime();
        int[] ids = t.encode(text, true, false);
        int[] longWord = t.encode(word, false, false);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(text, t.decode(ids, false, false).substring(1));
        assertEquals(word, t.decode(longWord, false, false));
        // Tens of milliseconds on a laptop; the bound only catches quadratic behaviour on a busy CI core.
        assertTrue(millis < 2_000, "encoding 38 KB took " + millis + " ms");
    }
}
