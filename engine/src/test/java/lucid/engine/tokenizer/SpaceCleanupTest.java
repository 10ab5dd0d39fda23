package lucid.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** llama.cpp's detokenizer clean-up, rule by rule, with the edge cases its in-place passes produce. */
class SpaceCleanupTest {

    private static String clean(String text) {
        return new String(SpaceCleanup.clean(text.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    @Test
    void spaceBeforeSentencePunctuationGoes() {
        assertEquals("Hello, world! Right? Yes.", clean("Hello , world ! Right ? Yes ."));
        assertEquals(",", clean(" ,"), "even at the very start");
        assertEquals(" ,", clean("  ,"), "only the space right before");
        assertEquals("a ;b :c", clean("a ;b :c"), "other punctuation keeps its space");
        assertEquals("end ", clean("end "));
    }

    @Test
    void apostropheBetweenSpacesLosesBoth() {
        assertEquals("rock'n roll", clean("rock ' n roll"));
        assertEquals("'x", clean(" ' x"));
        // The space dropped after the first apostrophe does not count as the space before the
        // second one (llama.cpp overwrites it with a NUL in place).
        assertEquals("'' ", clean(" ' ' "));
        assertEquals("' ", clean("' "), "needs a space on both sides");
    }

    @Test
    void spaceBeforeSomeContractionsGoes() {
        assertEquals("it's I'm we're they've", clean("it 's I 'm we 're they 've"));
        assertEquals("don 't I 'd we 'll", clean("don 't I 'd we 'll"), "llama.cpp leaves 't 'd 'll alone");
        assertEquals("x 'r", clean("x 'r"), "'re needs both letters");
        assertEquals("x '", clean("x '"));
        assertEquals("'s", clean(" 's"));
    }

    @Test
    void emptyAndMultiByteTextPassThrough() {
        assertEquals("", clean(""));
        assertEquals("\u4F60\u597D\uFF0C\u4E16\u754C \uD83D\uDE00", clean("\u4F60\u597D\uFF0C\u4E16\u754C \uD83D\uDE00"));
    }
}
