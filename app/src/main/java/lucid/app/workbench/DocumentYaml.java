package lucid.app.workbench;

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
 * A whole workbench document as YAML: how versions are stored, and what the version diff compares
 * line by line, so a diff reads like the document.
 * <pre>
 * name: greeting
 * description: ...
 * variants:
 *   - {id: p1, chat: true, system: ..., examples: [{input: ..., output: ...}], user: "Hi {{name}}"}
 * values: {name: Tom}
 * columns:                # one run matrix column each, in suite settings syntax
 *   - {temperature: 0, seed: 1, max_tokens: 32}
 * tests:                  # suite test syntax
 *   - {vars: {name: Tom}, assert: [{type: contains, value: Tom}]}
 * </pre>
 * Settings and tests are read by {@link SuiteYaml}, so they are checked exactly as in suite files.
 */
public final class DocumentYaml {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE));

    private DocumentYaml() {
    }

    public static String write(WorkbenchDocument doc) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.put("name", doc.name());
        if (!doc.description().isEmpty()) {
            root.put("description", doc.description());
        }
        ArrayNode variants = root.putArray("variants");
        for (PromptVariant v : doc.variants()) {
            ObjectNode n = variants.addObject().put("id", v.id()).put("chat", v.chat());
            if (!v.system().isEmpty()) {
                n.put("system", v.system());
            }
            if (!v.examples().isEmpty()) {
                ArrayNode examples = n.putArray("examples");
                v.examples().forEach(e -> examples.addObject().put("input", e.input()).put("output", e.output()));
            }
            n.put("user", v.user());
        }
        ObjectNode values = root.putObject("values");
        doc.values().forEach(values::put);
        ArrayNode columns = root.putArray("columns");
        for (PromptSuite.Settings s : doc.columns()) {
            columns.add(tree(SuiteYaml.write(new PromptSuite("", List.of(placeholder()), s, List.of()))).get("settings"));
        }
        JsonNode suite = tree(SuiteYaml.write(new PromptSuite("", List.of(placeholder()), PromptSuite.Settings.defaults(),
                doc.tests())));
        root.set("tests", suite.get("tests"));
        try {
            return YAML.writeValueAsString(root);
        } catch (JacksonException e) {
            throw new IllegalStateException("could not write YAML", e);
        }
    }

    /** @throws IllegalArgumentException saying where the document is wrong */
    public static WorkbenchDocument read(String yaml) {
        JsonNode root = tree(yaml);
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("a prompt document must be a mapping");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!List.of("name", "description", "variants", "values", "columns", "tests").contains(k)) {
                throw new IllegalArgumentException("unknown key '" + k + "' in a prompt document");
            }
        }
        List<PromptVariant> variants = new ArrayList<>();
        JsonNode vs = root.path("variants");
        for (int i = 0; i < vs.size(); i++) {
            JsonNode v = vs.get(i);
            List<PromptVariant.Example> examples = new ArrayList<>();
            v.path("examples").forEach(e -> examples.add(new PromptVariant.Example(e.path("input").asText(),
                    e.path("output").asText())));
            variants.add(new PromptVariant(v.path("id").asText("p" + (i + 1)), v.path("chat").asBoolean(true),
                    v.path("system").asText(""), examples, v.path("user").asText("")));
        }
        Map<String, String> values = new LinkedHashMap<>();
        root.path("values").fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText()));
        List<PromptSuite.Settings> columns = new ArrayList<>();
        for (JsonNode c : root.path("columns")) {
            ObjectNode wrapper = suiteWrapper();
            wrapper.set("settings", c);
            columns.add(SuiteYaml.parse(text(wrapper)).settings());
        }
        ObjectNode wrapper = suiteWrapper();
        if (root.has("tests")) {
            wrapper.set("tests", root.get("tests"));
        }
        List<PromptSuite.TestCase> tests = SuiteYaml.parse(text(wrapper)).tests();
        return new WorkbenchDocument(root.path("name").asText(""), root.path("description").asText(""), variants,
                values, columns, tests);
    }

    private static PromptSuite.Prompt placeholder() {
        return new PromptSuite.TextPrompt("p", new PromptTemplate(""));
    }

    private static ObjectNode suiteWrapper() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.putArray("prompts").add("");
        return n;
    }

    private static JsonNode tree(String yaml) {
        try {
            return YAML.readTree(yaml);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not valid YAML: " + e.getOriginalMessage());
        }
    }

    private static String text(JsonNode node) {
        try {
            return YAML.writeValueAsString(node);
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
    }
}
