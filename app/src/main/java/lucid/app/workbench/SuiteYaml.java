package lucid.app.workbench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

/**
 * Reads and writes suites in a promptfoo-like YAML, so suites can travel between tools:
 * <pre>
 * description: ...
 * prompts:                       # strings, {id, template} or {id, messages: [{role, content}]}
 *   - {id: p1, template: "Once upon a time, {{name}}"}
 * settings: {temperature: 0, seed: 1, max_tokens: 32, top_k: 40, top_p: 0.95, min_p: 0.05,
 *            repeat_penalty: 1.1, stop: ["\n\n"]}
 * tests:
 *   - description: optional
 *     vars: {name: "Tom"}
 *     assert:
 *       - {type: contains, value: "Tom"}
 * </pre>
 * Unknown keys are errors (a typo in a key would otherwise silently weaken a test).
 */
public final class SuiteYaml {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private SuiteYaml() {
    }

    /** @throws IllegalArgumentException with the file, the place and the problem */
    public static PromptSuite read(Path file) throws IOException {
        try {
            return parse(Files.readString(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file.getFileName() + ": " + e.getMessage(), e);
        }
    }

    public static PromptSuite parse(String yaml) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("a suite must be a mapping with prompts, settings and tests");
        }
        allowOnly(root, "suite", "description", "prompts", "settings", "tests");
        List<PromptSuite.Prompt> prompts = new ArrayList<>();
        JsonNode ps = root.get("prompts");
        if (ps == null || !ps.isArray() || ps.isEmpty()) {
            throw new IllegalArgumentException("'prompts' must be a non-empty list");
        }
        for (int i = 0; i < ps.size(); i++) {
            prompts.add(prompt(ps.get(i), i));
        }
        List<PromptSuite.TestCase> tests = new ArrayList<>();
        JsonNode ts = root.get("tests");
        if (ts != null) {
            if (!ts.isArray()) {
                throw new IllegalArgumentException("'tests' must be a list");
            }
            for (int i = 0; i < ts.size(); i++) {
                tests.add(testCase(ts.get(i), i));
            }
        }
        return new PromptSuite(text(root, "description", ""), prompts, settings(root.get("settings")), tests);
    }

    private static PromptSuite.Prompt prompt(JsonNode p, int index) {
        String where = "prompts[" + index + "]";
        if (p.isTextual()) {
            return new PromptSuite.TextPrompt("p" + (index + 1), new PromptTemplate(p.asText()));
        }
        if (!p.isObject()) {
            throw new IllegalArgumentException(where + " must be a string or a mapping");
        }
        allowOnly(p, where, "id", "template", "messages");
        String id = text(p, "id", "p" + (index + 1));
        if (p.has("template") == p.has("messages")) {
            throw new IllegalArgumentException(where + " needs exactly one of 'template' or 'messages'");
        }
        if (p.has("template")) {
            return new PromptSuite.TextPrompt(id, new PromptTemplate(p.get("template").asText()));
        }
        List<PromptSuite.Message> messages = new ArrayList<>();
        for (JsonNode m : p.get("messages")) {
            allowOnly(m, where + ".messages", "role", "content");
            String role = text(m, "role", null);
            if (role == null || !List.of("system", "user", "assistant").contains(role)) {
                throw new IllegalArgumentException(where + ": message role must be system, user or assistant, got " + role);
            }
            messages.add(new PromptSuite.Message(role, new PromptTemplate(text(m, "content", ""))));
        }
        return new PromptSuite.ChatPrompt(id, messages);
    }

    private static PromptSuite.Settings settings(JsonNode s) {
        if (s == null || s.isNull()) {
            return PromptSuite.Settings.defaults();
        }
        allowOnly(s, "settings", "temperature", "top_k", "top_p", "min_p", "repeat_penalty", "seed", "max_tokens", "stop");
        List<String> stop = new ArrayList<>();
        if (s.has("stop")) {
            JsonNode st = s.get("stop");
            if (st.isTextual()) {
                stop.add(st.asText());
            } else {
                st.forEach(n -> stop.add(n.asText()));
            }
        }
        return new PromptSuite.Settings(
                s.has("temperature") ? (float) number(s, "temperature") : null,
                s.has("top_k") ? (int) number(s, "top_k") : null,
                s.has("top_p") ? (float) number(s, "top_p") : null,
                s.has("min_p") ? (float) number(s, "min_p") : null,
                s.has("repeat_penalty") ? (float) number(s, "repeat_penalty") : null,
                s.has("seed") ? (long) number(s, "seed") : null,
                s.has("max_tokens") ? (int) number(s, "max_tokens") : null,
                stop);
    }

    private static PromptSuite.TestCase testCase(JsonNode t, int index) {
        String where = "tests[" + index + "]";
        if (!t.isObject()) {
            throw new IllegalArgumentException(where + " must be a mapping");
        }
        allowOnly(t, where, "description", "vars", "assert");
        Map<String, String> vars = new LinkedHashMap<>();
        JsonNode v = t.get("vars");
        if (v != null) {
            if (!v.isObject()) {
                throw new IllegalArgumentException(where + ".vars must be a mapping");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                var e = it.next();
                vars.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString());
            }
        }
        List<Assertion> assertions = new ArrayList<>();
        JsonNode as = t.get("assert");
        if (as != null) {
            for (int i = 0; i < as.size(); i++) {
                assertions.add(assertion(as.get(i), where + ".assert[" + i + "]"));
            }
        }
        return new PromptSuite.TestCase(text(t, "description", ""), vars, assertions);
    }

    private static Assertion assertion(JsonNode a, String where) {
        String type = text(a, "type", null);
        if (type == null) {
            throw new IllegalArgumentException(where + " has no type");
        }
        try {
            return switch (type) {
                case "contains" -> new Assertion.Contains(requiredText(a, where));
                case "not-contains" -> new Assertion.NotContains(requiredText(a, where));
                case "regex" -> new Assertion.Regex(requiredText(a, where));
                case "equals" -> new Assertion.Equals(requiredText(a, where));
                case "is-json" -> new Assertion.IsJson();
                case "json-field" -> {
                    if (!a.has("path") || !a.has("value")) {
                        throw new IllegalArgumentException("json-field needs 'path' and 'value'");
                    }
                    yield new Assertion.JsonField(a.get("path").asText(), a.get("value"));
                }
                case "max-tokens" -> new Assertion.MaxTokens((int) number(a, "value"));
                case "min-mean-logprob" -> new Assertion.MinMeanLogprob(number(a, "value"));
                case "next-token-prob" -> {
                    if (!a.has("token")) {
                        throw new IllegalArgumentException("next-token-prob needs 'token' and 'value'");
                    }
                    yield new Assertion.NextTokenProb(a.get("token").asText(), number(a, "value"));
                }
                default -> throw new IllegalArgumentException("unknown assertion type '" + type + "' (known: contains, "
                        + "not-contains, regex, equals, is-json, json-field, max-tokens, min-mean-logprob, next-token-prob)");
            };
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    /** The suite as YAML that {@link #parse} reads back to an equal suite. */
    public static String write(PromptSuite suite) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        if (!suite.description().isEmpty()) {
            root.put("description", suite.description());
        }
        ArrayNode prompts = root.putArray("prompts");
        for (PromptSuite.Prompt p : suite.prompts()) {
            ObjectNode n = prompts.addObject().put("id", p.id());
            switch (p) {
                case PromptSuite.TextPrompt t -> n.put("template", t.template().text());
                case PromptSuite.ChatPrompt c -> {
                    ArrayNode ms = n.putArray("messages");
                    c.messages().forEach(m -> ms.addObject().put("role", m.role()).put("content", m.content().text()));
                }
            }
        }
        PromptSuite.Settings s = suite.settings();
        ObjectNode settings = root.putObject("settings");
        if (s.temperature() != null) settings.put("temperature", s.temperature());
        if (s.topK() != null) settings.put("top_k", s.topK());
        if (s.topP() != null) settings.put("top_p", s.topP());
        if (s.minP() != null) settings.put("min_p", s.minP());
        if (s.repeatPenalty() != null) settings.put("repeat_penalty", s.repeatPenalty());
        if (s.seed() != null) settings.put("seed", s.seed());
        if (s.maxTokens() != null) settings.put("max_tokens", s.maxTokens());
        if (!s.stop().isEmpty()) {
            ArrayNode stop = settings.putArray("stop");
            s.stop().forEach(stop::add);
        }
        ArrayNode tests = root.putArray("tests");
        for (PromptSuite.TestCase t : suite.tests()) {
            ObjectNode n = tests.addObject();
            if (!t.description().isEmpty()) {
                n.put("description", t.description());
            }
            ObjectNode vars = n.putObject("vars");
            t.vars().forEach(vars::put);
            ArrayNode as = n.putArray("assert");
            for (Assertion a : t.assertions()) {
                ObjectNode an = as.addObject().put("type", a.type());
                switch (a) {
                    case Assertion.Contains c -> an.put("value", c.value());
                    case Assertion.NotContains c -> an.put("value", c.value());
                    case Assertion.Regex r -> an.put("value", r.value());
                    case Assertion.Equals e -> an.put("value", e.value());
                    case Assertion.IsJson j -> { }
                    case Assertion.JsonField j -> an.put("path", j.path()).set("value", j.value());
                    case Assertion.MaxTokens m -> an.put("value", m.value());
                    case Assertion.MinMeanLogprob m -> an.put("value", m.value());
                    case Assertion.NextTokenProb p -> an.put("token", p.token()).put("value", p.value());
                }
            }
        }
        try {
            return YAML.writeValueAsString(root);
        } catch (JacksonException e) {
            throw new IllegalStateException("could not write YAML", e);
        }
    }

    private static void allowOnly(JsonNode node, String where, String... keys) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + " must be a mapping");
        }
        List<String> allowed = List.of(keys);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw new IllegalArgumentException(where + " has unknown key '" + k + "' (allowed: " + String.join(", ", allowed) + ")");
            }
        }
    }

    private static String text(JsonNode node, String key, String fallback) {
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? fallback : v.asText();
    }

    private static String requiredText(JsonNode node, String where) {
        JsonNode v = node.get("value");
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("needs a 'value'");
        }
        return v.asText();
    }

    private static double number(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException("'" + key + "' must be a number, got " + (v == null ? "nothing" : v.toString()));
        }
        return v.asDouble();
    }
}
