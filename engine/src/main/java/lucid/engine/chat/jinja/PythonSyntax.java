package lucid.engine.chat.jinja;

import java.util.Set;

/**
 * A small source rewrite for the two places where Jinja's grammar (Python's) and Jinjava's
 * disagree and real templates depend on it:
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
 * </ul>
 *
 * Only the insides of {@code {{ }}} and {@code {% %}} change, never text, comments, raw blocks or
 * string literals, so output whitespace is untouched.
 */
final class PythonSyntax {
    private PythonSyntax() {
    }

    private static final Set<String> OPERAND_ENDS = Set.of("and", "or", "if", "else");

    static String rewrite(String source) {
        StringBuilder out = new StringBuilder(source.length() + 16);
        int i = 0;
        int n = source.length();
        while (i < n) {
            int open = nextOpen(source, i);
            if (open < 0) {
                out.append(source, i, n);
                break;
            }
            char kind = source.charAt(open + 1);
            out.append(source, i, kind == '{' ? open : lineStartOfTag(source, i, open));
            String close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
            int end = kind == '#' ? source.indexOf(close, open + 2) : closeOf(source, open + 2, close);
            if (end < 0) {
                // Unterminated: leave it for the parser to report.
                out.append(source, open, n);
                break;
            }
            String inner = source.substring(open + 2, end);
            if (kind == '#') {
                out.append(source, open, end + 2);
            } else if (kind == '%' && inner.strip().replaceFirst("^[-+]\\s*", "").startsWith("raw")) {
                int endRaw = source.indexOf("endraw", end);
                int endRawClose = endRaw < 0 ? -1 : source.indexOf("%}", endRaw);
                int stop = endRawClose < 0 ? n : endRawClose + 2;
                out.append(source, open, stop);
                end = stop - 2;
            } else {
                int from = 0;
                int to = inner.length();
                if (from < to && (inner.charAt(from) == '-' || inner.charAt(from) == '+')) {
                    from++;
                }
                if (to > from && (inner.charAt(to - 1) == '-' || inner.charAt(to - 1) == '+')) {
                    to--;
                }
                String body = inner.substring(from, to);
                String rewritten = kind == '%' ? loopFilter(body) : null;
                out.append(source, open, open + 2).append(inner, 0, from)
                        .append(rewritten != null ? rewritten : expression(body))
                        .append(inner, to, inner.length()).append(close);
            }
            i = end + 2;
        }
        return out.toString();
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
