package lucid.tests.workbench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;

import lucid.app.workbench.Assertion;
import lucid.app.workbench.PromptSuite;
import lucid.app.workbench.PromptTemplate;
import lucid.app.workbench.SuiteYaml;

/** Templates, assertions and the YAML format, without a model. */
class WorkbenchTest {

    @Test
    void templatesRenderVariablesAndReportMissingOnes() {
        PromptTemplate t = new PromptTemplate("Translate {{ text }} into {{lang}}. Again: {{text}} \\{{literal}}");
        assertEquals(Set.of("text", "lang"), t.variables());
        assertEquals(List.of("text", "lang"), List.copyOf(t.variables()));
        assertEquals(3, t.placeholders().size());
        assertEquals("Translate 猫 into English. Again: 猫 {{literal}}", t.render(Map.of("text", "猫", "lang", "English")));
        assertEquals(Set.of("lang"), t.missing(Map.of("text", "x")));
        var e = assertThrows(IllegalArgumentException.class, () -> t.render(Map.of("text", "x")));
        assertTrue(e.getMessage().contains("{{lang}}"), e.getMessage());
        // $ and \ in values are data, not regex replacement syntax.
        assertEquals("Translate $1\\ into x. Again: $1\\ {{literal}}", t.render(Map.of("text", "$1\\", "lang", "x")));
    }

    static Assertion.RunOutput output(String text) {
        return new Assertion.RunOutput(text, 12, -1.5, token -> token.equals("yes") ? 0.8 : 0.01);
    }

    static void passes(Assertion a, String text) {
        assertTrue(a.check(output(text)).passed(), a + " should pass on \"" + text + "\"");
    }

    static void fails(Assertion a, String text, String messagePart) {
        Assertion.Verdict v = a.check(output(text));
        assertFalse(v.passed(), a + " should fail on \"" + text + "\"");
        assertTrue(v.message().contains(messagePart), v.message());
    }

    @Test
    void everyAssertionKindPassesAndFails() {
        passes(new Assertion.Contains("Tom"), "Tom went home");
        fails(new Assertion.Contains("Tom"), "Lily went home", "does not contain");
        passes(new Assertion.NotContains("sorry"), "Sure!");
        fails(new Assertion.NotContains("sorry"), "I am sorry", "contains");
        passes(new Assertion.Regex("\\d{4}-\\d{2}"), "on 2024-05-01");
        fails(new Assertion.Regex("^\\d+$"), "12a", "does not match");
        assertThrows(IllegalArgumentException.class, () -> new Assertion.Regex("(unclosed"));
        passes(new Assertion.Equals("Paris"), "  Paris\n");
        fails(new Assertion.Equals("Paris"), "Paris, France", "expected \"Paris\"");
        passes(new Assertion.IsJson(), " {\"a\": [1, 2]} ");
        fails(new Assertion.IsJson(), "{a: 1}", "not JSON");
        fails(new Assertion.IsJson(), "   ", "");
        String json = "{\"answer\": {\"items\": [{\"name\": \"apple\", \"n\": 3}]}}";
        passes(new Assertion.JsonField("answer.items[0].name", TextNode.valueOf("apple")), json);
        passes(new Assertion.JsonField("answer.items[0].n", IntNode.valueOf(3)), json);
        fails(new Assertion.JsonField("answer.items[0].name", TextNode.valueOf("pear")), json, "expected \"pear\"");
        fails(new Assertion.JsonField("answer.missing", TextNode.valueOf("x")), json, "no field");
        fails(new Assertion.JsonField("a", TextNode.valueOf("x")), "not json", "not JSON");
        passes(new Assertion.MaxTokens(12), "x");
        fails(new Assertion.MaxTokens(11), "x", "12 tokens");
        passes(new Assertion.MinMeanLogprob(-2), "x");
        fails(new Assertion.MinMeanLogprob(-1), "x", "-1.500");
        passes(new Assertion.NextTokenProb("yes", 0.5), "x");
        fails(new Assertion.NextTokenProb("no", 0.5), "x", "0.0100");
    }

    static final String SUITE = """
            description: A suite with every feature
            prompts:
              - "Plain {{x}}"
              - {id: chat, messages: [{role: system, content: "Be brief."}, {role: user, content: "Say {{x}}"}]}
            settings: {temperature: 0, seed: 3, max_tokens: 16, top_k: 20, top_p: 0.9, min_p: 0.1, repeat_penalty: 1.1, stop: ["\\n\\n"]}
            tests:
              - description: first
                vars: {x: "hello"}
                assert:
                  - {type: contains, value: "hello"}
                  - {type: not-contains, value: "bye"}
                  - {type: regex, value: "h.l+o"}
                  - {type: equals, value: "hello"}
                  - {type: is-json}
                  - {type: json-field, path: "a.b[1]", value: 2}
                  - {type: max-tokens, value: 5}
                  - {type: min-mean-logprob, value: -3}
                  - {type: next-token-prob, token: " hello", value: 0.2}
              - vars: {x: "你好 😀"}
            """;

    @Test
    void yamlRoundTrip() {
        PromptSuite suite = SuiteYaml.parse(SUITE);
        assertEquals(2, suite.prompts().size());
        assertEquals("p1", suite.prompts().get(0).id());
        assertTrue(suite.prompts().get(1) instanceof PromptSuite.ChatPrompt c && c.messages().size() == 2);
        assertEquals(16, suite.settings().maxTokens());
        assertEquals(List.of("\n\n"), suite.settings().stop());
        assertEquals(9, suite.tests().get(0).assertions().size());
        assertEquals("你好 😀", suite.tests().get(1).vars().get("x"));

        String written = SuiteYaml.write(suite);
        PromptSuite again = SuiteYaml.parse(written);
        assertEquals(suite, again, written);
        assertEquals(written, SuiteYaml.write(again));
    }

    @Test
    void badSuitesAreRefusedWithThePlace() {
        assertMessage("prompts: []", "non-empty");
        assertMessage("prompts: [x]\ntests: [{vars: {a: 1}, assert: [{type: contanis, value: x}]}]", "tests[0].assert[0]: unknown assertion type 'contanis'");
        assertMessage("prompts: [x]\nsetings: {}", "unknown key 'setings'");
        assertMessage("prompts: [x]\nsettings: {temperature: hot}", "'temperature' must be a number");
        assertMessage("prompts: [{id: a, template: x}, {id: a, template: y}]", "'a' is used twice");
        assertMessage("prompts: [x]\ntests: [{assert: [{type: regex, value: '('}]}]", "bad regex");
        assertMessage("prompts: [{id: a}]", "exactly one of 'template' or 'messages'");
        assertMessage("prompts: [x\n  bad: indent", "not valid YAML");
    }

    static void assertMessage(String yaml, String part) {
        var e = assertThrows(IllegalArgumentException.class, () -> SuiteYaml.parse(yaml));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
