package lucid.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * Word splits of each pre-tokenizer on inputs chosen so that one rule of its regex list decides the
 * outcome. Every expectation was derived by hand from llama.cpp's expressions (alternatives tried
 * left to right, greedy with backtracking, each expression applied to the pieces the previous one
 * left), not by running this code.
 */
class PreTokenizerTest {

    private static List<String> words(String preTokenizer, String text) {
        return PreTokenizer.forName(preTokenizer).orElseThrow().words(text);
    }

    @Test
    void gpt2SplitsLettersNumbersAndPunctuationWithAnOptionalLeadingSpace() {
        assertEquals(List.of("Hello", " world"), words("gpt-2", "Hello world"));
        assertEquals(List.of("I", "'m", " here", ",", " it", "'s", " 2024", "!"),
                words("gpt-2", "I'm here, it's 2024!"));
        // Contractions are case-sensitive in GPT-2's expression.
        assertEquals(List.of("I", "'", "M"), words("gpt-2", "I'M"));
        assertEquals(List.of("\u4F60\u597D", " \uD83D\uDE00!"), words("gpt-2", "\u4F60\u597D \uD83D\uDE00!"));
        assertEquals(List.of("x", "\u00B2"), words("gpt-2", "x\u00B2"), "superscript two is a number");
    }

    @Test
    void gpt2WhitespaceRunsLeaveTheirLastSpaceToTheNextWord() {
        assertEquals(List.of("a", " ", " b"), words("gpt-2", "a  b"));
        // \s+(?!\S) stops one short of "b"; the last newline, followed by "b", matches nothing and
        // becomes a word of its own.
        assertEquals(List.of("a", "   \n", "\n", "b"), words("gpt-2", "a   \n\nb"));
        assertEquals(List.of("end", "  "), words("gpt-2", "end  "));
        assertEquals(List.of(), words("gpt-2", ""));
    }

    @Test
    void onlyUnicodeWhiteSpaceIsWhitespaceAndOnlyAnAsciiSpacePrefixesAWord() {
        // U+3000 and U+0085 are whitespace, so the space before them is a word of its own...
        assertEquals(List.of("x", " ", "\u3000", "y"), words("gpt-2", "x \u3000y"));
        assertEquals(List.of("x", " ", "\u0085", "y"), words("gpt-2", "x \u0085y"));
        // ...U+001C (which Python's str.isspace accepts) is not: it joins the space as punctuation.
        assertEquals(List.of("x", " \u001C", "y"), words("gpt-2", "x \u001Cy"));
    }

    @Test
    void whitespaceClassIsExactlyLlamaCppsTwentyFiveCodePoints() {
        List<Integer> llamaCpp = List.of(0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001,
                0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F,
                0x205F, 0x3000);
        Matcher space = Pattern.compile("\\s", Pattern.UNICODE_CHARACTER_CLASS).matcher("");
        // Every BMP character (all 25 live there), and a sample of the supplementary planes.
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp += cp <= 0xFFFF ? 1 : 97) {
            boolean expected = llamaCpp.contains(cp);
            if (space.reset(Character.toString(cp)).matches() != expected) {
                throw new AssertionError(String.format("\\s and llama.cpp disagree on U+%04X", cp));
            }
            if (cp <= 0xFFFF && cp > 0x7F) {
                assertEquals(expected, PreTokenizer.isNonAsciiWhitespace((char) cp), String.format("U+%04X", cp));
            }
        }
    }

    @Test
    void llama3GroupsDigitsInThreesAndFoldsContractionCase() {
        assertEquals(List.of("123", "45"), words("llama-bpe", "12345"));
        assertEquals(List.of("I", "'M", " HERE"), words("llama-bpe", "I'M HERE"));
        assertEquals(List.of("$hello"), words("llama-bpe", "$hello"));
        assertEquals(List.of("a", "1", "b"), words("llama-bpe", "a1b"));
        assertEquals(List.of(" ", "202", "4"), words("llama-bpe", " 2024"));
        assertEquals(List.of("\u6211\u60F3\u5728apple\u5DE5\u4F5C"), words("llama3", "\u6211\u60F3\u5728apple\u5DE5\u4F5C"));
        assertEquals(List.of("hi", " \uD83D\uDE00\uD83D\uDE00", " there"), words("llama3", "hi \uD83D\uDE00\uD83D\uDE00 there"));
    }

    @Test
    void llama3KeepsNewlinesWithWhatComesBefore() {
        assertEquals(List.of("  \n", " ", " x"), words("llama-bpe", "  \n  x"));
        assertEquals(List.of("hello", "!!\n\n", "world"), words("llama-bpe", "hello!!\n\nworld"));
        assertEquals(List.of("a", "\n\n\n", "b"), words("llama-bpe", "a\n\n\nb"));
    }

    @Test
    void qwen2SplitsEveryDigit() {
        assertEquals(List.of("1", "2", "3", "4", "5"), words("qwen2", "12345"));
        assertEquals(List.of("I", "'M"), words("qwen2", "I'M"));
        assertEquals(List.of("\u4F60\u597D\u4E16\u754C", "\uFF01"), words("qwen2", "\u4F60\u597D\u4E16\u754C\uFF01"));
    }

    @Test
    void starcoderFamilyCutsDigitsBeforeTheGpt2Split() {
        for (String name : List.of("starcoder", "smollm", "command-r", "codeshell", "refact")) {
            assertEquals(List.of("abc", "1", "2", "3", " def"), words(name, "abc123 def"), name);
            // GPT-2 alone would keep " 42" together; here the digits were cut out first.
            assertEquals(List.of("x", " ", "4", "2"), words(name, "x 42"), name);
        }
        assertEquals(List.of("x", " 42"), words("phi-2", "x 42"), "phi-2 is plain GPT-2");
    }

    @Test
    void falconAndDefaultCutPunctuationRunsAndDigitTriples() {
        List<String> expected = List.of("a", "+", "b", "=", "c", ",", " ", "123", "45");
        assertEquals(expected, words("falcon", "a+b=c, 12345"));
        assertEquals(expected, words("default", "a+b=c, 12345"));
        // Only falcon's first expression lists the backtick.
        assertEquals(List.of(" ", "`", "x"), words("falcon", " `x"));
        assertEquals(List.of(" `", "x"), words("default", " `x"));
    }

    @Test
    void deepseekLlmCutsNewlinesCasedLettersPunctuationCjkAndNumbers() {
        assertEquals(List.of("Hello", " ", "\u4E16\u754C", "\n", "123", ",", "x"),
                words("deepseek-llm", "Hello \u4E16\u754C\n123,x"));
        // "\s+$" ends at the end of each piece, not only at the end of the text.
        assertEquals(List.of("\u4E16\u754C", "  ", "\n"), words("deepseek-llm", "\u4E16\u754C  \n"));
        // llama.cpp's regexes see U+3000 as a vertical tab, so it is neither in DeepSeek's
        // punctuation range U+3000-U+3002 nor in its U+0800-U+4E00 range: it stays a word of its own.
        assertEquals(List.of("\u3002", "\u3000", "\u3002"), words("deepseek-llm", "\u3002\u3000\u3002"));
    }

    @Test
    void deepseekCoderCutsLettersPunctuationAndSingleDigits() {
        assertEquals(List.of("x", " = ", "1", "0", ";", "\n"), words("deepseek-coder", "x = 10;\n"));
    }

    @Test
    void bloomAndVikingCutAtSentencePunctuation() {
        assertEquals(List.of("Hello", ",", " world", "."), words("bloom", "Hello, world."));
        assertEquals(List.of("abc", " ", "1", "2", "3"), words("viking", "abc 123"));
    }

    @Test
    void tekkenAndGpt4oSplitAtCaseChangesTreatingNonAsciiLettersAsBothCases() {
        assertEquals(List.of("Hello", "World", " ", "1", "2"), words("tekken", "HelloWorld 12"));
        // llama.cpp's lookahead workaround: É counts as a lower-case letter too, so "ÉCOLE" does
        // not stay whole as Hugging Face's \p{Lu} would keep it.
        assertEquals(List.of("\u00C9", "COLE", " \u00E9cole"), words("tekken", "\u00C9COLE \u00E9cole"));
        assertEquals(List.of("I'm", " HELLOWorld", " ", "123", "45"), words("gpt-4o", "I'm HELLOWorld 12345"));
        assertEquals(List.of("path", "/to", "\n"), words("gpt-4o", "path/to\n"));
        assertEquals(List.of("\u00C9", "COLE"), words("llama4", "\u00C9COLE"));
    }

    @Test
    void chameleonCutsSentinelsThenDigitsAndPunctuation() {
        assertEquals(List.of("<", "sentinel", ":", "1", "2", ">", "ab"), words("chameleon", "<sentinel:12>ab"));
    }

    @Test
    void longRunsCostLinearTimeInEveryPreTokenizer() {
        // Runs that make a backtracking regex retry from every position if written carelessly.
        String text = " ".repeat(50_000) + "\u4E16" + "A".repeat(20_000) + "a" + "\n".repeat(2_000) + " \t".repeat(5_000)
                + "x" + "1".repeat(20_000) + "\u00E9".repeat(10_000) + "!".repeat(10_000) + "  ";
        Set<PreTokenizer.Split> seen = EnumSet.noneOf(PreTokenizer.Split.class);
        for (String name : PreTokenizer.knownNames()) {
            PreTokenizer preTokenizer = PreTokenizer.forName(name).orElseThrow();
            if (!seen.add(preTokenizer.split())) {
                continue;
            }
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long start = threads.getCurrentThreadCpuTime();
            List<String> words = preTokenizer.words(text);
            long millis = (threads.getCurrentThreadCpuTime() - start) / 1_000_000;
            assertEquals(text, String.join("", words), name + ": the words are the text");
            // Tens of milliseconds of CPU when linear; a quadratic slip takes a minute.
            assertTrue(millis < 2_000, name + " took " + millis + " ms of CPU time");
        }
        assertEquals(EnumSet.allOf(PreTokenizer.Split.class), seen);
        assertEquals(List.of(" ".repeat(50_000), "\u4E16"), words("deepseek-llm", " ".repeat(50_000) + "\u4E16"));
    }

    @Test
    void namesCarryLlamaCppsFlags() {
        PreTokenizer llama3 = PreTokenizer.forName("llama-bpe").orElseThrow();
        assertTrue(llama3.ignoreMerges() && llama3.addBos() && llama3.cleanSpaces());
        PreTokenizer qwen2 = PreTokenizer.forName("qwen2").orElseThrow();
        assertFalse(qwen2.ignoreMerges() || qwen2.addBos() || qwen2.cleanSpaces());
        assertTrue(PreTokenizer.forName("gpt-2").orElseThrow().cleanSpaces());
        assertFalse(PreTokenizer.forName("smollm").orElseThrow().cleanSpaces());
        assertTrue(PreTokenizer.forName("starcoder").orElseThrow().cleanSpaces());
        assertEquals(PreTokenizer.Split.STARCODER, PreTokenizer.forName("command-r").orElseThrow().split());
        assertTrue(PreTokenizer.forName("tekken").orElseThrow().ignoreMerges());
        assertTrue(PreTokenizer.knownNames().containsAll(List.of("default", "gpt-2", "llama3", "llama-bpe", "qwen2",
                "smollm", "deepseek-llm", "phi-2", "codeshell", "starcoder", "falcon", "command-r", "gpt-4o")));
        assertTrue(PreTokenizer.forName("no-such-pre-tokenizer").isEmpty());
    }
}
