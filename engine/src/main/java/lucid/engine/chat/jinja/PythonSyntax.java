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
            out.append(source, i, open);
            char kind = source.charAt(open + 1);
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
                out.append(source, open, open + 2).append(inner, 0, from)
                        .append(expression(inner.substring(from, to)))
                        .append(inner, to, inner.length()).append(close);
            }
            i = end + 2;
        }
        return out.toString();
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
