package lucid.tests.workbench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.TextNode;

import lucid.app.chat.ConversationSettings;
import lucid.app.chat.ConversationStore;
import lucid.app.workbench.Assertion;
import lucid.app.workbench.AssertionText;
import lucid.app.workbench.CellRunner;
import lucid.app.workbench.DocumentYaml;
import lucid.app.workbench.LineDiff;
import lucid.app.workbench.PromptSuite;
import lucid.app.workbench.PromptVariant;
import lucid.app.workbench.StarterTemplates;
import lucid.app.workbench.TokenBoundaries;
import lucid.app.workbench.WorkbenchDocument;
import lucid.app.workbench.WorkbenchStore;
import lucid.engine.gguf.SharedFixtures;
import lucid.engine.inference.Engine;
import lucid.engine.inference.LoadedModel;

/** The workbench's model without a window: variants, documents, assertion lines, diff, storage, token cuts. */
class WorkbenchModelTest {

    @TempDir
    Path dir;

    private static WorkbenchDocument sample() {
        PromptVariant chat = new PromptVariant("p1", true, "You answer as {{persona}}.",
                List.of(new PromptVariant.Example("hot", "cold"), new PromptVariant.Example("up", "down")), "{{word}}");
        PromptVariant text = new PromptVariant("p2", false, "", List.of(), "Once upon a time, {{word}}");
        PromptSuite.TestCase test = new PromptSuite.TestCase("opposites", Map.of("persona", "a teacher", "word", "early"),
                List.of(new Assertion.Contains(" late"), new Assertion.JsonField("a.b[0]", TextNode.valueOf("x")),
                        new Assertion.NextTokenProb(" l", 0.25), new Assertion.MinMeanLogprob(-2.5)));
        return new WorkbenchDocument("opposites", "pairs", List.of(chat, text), Map.of("persona", "a poet", "word", "big"),
                List.of(new PromptSuite.Settings(0f, null, null, null, null, 1L, 16, List.of()),
                        new PromptSuite.Settings(0.8f, 40, 0.95f, 0.05f, 1.1f, 7L, 32, List.of("\n\n"))),
                List.of(test));
    }

    @Test
    void variantsBecomeChatTurnsOrCompletionTextAndBack() {
        WorkbenchDocument doc = sample();
        PromptSuite.ChatPrompt chat = (PromptSuite.ChatPrompt) doc.variants().getFirst().toPrompt();
        assertEquals(List.of("system", "user", "assistant", "user", "assistant", "user"),
                chat.messages().stream().map(PromptSuite.Message::role).toList());
        assertEquals("{{word}}", chat.messages().getLast().content().text());
        assertEquals(doc.variants().getFirst(), PromptVariant.fromPrompt(chat));
        PromptSuite.TextPrompt fewShotText = (PromptSuite.TextPrompt) new PromptVariant("t", false, "Opposites.",
                List.of(new PromptVariant.Example("hot", "cold")), "{{w}}").toPrompt();
        assertEquals("Opposites.\n\nhot\ncold\n\n{{w}}", fewShotText.template().text());
        assertEquals(java.util.Set.of("persona", "word"), doc.variables());
        PromptSuite.ChatPrompt odd = new PromptSuite.ChatPrompt("odd", List.of(
                new PromptSuite.Message("assistant", new lucid.app.workbench.PromptTemplate("hi"))));
        var e = assertThrows(IllegalArgumentException.class, () -> PromptVariant.fromPrompt(odd));
        assertTrue(e.getMessage().contains("'odd'"), e.getMessage());
    }

    @Test
    void documentYamlRoundTripsEveryPart() {
        WorkbenchDocument doc = sample();
        String yaml = DocumentYaml.write(doc);
        assertEquals(doc, DocumentYaml.read(yaml));
        assertEquals(yaml, DocumentYaml.write(DocumentYaml.read(yaml)));
        var e = assertThrows(IllegalArgumentException.class, () -> DocumentYaml.read(yaml.replace("top_p", "top_q")));
        assertTrue(e.getMessage().contains("top_q"), e.getMessage());
        // A suite file's content survives the trip through a document.
        PromptSuite suite = doc.toSuite(1);
        assertEquals(suite, WorkbenchDocument.fromSuite("x", suite).toSuite(0));
    }

    @Test
    void assertionLinesRoundTripAndReportTheBadLine() {
        List<Assertion> all = List.of(new Assertion.Contains("Tom"), new Assertion.NotContains(" sorry "),
                new Assertion.Regex("\\d+"), new Assertion.Equals("a\nb"), new Assertion.IsJson(),
                new Assertion.JsonField("answer.items[0]", TextNode.valueOf("cat")), new Assertion.MaxTokens(20),
                new Assertion.MinMeanLogprob(-3.0), new Assertion.NextTokenProb(" Tom", 0.2));
        String text = AssertionText.format(all);
        assertEquals(all, AssertionText.parse(text));
        assertTrue(text.contains("not-contains: \" sorry \""), text);
        var e = assertThrows(IllegalArgumentException.class, () -> AssertionText.parse("contains: a\nmax-tokens: many"));
        assertTrue(e.getMessage().startsWith("line 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AssertionText.parse("contans: a"));
        assertTrue(e.getMessage().contains("unknown assertion type 'contans'"), e.getMessage());
    }

    @Test
    void lineDiffMarksAddedAndRemovedLines() {
        List<LineDiff.Line> d = LineDiff.diff("a\nb\nc", "a\nx\nc\nd");
        assertEquals(List.of(new LineDiff.Line(LineDiff.Kind.SAME, "a"), new LineDiff.Line(LineDiff.Kind.ADDED, "x"),
                new LineDiff.Line(LineDiff.Kind.REMOVED, "b"), new LineDiff.Line(LineDiff.Kind.SAME, "c"),
                new LineDiff.Line(LineDiff.Kind.ADDED, "d")), d);
        assertTrue(LineDiff.diff("same", "same").stream().allMatch(l -> l.kind() == LineDiff.Kind.SAME));
    }

    @Test
    void versionsAndRunsLiveBesideConversationsInOneDatabase() {
        long conversation;
        try (ConversationStore chat = new ConversationStore(dir)) {
            conversation = chat.createConversation("kept", ConversationSettings.defaults()).id();
        }
        WorkbenchDocument doc = sample();
        try (WorkbenchStore store = new WorkbenchStore(dir)) {
            assertEquals(3, store.schemaVersion());
            WorkbenchStore.Version v1 = store.save(doc);
            assertEquals(v1, store.save(doc), "an unchanged document is not a new version");
            WorkbenchDocument edited = new WorkbenchDocument(doc.name(), "changed", doc.variants(), doc.values(),
                    doc.columns(), doc.tests());
            WorkbenchStore.Version v2 = store.save(edited);
            assertEquals(List.of(v2.id(), v1.id()), store.versions("opposites").stream().map(WorkbenchStore.Version::id).toList());
            assertEquals(doc, v1.document());
            store.saveRun("opposites", v1.id(), "m.gguf", List.of(
                    new WorkbenchStore.RunCell("p1", 0, true, "", "late", 1, -0.5),
                    new WorkbenchStore.RunCell("p2", 0, false, "contains: no", "x", 2, -1.5)));
            assertEquals(List.of("opposites"), store.names());
        }
        try (WorkbenchStore again = new WorkbenchStore(dir); ConversationStore chat = new ConversationStore(dir)) {
            assertEquals(3, again.schemaVersion(), "migrations run once");
            WorkbenchStore.RunRecord run = again.runs("opposites").getFirst();
            assertEquals(1, run.passed());
            assertEquals(2, run.total());
            assertEquals("contains: no", run.cells().get(1).reason());
            assertEquals(2, again.versions("opposites").size());
            assertEquals("kept", chat.conversation(conversation).orElseThrow().title(), "the chat's data is untouched");
        }
    }

    @Test
    void startersRenderInBothLanguages() {
        for (String lang : List.of("en", "zh-CN")) {
            List<StarterTemplates.Starter> all = StarterTemplates.all(lang);
            assertEquals(StarterTemplates.KEYS, all.stream().map(StarterTemplates.Starter::key).toList());
            for (StarterTemplates.Starter s : all) {
                PromptSuite.Prompt p = s.variant().toPrompt();
                assertTrue(s.values().keySet().containsAll(p.variables()), s.key() + " has a value for every variable");
                assertFalse(p.variables().isEmpty(), s.key());
            }
        }
        assertTrue(StarterTemplates.of("translate", "zh-CN").variant().user().contains("翻译"));
    }

    @Test
    void tokenBoundariesFollowTheTokenizer() throws Exception {
        try (Engine engine = Engine.create(1);
             LoadedModel model = engine.load(SharedFixtures.file("models/stories260k.gguf"))) {
            String text = "Once upon a time, {{name}} saw a big dog.";
            TokenBoundaries b = TokenBoundaries.of(model.tokenizer(), text);
            int[] ids = model.tokenizer().encode(text, false, true);
            assertEquals(ids.length, b.tokens());
            assertEquals(ids.length, b.starts().length, "ASCII text: every token starts at its own character");
            assertEquals(0, b.starts()[0]);
            // Each token's piece is the text between its start and the next one.
            for (int i = 1; i < ids.length; i++) {
                String piece = new String(model.tokenizer().tokenPiece(ids[i], true), java.nio.charset.StandardCharsets.UTF_8);
                int end = i + 1 < ids.length ? b.starts()[i + 1] : text.length();
                assertEquals(piece, text.substring(b.starts()[i], end), "token " + i);
            }
            assertArrayEquals(new int[0], TokenBoundaries.of(model.tokenizer(), "").starts());
            // Byte-fallback tokens cut characters apart; boundaries stay on whole UTF-16 characters.
            String mixed = "猫 saw 🐱 in a café";
            TokenBoundaries m = TokenBoundaries.of(model.tokenizer(), mixed);
            assertEquals(model.tokenizer().encode(mixed, false, true).length, m.tokens());
            assertTrue(m.starts().length < m.tokens(), "tokens inside a character share its start");
            for (int i = 0; i < m.starts().length; i++) {
                assertTrue(m.starts()[i] < mixed.length() && (i == 0 || m.starts()[i] > m.starts()[i - 1]));
                assertFalse(Character.isLowSurrogate(mixed.charAt(m.starts()[i])), "not inside a surrogate pair");
            }
            assertTrue(java.util.Arrays.stream(m.starts()).anyMatch(x -> x == mixed.indexOf(" saw")), "the space before saw starts a token");
        }
    }

    @Test
    void fewShotExamplesReachTheChatTemplateAsTurns() throws Exception {
        try (Engine engine = Engine.create(1);
             LoadedModel model = engine.load(SharedFixtures.file("models/stories260k.gguf"))) {
            // The story model has no template of its own: the engine's fallback (ChatML) stands in.
            var choice = lucid.engine.chat.ChatTemplates.forModel(model.file().metadata(), model.tokenizer().vocabulary());
            CellRunner runner = new CellRunner(model, CellRunner.renderer(new lucid.app.chat.PromptFormats.Templated(choice)));
            PromptVariant v = sample().variants().getFirst();
            String text = runner.promptText(v.toPrompt(), Map.of("persona", "a poet", "word", "big"));
            List<lucid.engine.chat.ChatMessage> turns = List.of(
                    new lucid.engine.chat.ChatMessage("system", "You answer as a poet."),
                    new lucid.engine.chat.ChatMessage("user", "hot"), new lucid.engine.chat.ChatMessage("assistant", "cold"),
                    new lucid.engine.chat.ChatMessage("user", "up"), new lucid.engine.chat.ChatMessage("assistant", "down"),
                    new lucid.engine.chat.ChatMessage("user", "big"));
            assertEquals(choice.template().render(turns, true), text);
            assertTrue(text.indexOf("cold") < text.indexOf("up") && text.endsWith(text.substring(text.lastIndexOf("big"))));
            // A text variant is the completion text itself, tokenized with BOS as the suite runner does.
            String plain = runner.promptText(sample().variants().get(1).toPrompt(), Map.of("word", "Tom"));
            assertEquals("Once upon a time, Tom", plain);
            assertEquals(model.tokenizer().encode(plain, true, true).length, runner.promptTokens(plain).length);
        }
    }

    @Test
    void aCancelledCellStopsWhereItIsAndLaterCellsOnTheRunnerDoNotStart() throws Exception {
        try (Engine engine = Engine.create(1);
             LoadedModel model = engine.load(SharedFixtures.file("models/stories260k.gguf"))) {
            var choice = lucid.engine.chat.ChatTemplates.forModel(model.file().metadata(), model.tokenizer().vocabulary());
            var params = lucid.engine.sampling.SamplingParams.greedy().withMaxTokens(200);
            CellRunner whole = new CellRunner(model, CellRunner.renderer(new lucid.app.chat.PromptFormats.Templated(choice)));
            CellRunner.CellResult full = whole.run("Once upon a time", params, t -> { });
            assertTrue(full.tokens() > 20, full.output());

            // Cancelled from its own text callback after the fifth piece: it ends there, with what it had.
            CellRunner runner = new CellRunner(model, CellRunner.renderer(new lucid.app.chat.PromptFormats.Templated(choice)));
            int[] pieces = {0};
            CellRunner.CellResult cut = runner.run("Once upon a time", params, t -> {
                if (++pieces[0] == 5) {
                    runner.cancel();
                }
            });
            assertEquals(lucid.engine.inference.StopReason.CANCELLED, cut.reason());
            assertEquals(5, cut.tokens(), "the token in hand when cancel came was the last");
            assertTrue(full.output().startsWith(cut.output()), cut.output() + " | " + full.output());
            assertEquals(5, cut.probabilities().tokens().size());

            // The run was cancelled as a whole: a later cell on the same runner stops before its first token.
            CellRunner.CellResult next = runner.run("Once upon a time", params, t -> { });
            assertEquals(lucid.engine.inference.StopReason.CANCELLED, next.reason());
            assertEquals(0, next.tokens());
            assertEquals("", next.output());
        }
    }
}
