package lucid.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class StopStringMatcherTest {

    /** Feeds the pieces; returns everything emitted, plus the flushed rest when no stop fired. */
    private static String stream(StopStringMatcher m, String... pieces) {
        StringBuilder out = new StringBuilder();
        for (String piece : pieces) {
            StopStringMatcher.Step step = m.feed(piece);
            out.append(step.emit());
            if (step.stopped()) {
                return out.toString();
            }
        }
        return out.append(m.flush()).toString();
    }

    @Test
    void noStopStringsEmitsEverythingAtOnce() {
        StopStringMatcher m = new StopStringMatcher(List.of());
        assertEquals(new StopStringMatcher.Step("abc", false), m.feed("abc"));
    }

    @Test
    void stopInsideOnePieceEmitsOnlyTheTextBefore() {
        StopStringMatcher m = new StopStringMatcher(List.of("</s>"));
        assertEquals(new StopStringMatcher.Step("Hi there", true), m.feed("Hi there</s>and more"));
        assertTrue(m.isStopped());
        assertEquals(Optional.of("</s>"), m.matchedStop());
        assertEquals(new StopStringMatcher.Step("", true), m.feed("ignored"));
        assertEquals("", m.flush(), "nothing after a stop is released");
    }

    @Test
    void stopSplitAcrossPiecesIsHeldBackThenDropped() {
        StopStringMatcher m = new StopStringMatcher(List.of("\n\nUser:"));
        assertEquals(new StopStringMatcher.Step("Hello", false), m.feed("Hello\n"));
        assertEquals("\n", m.heldBack());
        assertEquals(new StopStringMatcher.Step("", false), m.feed("\nUs"));
        assertEquals("\n\nUs", m.heldBack());
        assertEquals(new StopStringMatcher.Step("", true), m.feed("er: what"));
        assertEquals(Optional.of("\n\nUser:"), m.matchedStop());
    }

    @Test
    void lookalikePrefixIsReleasedOnceItCannotBeAStop() {
        StopStringMatcher m = new StopStringMatcher(List.of("STOP"));
        assertEquals(new StopStringMatcher.Step("a ", false), m.feed("a ST"));
        assertEquals(new StopStringMatcher.Step("STOMP", false), m.feed("OMP"));
        assertEquals("", m.heldBack());
        assertFalse(m.isStopped());
    }

    @Test
    void heldBackTextIsFlushedWhenGenerationEndsOtherwise() {
        StopStringMatcher m = new StopStringMatcher(List.of("###"));
        assertEquals(new StopStringMatcher.Step("end", false), m.feed("end##"));
        assertEquals("##", m.flush());
        assertEquals("", m.heldBack());
    }

    @Test
    void overlappingPrefixHoldsTheLongestPossibleStart() {
        // "aab" with stop "aab": after "aa" the matcher must hold both a's, and after "aaa" the
        // last two (the first 'a' can no longer start "aab").
        StopStringMatcher m = new StopStringMatcher(List.of("aab"));
        assertEquals(new StopStringMatcher.Step("", false), m.feed("aa"));
        assertEquals(new StopStringMatcher.Step("a", false), m.feed("a"));
        assertEquals("aa", m.heldBack());
        assertEquals(new StopStringMatcher.Step("", true), m.feed("b"));
    }

    @Test
    void theEarliestCompletedStopWinsAndTheLongerOneOnATie() {
        // "c" completes before "abcd" could: stop after "ab".
        assertEquals("ab", stream(new StopStringMatcher(List.of("abcd", "c")), "abcd"));
        // "bc" and "abc" complete at the same character: the longer one, so no 'a' leaks.
        assertEquals("x", stream(new StopStringMatcher(List.of("bc", "abc")), "xabcx"));
    }

    @Test
    void resultDoesNotDependOnHowTheTextIsCut() {
        List<String> stops = List.of("<|im_end|>", "\n\n", "abcd", "c");
        String text = "Sure! Here: <|im_e x\n and then ab<|im_end|> tail";
        String whole = stream(new StopStringMatcher(stops), text);
        for (int cut = 1; cut < text.length(); cut++) {
            assertEquals(whole, stream(new StopStringMatcher(stops),
                    text.substring(0, cut), text.substring(cut)), "cut at " + cut);
        }
        String[] chars = text.split("");
        assertEquals(whole, stream(new StopStringMatcher(stops), chars), "one char at a time");
        assertEquals("Sure! Here: <|im_e x\n and then ab", whole);
    }

    @Test
    void resetAllowsReuse() {
        StopStringMatcher m = new StopStringMatcher(List.of("!"));
        assertTrue(m.feed("hi!").stopped());
        m.reset();
        assertEquals(new StopStringMatcher.Step("ok", false), m.feed("ok"));
    }

    @Test
    void emptyStopStringIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new StopStringMatcher(List.of("")));
    }
}
