package lucid.app.workbench;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A check on one run's output. Text checks look at the generated text; {@code max-tokens},
 * {@code min-mean-logprob} and {@code next-token-prob} look at what the model did while producing it.
 * The YAML names are those of {@link #type()}.
 */
public sealed interface Assertion {

    /** The name used in suite files. */
    String type();

    /** Evaluates the check; the message says what was found when it fails. */
    Verdict check(RunOutput output);

    /** What a run produced, as far as assertions need it. */
    record RunOutput(String text, int tokens, double meanLogprob, java.util.function.ToDoubleFunction<String> nextTokenProb) {
    }

    record Verdict(boolean passed, String message) {
        static Verdict pass() {
            return new Verdict(true, "");
        }

        static Verdict fail(String message) {
            return new Verdict(false, message);
        }
    }

    ObjectMapper JSON = new ObjectMapper();

    record Contains(String value) implements Assertion {
        public String type() {
            return "contains";
        }

        public Verdict check(RunOutput o) {
            return o.text().contains(value) ? Verdict.pass() : Verdict.fail("output does not contain \"" + value + "\"");
        }
    }

    record NotContains(String value) implements Assertion {
        public String type() {
            return "not-contains";
        }

        public Verdict check(RunOutput o) {
            return !o.text().contains(value) ? Verdict.pass() : Verdict.fail("output contains \"" + value + "\"");
        }
    }

    record Regex(String value) implements Assertion {
        public Regex {
            try {
                Pattern.compile(value);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("bad regex \"" + value + "\": " + e.getDescription());
            }
        }

        public String type() {
            return "regex";
        }

        public Verdict check(RunOutput o) {
            return Pattern.compile(value).matcher(o.text()).find() ? Verdict.pass()
                    : Verdict.fail("output does not match /" + value + "/");
        }
    }

    /** Whole output equal to the value, ignoring leading and trailing whitespace on both. */
    record Equals(String value) implements Assertion {
        public String type() {
            return "equals";
        }

        public Verdict check(RunOutput o) {
            return o.text().strip().equals(value.strip()) ? Verdict.pass()
                    : Verdict.fail("output is \"" + abbreviate(o.text().strip()) + "\", expected \"" + value + "\"");
        }
    }

    record IsJson() implements Assertion {
        public String type() {
            return "is-json";
        }

        public Verdict check(RunOutput o) {
            try {
                JSON.readTree(o.text().strip());
                return o.text().isBlank() ? Verdict.fail("output is empty, not JSON") : Verdict.pass();
            } catch (JsonProcessingException e) {
                return Verdict.fail("output is not JSON: " + e.getOriginalMessage());
            }
        }
    }

    /**
     * The output is JSON and the field at {@code path} (dots for object keys, [n] for array items,
     * e.g. {@code answer.items[0].name}) equals {@code value} (compared as JSON).
     */
    record JsonField(String path, JsonNode value) implements Assertion {
        public String type() {
            return "json-field";
        }

        public Verdict check(RunOutput o) {
            JsonNode node;
            try {
                node = JSON.readTree(o.text().strip());
            } catch (JsonProcessingException e) {
                return Verdict.fail("output is not JSON: " + e.getOriginalMessage());
            }
            for (String part : path.split("\\.")) {
                String key = part;
                int bracket = key.indexOf('[');
                String indexes = bracket >= 0 ? key.substring(bracket) : "";
                key = bracket >= 0 ? key.substring(0, bracket) : key;
                if (!key.isEmpty()) {
                    node = node == null ? null : node.get(key);
                }
                java.util.regex.Matcher m = Pattern.compile("\\[(\\d+)]").matcher(indexes);
                while (m.find()) {
                    node = node == null ? null : node.get(Integer.parseInt(m.group(1)));
                }
            }
            if (node == null) {
                return Verdict.fail("output has no field " + path);
            }
            boolean equal = node.equals(value) || (node.isNumber() && value.isNumber()
                    && node.decimalValue().compareTo(value.decimalValue()) == 0);
            return equal ? Verdict.pass() : Verdict.fail(path + " is " + node + ", expected " + value);
        }
    }

    record MaxTokens(int value) implements Assertion {
        public String type() {
            return "max-tokens";
        }

        public Verdict check(RunOutput o) {
            return o.tokens() <= value ? Verdict.pass()
                    : Verdict.fail("output has " + o.tokens() + " tokens, more than " + value);
        }
    }

    /** Mean natural-log probability of the generated tokens at least {@code value}. */
    record MinMeanLogprob(double value) implements Assertion {
        public String type() {
            return "min-mean-logprob";
        }

        public Verdict check(RunOutput o) {
            return o.meanLogprob() >= value ? Verdict.pass()
                    : Verdict.fail(String.format("mean log-probability %.3f is below %s", o.meanLogprob(), value));
        }
    }

    /** The probability that the first generated token is {@code token} is at least {@code value}. */
    record NextTokenProb(String token, double value) implements Assertion {
        public String type() {
            return "next-token-prob";
        }

        public Verdict check(RunOutput o) {
            double p = o.nextTokenProb().applyAsDouble(token);
            return p >= value ? Verdict.pass()
                    : Verdict.fail(String.format("next-token probability of \"%s\" is %.4f, below %s", token, p, value));
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
