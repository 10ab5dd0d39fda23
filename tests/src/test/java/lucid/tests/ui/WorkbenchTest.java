package lucid.tests.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import javafx.scene.control.Label;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.util.WaitForAsyncUtils;

import lucid.app.AppContext;
import lucid.app.DesktopApp;
import lucid.app.visualize.LabWindow;
import lucid.app.workbench.CellRunner;
import lucid.app.workbench.DocumentModel;
import lucid.app.workbench.PassFailGrid;
import lucid.app.workbench.PromptSuite;
import lucid.app.workbench.SuiteRunner;
import lucid.app.workbench.SuiteYaml;
import lucid.app.workbench.VariantEditor;
import lucid.app.workbench.WorkbenchStore;
import lucid.app.workbench.WorkbenchViewModel;
import lucid.app.workbench.WorkbenchWindow;
import lucid.engine.inference.LoadedModel;

/**
 * The prompt workbench on the story model, driven through its window: a prompt with a variable in
 * two variants, the run matrix (greedy, seeded), a test case that one variant passes and the other
 * fails, versions with a diff, and a YAML export read back in. What the window shows is checked
 * against {@link SuiteRunner} running the same suite on its own.
 */
class WorkbenchTest {

    @TempDir
    Path dir;

    private final FxRobot robot = new FxRobot();
    private DesktopApp app;
    private AppContext ctx;

    @BeforeEach
    void start() throws Exception {
        app = StoryApp.start(dir.resolve("data"));
        ctx = app.context();
    }

    @AfterEach
    void stop() throws Exception {
        StoryApp.stop(app);
    }

    @Test
    void promptVariantsRunAsMatrixAndTestsAndVersionsRoundTrip() throws Exception {
        AtomicReference<WorkbenchWindow> ref = new AtomicReference<>();
        robot.interact(() -> ref.set(app.window().openWorkbench()));
        WorkbenchWindow wb = ref.get();
        WorkbenchViewModel vm = wb.viewModel();
        DocumentModel doc = vm.document();

        // A text prompt with a variable, then a second variant (the "+" copies the first).
        robot.interact(() -> {
            doc.name.set("flow");
            DocumentModel.VariantModel p1 = doc.variants.getFirst();
            p1.chat.set(false);
            p1.system.set("");
            wb.editors().getFirst().userEditor().replaceText("Once upon a time, {{name}}");
        });
        robot.clickOn("#wb-add-variant");
        waitFor(5, () -> doc.variants.size() == 2 && wb.editors().size() == 2);
        robot.interact(() -> wb.editors().get(1).userEditor().replaceText("{{name}} went to the park and"));
        assertEquals("p2", doc.variants.get(1).id.get());
        assertFalse(doc.variants.get(1).chat.get(), "the copy keeps the text mode");

        // The new variable appears in the values table, flagged until it has a value.
        waitFor(5, () -> doc.values.stream().anyMatch(r -> r.name.equals("name") && r.used.get()));
        VariantEditor first = wb.editors().getFirst();
        int unknownAt = first.userEditor().getText().indexOf("{{name}}") + 2;
        waitFor(5, () -> first.userEditor().getStyleOfChar(unknownAt).contains("wb-var-unknown"));
        robot.interact(first::refreshRendered);
        Label info = robot.lookup("#wb-rendered-info").queryAs(Label.class);
        waitFor(5, () -> info.getText().contains("name")
                && first.renderedArea().getText().equals("Once upon a time, {{name}}"));
        // The rendered area's styles follow its text a pulse later: wait for them, as for the editor's.
        waitFor(5, () -> first.renderedArea().getStyleOfChar(first.renderedArea().getText().indexOf("{{") + 2)
                .contains("wb-var-unknown"));
        robot.interact(() -> {
            doc.values.stream().filter(r -> r.name.equals("name")).findFirst().orElseThrow().value.set("Tom");
            DocumentModel.ColumnModel c = doc.columns.getFirst();
            c.temperature.set("0");
            c.seed.set("1");
            c.maxTokens.set("16");
            first.refreshRendered();
        });

        // The rendered prompt is the exact text with its token count, as the runner tokenizes it.
        LoadedModel model = ctx.models().chatEngineProperty().get().model();
        CellRunner reference = CellRunner.of(ctx.models().chatEngineProperty().get());
        int promptTokens = reference.promptTokens("Once upon a time, Tom").length;
        waitFor(10, () -> first.renderedArea().getText().equals("Once upon a time, Tom")
                && first.countLabel().getText().equals(promptTokens + " tokens"));
        assertTrue(first.renderedArea().getStyleOfChar(first.renderedArea().getText().indexOf("Tom") + 1).contains("wb-var"),
                "the value is marked where the model reads it");
        waitFor(5, () -> first.userEditor().boundaries().tokens() > 0);
        int[] starts = first.userEditor().boundaries().starts();
        for (int i = 1; i < starts.length; i++) {
            assertTrue(starts[i] > starts[i - 1], "token starts ascend");
        }
        assertTrue(first.userEditor().getStyleOfChar(0).contains("wb-tok-a"), "the first token is shaded");
        int var = first.userEditor().getText().indexOf("{{name}}");
        assertTrue(first.userEditor().getStyleOfChar(var + 2).contains("wb-var"), "the variable is marked");

        // Run the matrix: 2 variants × 1 sampling column.
        robot.clickOn("#wb-run-matrix");
        waitFor(60, () -> vm.finishedRunsProperty().get() == 1);
        assertEquals(2, vm.cells().size());
        PromptSuite matrixSuite = doc.snapshot().toSuite(0);
        // The matrix runs with the values table: the same suite with those values as its one test.
        PromptSuite suite = new PromptSuite("", matrixSuite.prompts(), matrixSuite.settings(),
                List.of(new PromptSuite.TestCase("", Map.of("name", "Tom"), List.of())));
        SuiteRunner runner = new SuiteRunner(model, CellRunner.renderer(ctx.models().chatEngineProperty().get().format()));
        SuiteRunner.SuiteResult expected = runner.run(suite, null, null);
        for (int i = 0; i < 2; i++) {
            WorkbenchViewModel.CellModel cell = vm.cells().get(i);
            SuiteRunner.CaseResult want = expected.cases().get(i);
            assertEquals(WorkbenchViewModel.CellState.DONE, cell.state.get());
            assertEquals(want.promptId(), cell.variantId);
            assertEquals(want.output(), cell.output.get(), "greedy output of " + cell.variantId);
            assertEquals(want.tokens(), cell.tokens.get());
            assertEquals(want.meanLogprob(), cell.meanLogprob.get(), 1e-5);
            assertNotNull(cell.probabilities.get());
        }
        assertNotEquals(vm.cells().get(0).output.get().strip(), vm.cells().get(1).output.get().strip());

        // A cell's token probability overlay opens on what the cell recorded.
        AtomicReference<LabWindow> overlay = new AtomicReference<>();
        robot.interact(() -> overlay.set(wb.matrix().openProbabilities(vm.cells().getFirst())));
        assertNotNull(overlay.get());
        waitFor(10, () -> robot.lookup("#token-probability-view").tryQuery().isPresent());
        robot.interact(() -> overlay.get().stage().close());

        // A test case that p1 passes (its own output) and p2 fails.
        String p1Output = vm.cells().getFirst().output.get().strip();
        robot.interact(() -> wb.showTab(1));
        robot.clickOn("#wb-add-test");
        waitFor(5, () -> doc.tests.size() == 1);
        assertEquals(Map.of("name", "Tom"), Map.copyOf(doc.tests.getFirst().vars));
        robot.interact(() -> wb.tests().assertionsArea().setText("equals: " + p1Output + "\nmax-tokens: 16"));
        assertEquals("equals: " + p1Output + "\nmax-tokens: 16", doc.tests.getFirst().assertions.get());
        robot.clickOn("#wb-run-tests");
        waitFor(60, () -> vm.finishedRunsProperty().get() == 2);

        PromptSuite tested = doc.snapshot().toSuite(0);
        SuiteRunner.SuiteResult want = runner.run(tested, null, null);
        WorkbenchViewModel.Grid grid = vm.gridProperty().get();
        assertEquals(List.of("p1", "p2"), grid.rows());
        for (SuiteRunner.CaseResult r : want.cases()) {
            WorkbenchViewModel.GridCell cell = grid.cell(grid.rows().indexOf(r.promptId()), r.testIndex());
            assertEquals(r.passed(), cell.passed(), r.promptId());
            assertEquals(r.output(), cell.output());
        }
        assertTrue(grid.cell(0, 0).passed(), "p1 passes its own output");
        assertFalse(grid.cell(1, 0).passed(), "p2 fails");
        assertTrue(grid.cell(1, 0).reason().startsWith("equals: output is"), grid.cell(1, 0).reason());
        PassFailGrid view = wb.tests().grid();
        String tip = view.tooltipText(100, 24 + 28 + 10); // row 2 (p2), column 1
        assertTrue(tip.contains(grid.cell(1, 0).reason()), tip);
        assertEquals(1, vm.history().size());
        assertEquals(1, vm.history().getFirst().passed());
        assertEquals(2, vm.history().getFirst().total());

        // Running the tests saved a version; an edit and "Save version" make a second; the diff shows the edit.
        assertEquals(1, vm.versions().size());
        robot.interact(() -> wb.editors().get(1).userEditor().replaceText("{{name}} went to the beach and"));
        robot.clickOn("#wb-save");
        waitFor(5, () -> vm.versions().size() == 2);
        robot.interact(() -> wb.showTab(2));
        robot.interact(() -> {
            wb.versions().list().getSelectionModel().selectAll();
            wb.versions().showSelectedDiff();
        });
        String diff = wb.versions().diffArea().getText();
        assertTrue(diff.contains("- ") && diff.contains("park"), diff);
        assertTrue(diff.contains("+ ") && diff.contains("beach"), diff);
        int added = diff.indexOf("beach");
        assertTrue(wb.versions().diffArea().getStyleOfChar(added).contains("wb-diff-added"));
        assertTrue(wb.versions().diffArea().getStyleOfChar(diff.indexOf("park")).contains("wb-diff-removed"));

        // Re-run the suite on the older version: its own results, recorded in the history.
        WorkbenchStore.Version older = vm.versions().getLast();
        robot.interact(() -> {
            wb.versions().list().getSelectionModel().clearSelection();
            wb.versions().list().getSelectionModel().select(older);
        });
        robot.clickOn("#wb-rerun");
        waitFor(60, () -> vm.finishedRunsProperty().get() == 3);
        assertEquals(2, vm.history().size());
        assertEquals(older.id(), vm.history().getFirst().versionId());
        assertEquals(1, vm.history().getFirst().passed());

        // Export as YAML, start something else, import: the same suite comes back.
        PromptSuite before = doc.snapshot().toSuite(0);
        Path yaml = dir.resolve("flow.yaml");
        AtomicReference<Boolean> ok = new AtomicReference<>();
        robot.interact(() -> ok.set(wb.exportSuite(yaml)));
        assertTrue(ok.get());
        assertEquals(before, SuiteYaml.read(yaml));
        robot.interact(() -> vm.applyStarter(lucid.app.workbench.StarterTemplates.of("few-shot", "en")));
        assertEquals("few-shot", doc.name.get());
        robot.interact(() -> ok.set(wb.importSuite(yaml)));
        assertTrue(ok.get());
        assertEquals(before, doc.snapshot().toSuite(0));
        assertEquals("flow", doc.name.get());

        // A bad file: an error dialog that says where, and the document stays as it was.
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "prompts: [\"x\"]\ntests:\n  - assert: [{type: contans, value: a}]\n");
        robot.interact(() -> ok.set(wb.importSuite(bad)));
        assertFalse(ok.get());
        waitFor(5, () -> robot.lookup("#wb-error-dialog").tryQuery().isPresent());
        javafx.scene.control.DialogPane pane = robot.lookup("#wb-error-dialog").queryAs(javafx.scene.control.DialogPane.class);
        assertTrue(pane.getContentText().contains("tests[0].assert[0]") && pane.getContentText().contains("contans"),
                pane.getContentText());
        assertEquals(before, doc.snapshot().toSuite(0));
        robot.interact(() -> pane.getScene().getWindow().hide());

        // Cancel stops the running cell and the waiting ones never start. The engine's lock, which a
        // cell takes for its tokens, is held meanwhile, so the click always lands while the first cell
        // runs (a cell on the story model can finish before a robot's click arrives); how a cell stops
        // in the middle of its tokens is WorkbenchModelTest's.
        robot.interact(() -> {
            doc.columns.getFirst().maxTokens.set("400");
            wb.showTab(0);
        });
        lucid.app.chat.ChatEngine engine = ctx.models().chatEngineProperty().get();
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread holder = Thread.ofPlatform().daemon().start(() -> {
            synchronized (engine) {
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        try {
            assertTrue(held.await(10, TimeUnit.SECONDS));
            robot.clickOn("#wb-run-matrix");
            waitFor(10, () -> vm.cells().getFirst().state.get() == WorkbenchViewModel.CellState.RUNNING);
            robot.clickOn("#wb-cancel");
        } finally {
            release.countDown();
        }
        holder.join(10_000);
        waitFor(30, () -> vm.finishedRunsProperty().get() == 4);
        var cells = vm.cells();
        assertEquals(WorkbenchViewModel.CellState.CANCELLED, cells.getFirst().state.get());
        assertEquals(0, cells.getFirst().tokens.get(), "the running cell stopped before its first token");
        for (int k = 1; k < cells.size(); k++) {
            assertEquals(WorkbenchViewModel.CellState.CANCELLED, cells.get(k).state.get(), "cell " + k);
            assertEquals("", cells.get(k).output.get(), "cell " + k + " never started");
        }
    }

    private static void waitFor(int seconds, Callable<Boolean> condition) throws Exception {
        WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, condition);
    }
}
