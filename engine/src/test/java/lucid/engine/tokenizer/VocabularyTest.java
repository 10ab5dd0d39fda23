package lucid.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

import lucid.engine.gguf.GgufMetadata;

class VocabularyTest {

    @Test
    void stories260kKeysAndDefaults() {
        Vocabulary v = TokenizerFixtures.tokenizer(TokenizerFixtures.STORIES_260K).vocabulary();
        assertEquals("llama", v.model());
        assertEquals(512, v.size());
        assertEquals(OptionalInt.of(1), v.bos());
        assertEquals(OptionalInt.of(2), v.eos());
        assertEquals(OptionalInt.of(0), v.unknown());
        // The file stores padding as UINT32 4294967295, which llama.cpp reads as "no padding token".
        assertEquals(OptionalInt.empty(), v.padding());
        // No add_* keys in the file: the SentencePiece defaults apply.
        assertTrue(v.addBos());
        assertFalse(v.addEos());
        assertTrue(v.addSpacePrefix());
        assertEquals(TokenType.UNKNOWN, v.type(0));
        assertEquals(TokenType.CONTROL, v.type(1));
        assertEquals(TokenType.BYTE, v.type(3));
        assertEquals("<0x00>", v.text(3));
        assertEquals(TokenType.NORMAL, v.type(403));
        assertEquals("\u2581Once", v.text(403));
        assertEquals(OptionalInt.of(403), v.id("\u2581Once"));
        assertEquals(OptionalInt.empty(), v.id("no such token"));
        assertArrayEquals(new int[] {2}, v.endOfGenerationIds());
    }

    @Test
    void phi3EndOfGenerationAndStripping() {
        Vocabulary v = TokenizerFixtures.tokenizer(TokenizerFixtures.PHI_3).vocabulary();
        assertEquals(OptionalInt.of(32000), v.eos());
        assertEquals(OptionalInt.of(32000), v.padding());
        assertEquals(OptionalInt.of(32007), v.eot(), "<|end|> found by its text");
        assertArrayEquals(new int[] {32000, 32007}, v.endOfGenerationIds());
        assertTrue(v.isEndOfGeneration(32007));
        assertFalse(v.isEndOfGeneration(2), "</s> is user-defined in Phi-3, not an end marker");
        assertFalse(v.isEndOfGeneration(-1));
        assertEquals(TokenType.USER_DEFINED, v.type(2));
        // Set by llama.cpp for models named Phi-3: special tokens swallow whitespace after them...
        assertTrue(v.rstrip(2));
        assertTrue(v.rstrip(32010));
        // ...except these three.
        assertFalse(v.rstrip(0));
        assertFalse(v.rstrip(1));
        assertFalse(v.rstrip(32000));
        assertFalse(v.lstrip(32010));
    }

    @Test
    void llamaSpmHasNoStrippingWithoutThePhi3Name() {
        Vocabulary v = TokenizerFixtures.tokenizer(TokenizerFixtures.LLAMA_SPM).vocabulary();
        assertFalse(v.rstrip(2));
        assertEquals(OptionalInt.empty(), v.eot());
    }

    @Test
    void markerTextsBecomeControlAndEndGeneration() {
        TinyVocabulary tiny = new TinyVocabulary();
        int imEnd = tiny.normal("<|im_end|>", 0);
        int endOfText = tiny.normal("<|endoftext|>", 0);
        int fimPad = tiny.normal("<|fim_pad|>", 0);
        int fimPrefix = tiny.normal("<|fim_prefix|>", 0);
        Vocabulary v = Vocabulary.fromGguf(tiny.metadata());
        assertEquals(OptionalInt.of(imEnd), v.eot(), "<|im_end|> comes before <|endoftext|> in llama.cpp's list");
        assertArrayEquals(new int[] {TinyVocabulary.EOS, imEnd, endOfText, fimPad}, v.endOfGenerationIds());
        for (int id : new int[] {imEnd, endOfText, fimPad, fimPrefix}) {
            assertEquals(TokenType.CONTROL, v.type(id), v.text(id));
        }
        assertFalse(v.isEndOfGeneration(fimPrefix));
    }

    @Test
    void keysOverrideDefaultsAndOutOfRangeIdsAreIgnored() {
        TinyVocabulary tiny = new TinyVocabulary();
        int eot = tiny.normal("<turn-end>", 0);
        tiny.set("tokenizer.ggml.bos_token_id", 5L)
                .set("tokenizer.ggml.eos_token_id", 99_999L)
                .set("tokenizer.ggml.eot_token_id", (long) eot)
                .set("tokenizer.ggml.add_bos_token", false)
                .set("tokenizer.ggml.add_space_prefix", false);
        Vocabulary v = Vocabulary.fromGguf(tiny.metadata());
        assertEquals(OptionalInt.of(5), v.bos());
        assertEquals(OptionalInt.of(2), v.eos(), "out of range: the default stays");
        assertEquals(OptionalInt.of(eot), v.eot());
        assertEquals(TokenType.NORMAL, v.type(eot), "named by key: its type is left alone");
        assertTrue(v.isEndOfGeneration(eot));
        assertFalse(v.addBos());
        assertFalse(v.addSpacePrefix());
    }

    @Test
    void specialTokensAreOrderedLongestFirst() {
        TinyVocabulary tiny = new TinyVocabulary();
        int shortOne = tiny.add("<a>", 0, TokenType.USER_DEFINED);
        int longOne = tiny.add("<abcdef>", 0, TokenType.CONTROL);
        tiny.normal("<normal-but-long>", 0);
        int[] order = Vocabulary.fromGguf(tiny.metadata()).specialTokensLongestFirst();
        // "</s>" (4 bytes) sorts before "<s>" and "<a>" (3 bytes), which keep id order.
        assertArrayEquals(new int[] {longOne, 0, 2, 1, shortOne}, order);
    }

    @Test
    void emptyTokensGetAPlaceholderText() {
        TinyVocabulary tiny = new TinyVocabulary();
        int empty = tiny.normal("", 0);
        assertEquals("[EMPTY_" + empty + "]", Vocabulary.fromGguf(tiny.metadata()).text(empty));
    }

    @Test
    void unsupportedModelTypeIsNamedInTheError() {
        TinyVocabulary bert = new TinyVocabulary().set("tokenizer.ggml.model", "bert");
        UnsupportedTokenizerException e = assertThrows(UnsupportedTokenizerException.class, bert::tokenizer);
        assertEquals("bert", e.model());
        assertEquals(List.of("llama", "gpt2"), e.supported());
        assertTrue(e.getMessage().contains("'bert'") && e.getMessage().contains("llama, gpt2"), e.getMessage());
        // The vocabulary itself still loads, for `lucid info` to describe.
        assertEquals("bert", Vocabulary.fromGguf(bert.metadata()).model());
    }

    @Test
    void gpt2KeysAndDefaults() {
        Vocabulary v = TokenizerFixtures.tokenizer(TokenizerFixtures.GPT_2).vocabulary();
        assertEquals("gpt2", v.model());
        assertEquals(50_257, v.size());
        assertEquals("gpt-2", v.preTokenizer());
        assertEquals(OptionalInt.of(50256), v.bos());
        assertEquals(OptionalInt.of(50256), v.eos());
        assertEquals(OptionalInt.empty(), v.unknown());
        // No add_* keys: byte-level BPE adds neither BOS nor EOS unless the pre-tokenizer says so.
        assertFalse(v.addBos());
        assertFalse(v.addEos());
        assertFalse(v.addSpacePrefix());
        assertEquals(TokenType.CONTROL, v.type(50256));
        assertEquals("\u0120the", v.text(262), "a space is spelled \u0120 in the byte alphabet");
        assertArrayEquals(new int[] {50256}, v.endOfGenerationIds());
    }

    @Test
    void missingTokenizerIsAClearError() {
        Map<String, GgufMetadata.Entry> none = new LinkedHashMap<>();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tokenizer.fromGguf(GgufMetadata.of(none)));
        assertTrue(e.getMessage().contains("tokenizer.ggml.model"), e.getMessage());
    }

    @Test
    void idsOutsideTheVocabularyAreRejected() {
        Vocabulary v = TokenizerFixtures.tokenizer(TokenizerFixtures.STORIES_260K).vocabulary();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> v.text(512));
        assertTrue(e.getMessage().contains("512"), e.getMessage());
    }
}
