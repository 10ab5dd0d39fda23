package lucid.engine.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * How a byte-level BPE vocabulary cuts text into words before merging ({@code tokenizer.ggml.pre}),
 * together with the flags llama.cpp ties to the same name: whether detokenizing cleans up spaces
 * before punctuation, whether a word that is already a token skips the merges, and whether BOS is
 * added by default. BPE never merges across two words, so the split decides many token ids.
 *
 * <p>A {@link Split} is llama.cpp's list of regular expressions for that name, applied in turn:
 * each one cuts every piece the previous ones left into its matches and the text between them,
 * seeing only that piece (a lookahead or {@code $} stops at the piece's end).
 *
 * <p>llama.cpp does not run these expressions with full Unicode regex support: it maps each
 * character to its category (letter, number, punctuation, whitespace, other) and runs ECMAScript
 * regexes over that, or has hand-written scanners for the GPT-2 and Llama 3 expressions. The Java
 * translations here behave the same, because they only ever ask for those categories:
 * <ul>
 *   <li>{@code \s} is the Unicode White_Space property ({@link Pattern#UNICODE_CHARACTER_CLASS}),
 *       exactly llama.cpp's 25 whitespace code points; U+001C..U+001F are not whitespace;</li>
 *   <li>no expression uses case-insensitive matching: the contractions are spelled {@code '[sS]}
 *       as in llama.cpp, so only ASCII letters fold, as with llama.cpp's {@code (?i:)} scanner;</li>
 *   <li>Tekken's and GPT-4o's "upper-case" and "lower-case" letters are llama.cpp's lookahead
 *       workaround, written here as the class intersections {@code [\p{L}&&[^a-z]]} and
 *       {@code [\p{L}&&[^A-Z]]}: every non-ASCII letter counts as both, as it does there;</li>
 *   <li>non-ASCII whitespace is matched as U+000B, which is what llama.cpp's regexes see (it
 *       matters only where an expression names a whitespace character in a range, as DeepSeek's
 *       {@code 　-。} does).</li>
 * </ul>
 * Character categories come from the JDK's Unicode tables, which can be a version newer than
 * llama.cpp's; characters assigned in between are the only place the two can disagree.
 *
 * @param name         the {@code tokenizer.ggml.pre} value
 * @param cleanSpaces  detokenizing removes the space before {@code ? ! . ,} and some apostrophes
 * @param ignoreMerges a word that is itself a token becomes that token without merging (Llama 3)
 * @param addBos       the add-BOS default when the file has no {@code add_bos_token} key
 */
public record PreTokenizer(String name, Split split, boolean cleanSpaces, boolean ignoreMerges, boolean addBos) {

    /** The name llama.cpp falls back to when a file names no pre-tokenizer. */
    public static final String DEFAULT_NAME = "default";

    private static final String CONTRACTIONS = "'s|'t|'re|'ve|'m|'ll|'d";
    private static final String ANY_CASE_CONTRACTIONS = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])";
    /** GPT-2's own expression; many vocabularies reuse it after a first split of their own. */
    private static final String GPT2_WORDS = CONTRACTIONS + "| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    private static final String LLAMA3_WORDS = ANY_CASE_CONTRACTIONS
            + "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Letters that are not ASCII lower case / not ASCII upper case (see the class comment). */
    private static final String NOT_LOWER = "[\\p{L}&&[^a-z]]";
    private static final String NOT_UPPER = "[\\p{L}&&[^A-Z]]";
    /** CJK ideographs, everything from U+0800 up to them, and Hangul (DeepSeek's ranges, kept as written). */
    private static final String DEEPSEEK_CJK = "[\u4E00-\u9FA5\u0800-\u4E00\uAC00-\uD7FF]+";

    /** llama.cpp's regular-expression lists; the comment on each names the pre-tokenizers that use it. */
    public enum Split {
        /** "default", and files without a name: punctuation runs first, then GPT-2, then digits in threes. */
        DEFAULT("[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2_WORDS, "\\p{N}+", "[0-9][0-9][0-9]"),
        /** gpt-2, phi-2, mpt, olmo, jais, roberta-bpe, jina-*, gigachat. */
        GPT2(GPT2_WORDS),
        /** llama3/llama-bpe, dbrx, smaug-bpe, chatglm-bpe: number runs of at most three digits. */
        LLAMA3(LLAMA3_WORDS),
        /** qwen2, stablelm2, megrez: as Llama 3 but every digit alone. */
        QWEN2(LLAMA3_WORDS.replace("\\p{N}{1,3}", "\\p{N}")),
        /** starcoder, refact, command-r, smollm, codeshell, exaone, minerva-7b: digits alone, then GPT-2. */
        STARCODER("\\p{N}", GPT2_WORDS),
        /** falcon: punctuation runs, GPT-2, then digits in threes. */
        FALCON("[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2_WORDS, "[0-9][0-9][0-9]"),
        /**
         * deepseek-llm: newlines alone, cased-letter words (the cased letters of Unicode, as
         * DeepSeek lists them), ASCII and full-width punctuation, trailing whitespace, CJK runs, numbers.
         */
        DEEPSEEK_LLM("[\r\n]",
                "\\s?[A-Za-z\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293\u0295-\u02AF"
                        + "\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1"
                        + "\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5"
                        + "\u13F8-\u13FD\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A"
                        + "\u1E00-\u1F15\u1F18-\u1F1D\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D"
                        + "\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3"
                        + "\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC\u2102\u2107\u210A-\u2113\u2115"
                        + "\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139\u213C-\u213F"
                        + "\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3"
                        + "\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF"
                        + "\uFB00-\uFB06\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A"
                        + "\uD801\uDC00-\uD801\uDC4F\uD801\uDCB0-\uD801\uDCD3\uD801\uDCD8-\uD801\uDCFB"
                        + "\uD803\uDC80-\uD803\uDCB2\uD803\uDCC0-\uD803\uDCF2\uD806\uDCA0-\uD806\uDCDF"
                        + "\uD83A\uDD00-\uD83A\uDD43]+",
                "\\s?[!-/:-~\uFF01-\uFF0F\uFF1A-\uFF5E\u2018-\u201F\u3000-\u3002]+",
                // llama.cpp's "\\s+$". $ in ECMAScript is the end of the piece only; Java's $ would
                // also match before a final line terminator, \z does not (both honour the region's
                // end). The first match always starts a whitespace run, so the lookbehind changes
                // nothing but the cost: without it, spaces followed by a letter cost O(n²).
                "(?<!\\s)\\s+\\z",
                DEEPSEEK_CJK,
                "\\p{N}+"),
        /** deepseek-coder: newlines alone, letter words, punctuation runs, CJK runs, digits alone. */
        DEEPSEEK_CODER("[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", DEEPSEEK_CJK, "\\p{N}"),
        /** bloom, gpt3-finnish, poro-chat: words up to whitespace or sentence punctuation. */
        BLOOM(" ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+"),
        /** viking: as bloom, then digits alone. */
        VIKING(" ?[^(\\s|.,!?\u2026\u3002\uFF0C\u3001\u0964\u06D4\u060C)]+", "\\p{N}"),
        /** tekken (Mistral Nemo): words split at a lower-to-upper case change, digits alone. */
        TEKKEN("[^\\r\\n\\p{L}\\p{N}]?" + NOT_LOWER + "*" + NOT_UPPER + "+"
                + "|[^\\r\\n\\p{L}\\p{N}]?" + NOT_LOWER + "+" + NOT_UPPER + "*"
                + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
        /** gpt-4o, llama4: as Tekken with contractions kept on the word and numbers in threes. */
        GPT4O("[^\\r\\n\\p{L}\\p{N}]?" + NOT_LOWER + "*" + NOT_UPPER + "+" + ANY_CASE_CONTRACTIONS + "?"
                + "|[^\\r\\n\\p{L}\\p{N}]?" + NOT_LOWER + "+" + NOT_UPPER + "*" + ANY_CASE_CONTRACTIONS + "?"
                + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
        /** chameleon: sentinel and image tokens, tabs/newlines/space pairs, digits, punctuation, then GPT-2. */
        CHAMELEON("<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z", "([\\t\\n]|    |  )", "\\p{N}",
                "[\\p{P}!-/:-@\\[-`{-~]", GPT2_WORDS);

        private final List<Pattern> patterns;

        Split(String... regexes) {
            this.patterns = Stream.of(regexes).map(r -> Pattern.compile(r, Pattern.UNICODE_CHARACTER_CLASS)).toList();
        }

        /** The expressions in the order they are applied (Java syntax). */
        public List<String> regexes() {
            return patterns.stream().map(Pattern::pattern).toList();
        }
    }

    private static final Map<String, PreTokenizer> BY_NAME = byName(
            of(DEFAULT_NAME, Split.DEFAULT, true),
            flagged("llama3", Split.LLAMA3, true, true, true),
            flagged("llama-v3", Split.LLAMA3, true, true, true),
            flagged("llama-bpe", Split.LLAMA3, true, true, true),
            flagged("falcon3", Split.LLAMA3, true, true, true),
            of("dbrx", Split.LLAMA3, true),
            of("smaug-bpe", Split.LLAMA3, true),
            of("chatglm-bpe", Split.LLAMA3, true),
            of("deepseek-llm", Split.DEEPSEEK_LLM, false),
            of("deepseek-coder", Split.DEEPSEEK_CODER, false),
            of("falcon", Split.FALCON, true),
            of("mpt", Split.GPT2, true),
            of("gpt-2", Split.GPT2, true),
            of("phi-2", Split.GPT2, true),
            of("jina-es", Split.GPT2, true),
            of("jina-de", Split.GPT2, true),
            of("gigachat", Split.GPT2, true),
            of("jina-v1-en", Split.GPT2, true),
            of("jina-v2-es", Split.GPT2, true),
            of("jina-v2-de", Split.GPT2, true),
            of("jina-v2-code", Split.GPT2, true),
            of("roberta-bpe", Split.GPT2, true),
            of("olmo", Split.GPT2, true),
            of("jais", Split.GPT2, true),
            of("starcoder", Split.STARCODER, true),
            of("refact", Split.STARCODER, true),
            of("command-r", Split.STARCODER, false),
            of("smollm", Split.STARCODER, false),
            of("codeshell", Split.STARCODER, true),
            of("exaone", Split.STARCODER, true),
            of("minerva-7b", Split.STARCODER, true),
            of("qwen2", Split.QWEN2, false),
            of("stablelm2", Split.QWEN2, true),
            of("megrez", Split.QWEN2, true),
            of("poro-chat", Split.BLOOM, false),
            of("bloom", Split.BLOOM, true),
            of("gpt3-finnish", Split.BLOOM, true),
            of("viking", Split.VIKING, false),
            flagged("tekken", Split.TEKKEN, false, true, true),
            flagged("chameleon", Split.CHAMELEON, false, false, true),
            of("gpt-4o", Split.GPT4O, false),
            of("llama4", Split.GPT4O, false));

    public PreTokenizer {
        if (name == null || split == null) {
            throw new IllegalArgumentException("a pre-tokenizer needs a name and a split");
        }
    }

    /** The pre-tokenizer llama.cpp uses for this {@code tokenizer.ggml.pre} value, if it is one we know. */
    public static Optional<PreTokenizer> forName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** Every {@code tokenizer.ggml.pre} value {@link #forName} knows, in llama.cpp's order. */
    public static Set<String> knownNames() {
        return BY_NAME.keySet();
    }

    /** llama.cpp's "default" pre-tokenizer, used for files that name none. */
    public static PreTokenizer defaultPreTokenizer() {
        return BY_NAME.get(DEFAULT_NAME);
    }

    /** {@code text} cut into words, for inspection and tests. */
    public List<String> words(String text) {
        int[] ends = wordEnds(text, 0, text.length());
        List<String> words = new ArrayList<>(ends.length);
        int start = 0;
        for (int end : ends) {
            words.add(text.substring(start, end));
            start = end;
        }
        return words;
    }

    /**
     * The end offsets of the words of {@code text[start, end)}, ascending; the first word begins at
     * {@code start}, the last ends at {@code end}. Empty for empty text.
     */
    int[] wordEnds(String text, int start, int end) {
        if (start >= end) {
            return new int[0];
        }
        CharSequence seen = withWhitespaceAsVerticalTab(text, start, end);
        int[] ends = {end};
        int[] next = new int[8];
        for (Pattern pattern : split.patterns) {
            Matcher matcher = pattern.matcher(seen);
            int count = 0;
            int pieceStart = start;
            for (int pieceEnd : ends) {
                matcher.region(pieceStart, pieceEnd);
                int last = pieceStart;
                while (matcher.find()) {
                    if (matcher.end() == matcher.start()) {
                        continue; // an empty match makes an empty word, which encodes to nothing
                    }
                    if (count + 2 > next.length) {
                        next = Arrays.copyOf(next, next.length * 2);
                    }
                    if (matcher.start() > last) {
                        next[count++] = matcher.start();
                    }
                    next[count++] = matcher.end();
                    last = matcher.end();
                }
                if (last < pieceEnd) {
                    if (count + 1 > next.length) {
                        next = Arrays.copyOf(next, next.length * 2);
                    }
                    next[count++] = pieceEnd;
                }
                pieceStart = pieceEnd;
            }
            ends = Arrays.copyOf(next, count);
        }
        return ends;
    }

    /**
     * The text with every non-ASCII whitespace character replaced by U+000B (a vertical tab), at
     * the same offsets: llama.cpp's regexes see that, not the character itself. All such
     * characters are in the Basic Multilingual Plane, so offsets do not move. No copy without need.
     */
    private static CharSequence withWhitespaceAsVerticalTab(String text, int start, int end) {
        char[] copy = null;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c > 0x7F && isNonAsciiWhitespace(c)) {
                if (copy == null) {
                    copy = text.toCharArray();
                }
                copy[i] = '\u000B';
            }
        }
        return copy == null ? text : new String(copy);
    }

    /** Unicode White_Space above U+007F: NEL, NBSP, Ogham space, U+2000..200A, line/paragraph separators, narrow NBSP, MMSP, ideographic space. */
    static boolean isNonAsciiWhitespace(char c) {
        return c == '\u0085' || c == '\u00A0' || c == '\u1680' || (c >= '\u2000' && c <= '\u200A')
                || c == '\u2028' || c == '\u2029' || c == '\u202F' || c == '\u205F' || c == '\u3000';
    }

    private static PreTokenizer of(String name, Split split, boolean cleanSpaces) {
        return new PreTokenizer(name, split, cleanSpaces, false, false);
    }

    private static PreTokenizer flagged(String name, Split split, boolean cleanSpaces, boolean ignoreMerges,
                                        boolean addBos) {
        return new PreTokenizer(name, split, cleanSpaces, ignoreMerges, addBos);
    }

    private static Map<String, PreTokenizer> byName(PreTokenizer... all) {
        Map<String, PreTokenizer> map = new LinkedHashMap<>();
        for (PreTokenizer p : all) {
            map.put(p.name, p);
        }
        return Collections.unmodifiableMap(map);
    }
}
