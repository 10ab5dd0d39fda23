package lucid.app.workbench;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Assertions as the test case editor shows them: one a line, {@code type: value}.
 * <pre>
 * contains: Tom                  not-contains: sorry        regex: \d+      equals: yes
 * is-json                        json-field: answer.items[0] = "cat"
 * max-tokens: 20                 min-mean-logprob: -3       next-token-prob: " Tom" &gt;= 0.2
 * </pre>
 * A text value may be written in JSON quotes to keep leading or trailing spaces or a line break.
 */
public final class AssertionText {

    private static final ObjectMapper JSON = new ObjectMapper();

    private AssertionText() {
    }

    public static String format(List<Assertion> assertions) {
        List<String> lines = new ArrayList<>();
        for (Assertion a : assertions) {
            lines.add(format(a));
        }
        return String.join("\n", lines);
    }

    public static String format(Assertion a) {
        return switch (a) {
            case Assertion.Contains c -> "contains: " + quote(c.value());
            case Assertion.NotContains c -> "not-contains: " + quote(c.value());
            case Assertion.Regex r -> "regex: " + quote(r.value());
            case Assertion.Equals e -> "equals: " + quote(e.value());
            case Assertion.IsJson j -> "is-json";
            case Assertion.JsonField j -> "json-field: " + j.path() + " = " + j.value();
            case Assertion.MaxTokens m -> "max-tokens: " + m.value();
            case Assertion.MinMeanLogprob m -> "min-mean-logprob: " + m.value();
            case Assertion.NextTokenProb p -> "next-token-prob: " + JSON.valueToTree(p.token()) + " >= " + p.value();
        };
    }

    /** @throws IllegalArgumentException naming the line and what is wrong with it */
    public static List<Assertion> parse(String text) {
        List<Assertion> out = new ArrayList<>();
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                out.add(parseLine(line));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static Assertion parseLine(String line) {
        int colon = line.indexOf(':');
        String type = (colon < 0 ? line : line.substring(0, colon)).strip();
        String value = colon < 0 ? "" : line.substring(colon + 1).strip();
        return switch (type) {
            case "contains" -> new Assertion.Contains(text(value, type));
            case "not-contains" -> new Assertion.NotContains(text(value, type));
            case "regex" -> new Assertion.Regex(text(value, type));
            case "equals" -> new Assertion.Equals(text(value, type));
            case "is-json" -> new Assertion.IsJson();
            case "json-field" -> {
                int eq = value.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("json-field needs 'path = value', e.g. answer.name = \"Tom\"");
                }
                yield new Assertion.JsonField(value.substring(0, eq).strip(), json(value.substring(eq + 1).strip()));
            }
            case "max-tokens" -> new Assertion.MaxTokens((int) number(value, type));
            case "min-mean-logprob" -> new Assertion.MinMeanLogprob(number(value, type));
            case "next-token-prob" -> {
                int ge = value.lastIndexOf(">=");
                if (ge <= 0) {
                    throw new IllegalArgumentException("next-token-prob needs 'token >= probability', e.g. \" Tom\" >= 0.2");
                }
                yield new Assertion.NextTokenProb(text(value.substring(0, ge).strip(), type),
                        number(value.substring(ge + 2).strip(), type));
            }
            default -> throw new IllegalArgumentException("unknown assertion type '" + type + "' (known: contains, "
                    + "not-contains, regex, equals, is-json, json-field, max-tokens, min-mean-logprob, next-token-prob)");
        };
    }

    private static String quote(String value) {
        boolean plain = !value.isEmpty() && value.equals(value.strip()) && !value.startsWith("\"") && !value.contains("\n");
        return plain ? value : JSON.valueToTree(value).toString();
    }

    private static String text(String value, String type) {
        if (value.isEmpty()) {
            throw new IllegalArgumentException(type + " needs a value");
        }
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            JsonNode n = json(value);
            return n.asText();
        }
        return value;
    }

    private static JsonNode json(String value) {
        try {
            return JSON.readTree(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON: " + value);
        }
    }

    private static double number(String value, String type) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(type + " needs a number, got '" + value + "'");
        }
    }
}
