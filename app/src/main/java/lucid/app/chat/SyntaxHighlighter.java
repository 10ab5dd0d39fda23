package lucid.app.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits code into styled spans for fenced code blocks: comments, strings, numbers and the keywords
 * of common languages. A lexer per language would be exact; this is what a chat needs to make code
 * readable at a glance, and it never fails on unknown or half-streamed input.
 */
public final class SyntaxHighlighter {

    /** A piece of code and its style class ({@code null} for plain text). */
    public record Span(String text, String styleClass) {
    }

    private static final Set<String> KEYWORDS = Set.of(
            // C family, Java, JavaScript, Rust, Go
            "abstract", "async", "await", "break", "case", "catch", "class", "const", "continue", "default", "do",
            "else", "enum", "export", "extends", "false", "final", "finally", "fn", "for", "func", "function", "if",
            "impl", "implements", "import", "in", "interface", "let", "match", "mut", "new", "null", "package",
            "private", "protected", "public", "record", "return", "sealed", "static", "struct", "super", "switch",
            "this", "throw", "throws", "trait", "true", "try", "type", "use", "var", "void", "while", "yield",
            "int", "long", "float", "double", "boolean", "char", "byte", "short", "string", "bool",
            // Python, shell
            "and", "as", "def", "del", "elif", "except", "from", "global", "is", "lambda", "None", "not", "or",
            "pass", "raise", "True", "False", "with", "fi", "then", "done", "esac", "echo");

    private static final Pattern TOKENS = Pattern.compile(
            "(?<comment>//[^\\n]*|#[^\\n]*|/\\*.*?(\\*/|\\z))"
                    + "|(?<string>\"(\\\\.|[^\"\\\\\\n])*\"?|'(\\\\.|[^'\\\\\\n])*'?|`[^`]*`?)"
                    + "|(?<number>\\b\\d[\\d_]*(\\.\\d+)?([eE][+-]?\\d+)?\\b|\\b0x[0-9a-fA-F]+\\b)"
                    + "|(?<word>[A-Za-z_][A-Za-z0-9_]*)",
            Pattern.DOTALL);

    private SyntaxHighlighter() {
    }

    public static List<Span> highlight(String code, String language) {
        String lang = language == null ? "" : language.toLowerCase(Locale.ROOT);
        boolean hashComments = lang.isEmpty() || Set.of("python", "py", "sh", "bash", "shell", "ruby", "rb", "yaml",
                "yml", "toml", "r", "perl").contains(lang);
        List<Span> out = new ArrayList<>();
        Matcher m = TOKENS.matcher(code);
        int at = 0;
        while (m.find()) {
            String style = null;
            if (m.group("comment") != null) {
                style = m.group("comment").startsWith("#") && !hashComments ? null : "code-comment";
            } else if (m.group("string") != null) {
                style = "code-string";
            } else if (m.group("number") != null) {
                style = "code-number";
            } else if (KEYWORDS.contains(m.group("word"))) {
                style = "code-keyword";
            }
            if (style == null) {
                continue;
            }
            if (m.start() > at) {
                out.add(new Span(code.substring(at, m.start()), null));
            }
            out.add(new Span(m.group(), style));
            at = m.end();
        }
        if (at < code.length()) {
            out.add(new Span(code.substring(at), null));
        }
        return out;
    }
}
