package lucid.app.workbench;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text with {@code {{name}}} placeholders. Names are letters, digits, '_', '-' and '.'; spaces inside
 * the braces are allowed ({@code {{ name }}}). {@code \{{} writes a literal {@code {{}.
 */
public record PromptTemplate(String text) {

    private static final Pattern VARIABLE = Pattern.compile("(\\\\?)\\{\\{\\s*([A-Za-z0-9_.\\-]+)\\s*}}");

    /** Where a placeholder sits in the text, for editors that highlight it. */
    public record Placeholder(String name, int start, int end) {
    }

    public PromptTemplate {
        if (text == null) {
            throw new IllegalArgumentException("template text is missing");
        }
    }

    /** Placeholders in order of appearance (escaped ones excluded). */
    public List<Placeholder> placeholders() {
        List<Placeholder> out = new ArrayList<>();
        Matcher m = VARIABLE.matcher(text);
        while (m.find()) {
            if (m.group(1).isEmpty()) {
                out.add(new Placeholder(m.group(2), m.start(), m.end()));
            }
        }
        return out;
    }

    /** The distinct variable names, in order of first appearance. */
    public Set<String> variables() {
        Set<String> names = new LinkedHashSet<>();
        for (Placeholder p : placeholders()) {
            names.add(p.name());
        }
        return names;
    }

    /** Variables the template uses that {@code values} does not define. */
    public Set<String> missing(Map<String, String> values) {
        Set<String> missing = new LinkedHashSet<>(variables());
        missing.removeAll(values.keySet());
        return missing;
    }

    /**
     * Substitutes every placeholder.
     *
     * @throws IllegalArgumentException naming the variables that have no value
     */
    public String render(Map<String, String> values) {
        Set<String> missing = missing(values);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("no value for " + (missing.size() == 1 ? "variable " : "variables ")
                    + String.join(", ", missing.stream().map(n -> "{{" + n + "}}").toList()));
        }
        Matcher m = VARIABLE.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String replacement = m.group(1).isEmpty() ? values.get(m.group(2)) : m.group(0).substring(1);
            m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
