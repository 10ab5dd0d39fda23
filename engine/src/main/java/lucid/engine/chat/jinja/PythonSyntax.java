package lucid.engine.chat.jinja;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small source rewrite for the places where Jinja's grammar (Python's) and Jinjava's disagree
 * and real templates depend on it:
 *
 * <ul>
 *   <li>{@code not} binds looser than comparisons and tests in Python: {@code not tools is none}
 *       is {@code not (tools is none)}, {@code not message.tool_calls|length == 1} (Llama 3.1) is
 *       {@code not (... == 1)}. Jinjava applies {@code not} to the next operand only, so every
 *       unary {@code not} gets its operand parenthesized up to the next {@code and}, {@code or},
 *       {@code if}, {@code else}, comma or closing bracket.</li>
 *   <li>{@code seq[::-1]} (Qwen3 walks its messages backwards) becomes {@code seq|reverse}; other
 *       step slices stay unsupported.</li>
 *   <li>A loop filter, {@code for x in seq if cond}, which Jinjava's {@code for} ignores, becomes
 *       {@code for x in lucid_loop_if(seq, 'cond', 'x')}: the sequence is filtered before the loop,
 *       as Jinja does, so {@code loop.index}, {@code loop.last} and {@code else} count only the items
 *       kept ({@link LoopIf}).</li>
 *   <li>{@code for ... else}, which Jinjava lacks, becomes the loop over a named sequence followed by
 *       an {@code if} on its length (see {@link #forElse}).</li>
 *   <li>{@code lstrip_blocks} is applied here, only between a line's start and a block tag or
 *       comment: Jinjava's own option also strips spaces in the middle of a line.</li>
 * </ul>
 *
 * Only the insides of {@code {{ }}} and {@code {% %}} change, never text, comments, raw blocks or
 * string literals, so output whitespace is untouched.
 */
final class PythonSyntax {
    private PythonSyntax() {
    }

    private static final Set<String> OPERAND_ENDS = Set.of("and", "or", "if", "else");

    /**
     * A tag of the source: {@code {{ }}}, {@code {% %}} or {@code {# #}} from {@code open} to
     * {@code end} (the index of its closing marker), or a whole raw block (kind {@code 'r'}).
     */
    private record Tag(int open, int end, char kind, String inner) {
        /** Length of the whitespace-control marker at the start of the inner text (0 or 1). */
        int from() {
            return !inner.isEmpty() && (inner.charAt(0) == '-' || inner.charAt(0) == '+') ? 1 : 0;
        }

        /** End of the inner text before a closing whitespace-control marker. */
        int to() {
            int to = inner.length();
            return to > from() && (inner.charAt(to - 1) == '-' || inner.charAt(to - 1) == '+') ? to - 1 : to;
        }

        String body() {
            return inner.substring(from(), to());
        }

        /** The statement's first word ({@code for}, {@code endif}, ...); empty for other kinds. */
        String word() {
            if (kind != '%') {
                return "";
            }
            String b = body().strip();
            int e = 0;
            while (e < b.length() && Character.isJavaIdentifierPart(b.charAt(e))) {
                e++;
            }
            return b.substring(0, e);
        }
    }

    static String rewrite(String source) {
        List<Tag> tags = new ArrayList<>();
        int n = source.length();
        for (int i = 0; i < n; ) {
            int open = nextOpen(source, i);
            if (open < 0) {
                break;
            }
            char kind = source.charAt(open + 1);
            String close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
            int end = kind == '#' ? source.indexOf(close, open + 2) : closeOf(source, open + 2, close);
            if (end < 0) {
                break;
            }
            String inner = source.substring(open + 2, end);
            if (kind == '%' && inner.strip().replaceFirst("^[-+]\\s*", "").startsWith("raw")) {
                int endRaw = source.indexOf("endraw", end);
                int endRawClose = endRaw < 0 ? -1 : source.indexOf("%}", endRaw);
                end = (endRawClose < 0 ? n : endRawClose + 2) - 2;
                kind = 'r';
            }
            tags.add(new Tag(open, end, kind, inner));
            i = end + 2;
        }
        Map<Tag, String> replaced = forElse(tags);

        StringBuilder out = new StringBuilder(source.length() + 16);
        int i = 0;
        for (Tag t : tags) {
            out.append(source, i, t.kind() == '{' ? t.open() : lineStartOfTag(source, i, t.open()));
            String replacement = replaced.get(t);
            if (replacement != null) {
                out.append(replacement);
            } else if (t.kind() == '#' || t.kind() == 'r') {
                out.append(source, t.open(), t.end() + 2);
            } else {
                String body = t.body();
                String rewritten = t.kind() == '%' ? loopFilter(body) : null;
                out.append(source, t.open(), t.open() + 2).append(t.inner(), 0, t.from())
                        .append(rewritten != null ? rewritten : expression(body))
                        .append(t.inner(), t.to(), t.inner().length()).append(t.kind() == '{' ? "}}" : "%}");
            }
            i = t.end() + 2;
        }
        out.append(source, i, n); // text after the last tag, or an unterminated one for the parser to report
        return out.toString();
    }

    /**
     * Jinja's {@code for ... else}: the else part runs when the loop ran no iteration. Jinjava does
     * not have it, so {@code {% for T in S %}A{% else %}B{% endfor %}} becomes
     * {@code {% set lucid_for_N = S %}{% for T in lucid_for_N %}A{% endfor %}{% if lucid_for_N|length == 0 %}B{% endif %}},
     * each new tag keeping the whitespace control of the tag it replaces. Recursive loops are left as they are.
     */
    private static Map<Tag, String> forElse(List<Tag> tags) {
        Map<Tag, String> replaced = new HashMap<>();
        record Open(String word, Tag tag, Tag[] elseTag) {
        }
        Deque<Open> stack = new ArrayDeque<>();
        int count = 0;
        for (Tag t : tags) {
            String w = t.word();
            if (w.isEmpty()) {
                continue;
            }
            if (BLOCKS.contains(w) && !(w.equals("set") && t.body().contains("="))) {
                stack.push(new Open(w, t, new Tag[1]));
            } else if (w.equals("else") && !stack.isEmpty() && stack.peek().word().equals("for")) {
                stack.peek().elseTag()[0] = t;
            } else if (w.startsWith("end") && !stack.isEmpty() && stack.peek().word().equals(w.substring(3))) {
                Open o = stack.pop();
                Tag elseTag = o.elseTag()[0];
                String loop = o.tag().body().strip();
                if (o.word().equals("for") && elseTag != null && !loop.endsWith(" recursive")) {
                    int in = topLevelWord(loop, "in", 4);
                    if (in < 0) {
                        continue;
                    }
                    String name = "lucid_for_" + count++;
                    String target = loop.substring(4, in).strip();
                    String filtered = loopFilter(o.tag().body());
                    String sequence = filtered != null
                            ? filtered.strip().substring(filtered.strip().indexOf(LoopIf.NAME + "("))
                            : expression(loop.substring(in + 2).strip());
                    replaced.put(o.tag(), "{%" + left(o.tag()) + " set " + name + " = " + sequence + " %}{% for " + target
                            + " in " + name + " " + right(o.tag()) + "%}");
                    replaced.put(elseTag, "{%" + left(elseTag) + " endfor %}{% if " + name + "|length == 0 "
                            + right(elseTag) + "%}");
                    replaced.put(t, "{%" + left(t) + " endif " + right(t) + "%}");
                }
            }
        }
        return replaced;
    }

    /** Statements that open a block closed by {@code end<word>} ({@code set} only without {@code =}). */
    private static final Set<String> BLOCKS = Set.of("for", "if", "macro", "call", "filter", "block", "set", "with",
            "autoescape", "generation");

    private static String left(Tag t) {
        return t.inner().substring(0, t.from());
    }

    private static String right(Tag t) {
        return t.inner().substring(t.to());
    }

    /**
     * Where the text before the tag at {@code open} ends under Jinja's {@code lstrip_blocks}: spaces
     * and tabs between the start of a line and a block tag or comment are dropped, nothing else
     * (Jinjava's own option strips them in the middle of a line too). {@code {%+} keeps them and
     * {@code {%-} strips every whitespace already. {@code from} is where the text began.
     */
    private static int lineStartOfTag(String s, int from, int open) {
        if (open + 2 < s.length() && (s.charAt(open + 2) == '+' || s.charAt(open + 2) == '-')) {
            return open;
        }
        int k = open;
        while (k > from && (s.charAt(k - 1) == ' ' || s.charAt(k - 1) == '\t')) {
            k--;
        }
        // Only text counts: a run that reaches back to the previous tag is not at a line start.
        boolean lineStart = k == 0 || (k > from && s.charAt(k - 1) == '\n');
        return lineStart ? k : open;
    }

    private static int nextOpen(String s, int from) {
        for (int i = s.indexOf('{', from); i >= 0 && i + 1 < s.length(); i = s.indexOf('{', i + 1)) {
            char c = s.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /** The index of {@code close} after {@code from}, skipping string literals. */
    private static int closeOf(String s, int from, String close) {
        for (int i = from; i < s.length() - 1; i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                i = stringEnd(s, i) - 1;
            } else if (s.startsWith(close, i)) {
                return i;
            }
        }
        return -1;
    }

    /** Index just past the string literal starting at {@code start}. */
    private static int stringEnd(String s, int start) {
        char quote = s.charAt(start);
        for (int i = start + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == quote) {
                return i + 1;
            }
        }
        return s.length();
    }

    /**
     * A {@code for} tag's body with a loop filter, rewritten (see the class comment); null when the
     * tag is anything else. The sequence ends at the first {@code if} outside brackets and strings:
     * Jinja does not allow a conditional expression there without parentheses.
     */
    static String loopFilter(String body) {
        String s = body.strip();
        if (!s.startsWith("for ")) {
            return null;
        }
        int in = topLevelWord(s, "in", 4);
        int cond = in < 0 ? -1 : topLevelWord(s, "if", in + 2);
        if (cond < 0) {
            return null;
        }
        String target = s.substring(4, in).strip();
        String sequence = s.substring(in + 2, cond).strip();
        String condition = s.substring(cond + 2).strip();
        String recursive = "";
        if (condition.endsWith(" recursive")) {
            condition = condition.substring(0, condition.length() - " recursive".length()).strip();
            recursive = " recursive";
        }
        return " for " + target + " in " + LoopIf.NAME + "(" + expression(sequence) + ", "
                + quote(expression(condition)) + ", " + quote(target) + ")" + recursive + " ";
    }

    /** Index of {@code word} standing alone (spaces around it) outside brackets and strings, from {@code from}; -1 if none. */
    private static int topLevelWord(String s, String word, int from) {
        int depth = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                i = stringEnd(s, i) - 1;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (depth == 0 && s.startsWith(word, i) && i > 0 && Character.isWhitespace(s.charAt(i - 1))
                    && i + word.length() < s.length() && Character.isWhitespace(s.charAt(i + word.length()))) {
                return i;
            }
        }
        return -1;
    }

    /** {@code text} as a single-quoted template string literal. */
    private static String quote(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    static String expression(String e) {
        return parenthesizeNot(e.replace("[::-1]", "|reverse").equals(e) ? e : reverseSlices(e));
    }

    /** {@code [::-1]} outside string literals becomes {@code |reverse}. */
    private static String reverseSlices(String e) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < e.length(); i++) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') {
                int end = stringEnd(e, i);
                sb.append(e, i, end);
                i = end - 1;
            } else if (e.startsWith("[::-1]", i)) {
                sb.append("|reverse");
                i += 5;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String parenthesizeNot(String e) {
        StringBuilder sb = new StringBuilder();
        String previousWord = "";
        int i = 0;
        while (i < e.length()) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') {
                int end = stringEnd(e, i);
                sb.append(e, i, end);
                previousWord = "";
                i = end;
            } else if (Character.isJavaIdentifierStart(c)) {
                int end = wordEnd(e, i);
                String word = e.substring(i, end);
                if (word.equals("not") && !previousWord.equals("is") && !nextWord(e, end).equals("in")) {
                    int operandEnd = operandEnd(e, end);
                    String operand = e.substring(end, operandEnd);
                    String trimmed = operand.stripTrailing();
                    sb.append("not (").append(parenthesizeNot(trimmed)).append(')')
                            .append(operand, trimmed.length(), operand.length());
                    previousWord = "";
                    i = operandEnd;
                } else {
                    sb.append(word);
                    previousWord = word;
                    i = end;
                }
            } else {
                sb.append(c);
                if (!Character.isWhitespace(c)) {
                    previousWord = "";
                }
                i++;
            }
        }
        return sb.toString();
    }

    private static int wordEnd(String e, int start) {
        int i = start;
        while (i < e.length() && Character.isJavaIdentifierPart(e.charAt(i))) {
            i++;
        }
        return i;
    }

    private static String nextWord(String e, int from) {
        int i = from;
        while (i < e.length() && Character.isWhitespace(e.charAt(i))) {
            i++;
        }
        return i < e.length() && Character.isJavaIdentifierStart(e.charAt(i)) ? e.substring(i, wordEnd(e, i)) : "";
    }

    /** Where the operand of a unary not ends: and/or/if/else, a comma or a closing bracket at its own depth. */
    private static int operandEnd(String e, int from) {
        int depth = 0;
        int i = from;
        while (i < e.length()) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') {
                i = stringEnd(e, i);
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0) {
                    return i;
                }
                depth--;
            } else if (c == ',' && depth == 0) {
                return i;
            } else if (Character.isJavaIdentifierStart(c)) {
                int end = wordEnd(e, i);
                if (depth == 0 && OPERAND_ENDS.contains(e.substring(i, end))) {
                    return i;
                }
                i = end;
                continue;
            }
            i++;
        }
        return i;
    }
}
