package lucid.app.workbench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import lucid.app.chat.ChatEngine;
import lucid.app.chat.ReplyProbabilities;
import lucid.app.common.TokenPump;

/**
 * The prompt workbench's state and commands, without nodes: the document being edited, the rendered
 * prompt and token counts (computed off the UI thread), the run matrix (variants × sampling columns,
 * streamed cell by cell), test runs with their pass/fail grid and history, and saved versions.
 *
 * <p>Every model call runs on the {@code work} executor, one cell at a time, holding the chat engine's
 * lock so the model cannot be unloaded under it; results come back through {@code fx}.
 */
public final class WorkbenchViewModel {

    /** A run matrix cell's state. */
    public enum CellState { WAITING, RUNNING, DONE, CANCELLED, FAILED }

    /** One variant × one sampling column of the run matrix. */
    public static final class CellModel {
        public final String variantId;
        public final int column;
        public final StringProperty output = new SimpleStringProperty("");
        public final IntegerProperty tokens = new SimpleIntegerProperty();
        public final DoubleProperty meanLogprob = new SimpleDoubleProperty(Double.NaN);
        public final DoubleProperty tokensPerSecond = new SimpleDoubleProperty(Double.NaN);
        public final ObjectProperty<CellState> state = new SimpleObjectProperty<>(CellState.WAITING);
        public final StringProperty error = new SimpleStringProperty("");
        public final ObjectProperty<ReplyProbabilities> probabilities = new SimpleObjectProperty<>();

        CellModel(String variantId, int column) {
            this.variantId = variantId;
            this.column = column;
        }

        public double perplexity() {
            return Math.exp(-meanLogprob.get());
        }
    }

    /**
     * The rendered prompt of a variant with the current values.
     *
     * @param values where each variable's value (or, for an unknown one, its placeholder) landed in the text
     */
    public record Rendered(String text, int tokens, TokenBoundaries boundaries, Set<String> unknown,
                           List<PromptTemplate.Placeholder> values, String error) {
    }

    /** A pass/fail grid cell; null in {@link Grid#cells} while the case has not run. */
    public record GridCell(boolean passed, String reason, String output) {
    }

    /** Variants (rows) × test cases (columns). */
    public record Grid(List<String> rows, List<String> columns, GridCell[][] cells) {
        public GridCell cell(int row, int column) {
            return cells[row][column];
        }

        Grid with(int row, int column, GridCell cell) {
            GridCell[][] copy = new GridCell[cells.length][];
            for (int r = 0; r < cells.length; r++) {
                copy[r] = cells[r].clone();
            }
            copy[row][column] = cell;
            return new Grid(rows, columns, copy);
        }
    }

    private final DocumentModel document;
    private final ReadOnlyObjectProperty<ChatEngine> engine;
    private final WorkbenchStore store;
    private final Executor work;
    private final Executor analysis;
    private final Executor fx;
    private final ScheduledExecutorService timer;

    private final ObservableList<CellModel> cells = FXCollections.observableArrayList();
    private final IntegerProperty matrixColumns = new SimpleIntegerProperty();
    private final BooleanProperty running = new SimpleBooleanProperty();
    private final DoubleProperty progress = new SimpleDoubleProperty();
    private final StringProperty problem = new SimpleStringProperty();
    private final ObjectProperty<Grid> grid = new SimpleObjectProperty<>();
    private final ObservableList<WorkbenchStore.RunRecord> history = FXCollections.observableArrayList();
    private final ObservableList<WorkbenchStore.Version> versions = FXCollections.observableArrayList();
    private final IntegerProperty finishedRuns = new SimpleIntegerProperty();
    private volatile boolean cancelled;
    private volatile CellRunner current;

    /**
     * @param work     runs the model, one task at a time
     * @param analysis tokenizes and renders for the editor
     * @param fx       the UI thread ({@code Platform::runLater})
     * @param timer    paces streamed text (a {@link TokenPump})
     */
    public WorkbenchViewModel(DocumentModel document, ReadOnlyObjectProperty<ChatEngine> engine, WorkbenchStore store,
                              Executor work, Executor analysis, Executor fx, ScheduledExecutorService timer) {
        this.document = document;
        this.engine = engine;
        this.store = store;
        this.work = work;
        this.analysis = analysis;
        this.fx = fx;
        this.timer = timer;
        engine.subscribe((old, now) -> {
            if (old != now) {
                cancel();
            }
        });
        refreshStored();
    }

    public DocumentModel document() {
        return document;
    }

    public ReadOnlyObjectProperty<ChatEngine> engineProperty() {
        return engine;
    }

    public ObservableList<CellModel> cells() {
        return cells;
    }

    public IntegerProperty matrixColumnsProperty() {
        return matrixColumns;
    }

    public BooleanProperty runningProperty() {
        return running;
    }

    public DoubleProperty progressProperty() {
        return progress;
    }

    /** An error for a dialog, in words; the view clears it once shown. */
    public StringProperty problemProperty() {
        return problem;
    }

    public ObjectProperty<Grid> gridProperty() {
        return grid;
    }

    public ObservableList<WorkbenchStore.RunRecord> history() {
        return history;
    }

    public ObservableList<WorkbenchStore.Version> versions() {
        return versions;
    }

    /** Counts finished matrix and test runs (cancelled ones too), for automation and tests. */
    public IntegerProperty finishedRunsProperty() {
        return finishedRuns;
    }

    // ---- editor ----

    /** Token boundaries of a text for the loaded model, computed off the UI thread; NONE without a model. */
    public CompletableFuture<TokenBoundaries> boundaries(String text) {
        ChatEngine e = engine.get();
        if (e == null) {
            return CompletableFuture.completedFuture(TokenBoundaries.NONE);
        }
        return CompletableFuture.supplyAsync(() -> TokenBoundaries.of(e.model().tokenizer(), text), analysis);
    }

    /**
     * The exact text the model sees for a variant with the current values (unknown variables are left
     * as their placeholders and listed), with its token count including BOS.
     */
    public CompletableFuture<Rendered> render(DocumentModel.VariantModel variant) {
        ChatEngine e = engine.get();
        Map<String, String> values = document.valueMap();
        PromptVariant v;
        try {
            v = variant.variant();
        } catch (IllegalArgumentException ex) {
            return CompletableFuture.completedFuture(new Rendered("", 0, TokenBoundaries.NONE, Set.of(), List.of(),
                    ex.getMessage()));
        }
        return CompletableFuture.supplyAsync(() -> {
            Set<String> unknown = new java.util.LinkedHashSet<>();
            Map<String, String> filled = new LinkedHashMap<>(values);
            for (String name : v.variables()) {
                String value = values.get(name);
                if (value == null || value.isEmpty()) {
                    unknown.add(name);
                    filled.put(name, "{{" + name + "}}");
                }
            }
            PromptSuite.Prompt prompt = v.toPrompt();
            if (e == null) {
                if (prompt instanceof PromptSuite.TextPrompt t) {
                    String text = t.template().render(filled);
                    return new Rendered(text, 0, TokenBoundaries.NONE, unknown,
                            valueSpans(vals -> t.template().render(vals), filled, text), null);
                }
                return new Rendered("", 0, TokenBoundaries.NONE, unknown, List.of(), "no-model");
            }
            CellRunner runner = CellRunner.of(e);
            String text = runner.promptText(prompt, filled);
            int count = runner.promptTokens(text).length;
            return new Rendered(text, count, TokenBoundaries.of(e.model().tokenizer(), text), unknown,
                    valueSpans(vals -> runner.promptText(prompt, vals), filled, text), null);
        }, analysis);
    }

    private static final char MARK_START = '\uE000';
    private static final char MARK_END = '\uE001';
    private static final char MARK_NAME = '\uE100'; // + the variable's index

    /**
     * Where each value sits in the rendered text: the prompt is rendered again with every value wrapped
     * in private-use marker characters, which the markers' positions then give. When the template
     * changed the markers' text (so the unmarked text differs from {@code text}), nothing is marked.
     */
    static List<PromptTemplate.Placeholder> valueSpans(java.util.function.Function<Map<String, String>, String> render,
                                                       Map<String, String> values, String text) {
        List<String> names = List.copyOf(values.keySet());
        Map<String, String> marked = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            marked.put(names.get(i), "" + MARK_START + (char) (MARK_NAME + i) + values.get(names.get(i)) + MARK_END);
        }
        String withMarks;
        try {
            withMarks = render.apply(marked);
        } catch (RuntimeException ex) {
            return List.of();
        }
        List<PromptTemplate.Placeholder> spans = new ArrayList<>();
        StringBuilder plain = new StringBuilder();
        int start = -1;
        String name = null;
        for (int i = 0; i < withMarks.length(); i++) {
            char c = withMarks.charAt(i);
            if (c == MARK_START && i + 1 < withMarks.length()) {
                int index = withMarks.charAt(++i) - MARK_NAME;
                name = index >= 0 && index < names.size() ? names.get(index) : null;
                start = plain.length();
            } else if (c == MARK_END) {
                if (name != null && plain.length() > start) {
                    spans.add(new PromptTemplate.Placeholder(name, start, plain.length()));
                }
                name = null;
            } else {
                plain.append(c);
            }
        }
        return plain.toString().equals(text) ? spans : List.of();
    }

    /** Starts a new document from a starter template. */
    public void applyStarter(StarterTemplates.Starter starter) {
        document.load(new WorkbenchDocument(starter.key(), "", List.of(starter.variant()), starter.values(),
                List.of(new PromptSuite.Settings(0f, null, null, null, null, 1L, 128, List.of())), List.of()));
        refreshStored();
    }

    public void addVariant() {
        DocumentModel.VariantModel last = document.variants.isEmpty() ? null : document.variants.getLast();
        PromptVariant copy = last == null ? new PromptVariant(document.freeId(), true, "", List.of(), "")
                : new PromptVariant(document.freeId(), last.chat.get(), last.system.get(), last.variant().examples(),
                last.user.get());
        document.variants.add(new DocumentModel.VariantModel(copy));
    }

    public void addColumn() {
        PromptSuite.Settings base = PromptSuite.Settings.defaults();
        if (!document.columns.isEmpty()) {
            try {
                base = document.columns.getLast().settings();
            } catch (IllegalArgumentException e) {
                // a column with a typo is not copied
            }
        }
        document.columns.add(new DocumentModel.ColumnModel(base));
    }

    /** Adds a test case with the current values and no assertions. */
    public DocumentModel.TestModel addTest() {
        document.syncValues();
        Map<String, String> vars = new LinkedHashMap<>();
        document.values.stream().filter(r -> r.used.get()).forEach(r -> vars.put(r.name, r.value.get()));
        DocumentModel.TestModel t = new DocumentModel.TestModel(new PromptSuite.TestCase("", vars, List.of()));
        document.tests.add(t);
        return t;
    }

    // ---- run matrix ----

    /** Runs every variant with every sampling column, one cell after another, streaming into the cells. */
    public void runMatrix() {
        WorkbenchDocument doc = snapshotOrProblem();
        ChatEngine e = engineOrProblem();
        if (doc == null || e == null || running.get()) {
            return;
        }
        List<CellModel> next = new ArrayList<>();
        for (PromptVariant v : doc.variants()) {
            for (int c = 0; c < doc.columns().size(); c++) {
                next.add(new CellModel(v.id(), c));
            }
        }
        matrixColumns.set(doc.columns().size());
        cells.setAll(next);
        start();
        CellRunner runner = CellRunner.of(e);
        current = runner;
        work.execute(() -> {
            int done = 0;
            for (CellModel cell : next) {
                if (cancelled) {
                    fx.execute(() -> cell.state.set(CellState.CANCELLED));
                    continue;
                }
                runCell(e, runner, doc, cell);
                double p = ++done / (double) next.size();
                fx.execute(() -> progress.set(p));
            }
            fx.execute(this::finish);
        });
    }

    private void runCell(ChatEngine e, CellRunner runner, WorkbenchDocument doc, CellModel cell) {
        PromptVariant variant = doc.variants().stream().filter(v -> v.id().equals(cell.variantId)).findFirst().orElseThrow();
        TokenPump pump = new TokenPump(fx, timer, text -> cell.output.set(cell.output.get() + text));
        fx.execute(() -> cell.state.set(CellState.RUNNING));
        try {
            String prompt = runner.promptText(variant.toPrompt(), doc.values());
            CellRunner.CellResult r;
            synchronized (e) { // ChatEngine.close waits for this lock: the model stays loaded for the cell
                r = runner.run(prompt, SuiteRunner.samplingParams(doc.columns().get(cell.column)), pump::offer);
            }
            fx.execute(() -> {
                pump.drain();
                cell.output.set(r.output());
                cell.tokens.set(r.tokens());
                cell.meanLogprob.set(r.meanLogprob());
                cell.tokensPerSecond.set(r.tokensPerSecond());
                cell.probabilities.set(r.probabilities());
                cell.state.set(r.reason() == lucid.engine.inference.StopReason.CANCELLED ? CellState.CANCELLED
                        : CellState.DONE);
            });
        } catch (RuntimeException ex) {
            fx.execute(() -> {
                cell.error.set(ex.getMessage());
                cell.state.set(CellState.FAILED);
            });
        }
    }

    // ---- tests ----

    /** Saves the document as a version and runs its test cases against every variant. */
    public void runTests() {
        WorkbenchDocument doc = snapshotOrProblem();
        if (doc == null) {
            return;
        }
        WorkbenchStore.Version v = store.save(doc);
        refreshStored();
        runTests(v);
    }

    /** Runs the test cases of a saved version (an older one re-runs the suite as it was then). */
    public void runTests(WorkbenchStore.Version version) {
        ChatEngine e = engineOrProblem();
        if (e == null || running.get()) {
            return;
        }
        WorkbenchDocument doc;
        PromptSuite suite;
        try {
            doc = version.document();
            suite = doc.toSuite(0);
        } catch (IllegalArgumentException ex) {
            problem.set(ex.getMessage());
            return;
        }
        int tests = Math.max(1, suite.tests().size());
        List<String> rows = suite.prompts().stream().map(PromptSuite.Prompt::id).toList();
        List<String> columns = new ArrayList<>();
        for (int t = 0; t < tests; t++) {
            String d = suite.tests().isEmpty() ? "" : suite.tests().get(t).description();
            columns.add("#" + (t + 1) + (d.isBlank() ? "" : " " + d));
        }
        grid.set(new Grid(rows, columns, new GridCell[rows.size()][tests]));
        start();
        CellRunner runner = CellRunner.of(e);
        current = runner;
        String model = e.model().path().getFileName().toString();
        work.execute(() -> {
            List<WorkbenchStore.RunCell> stored = new ArrayList<>();
            int total = rows.size() * tests;
            try {
                synchronized (e) {
                    runner.suiteRunner().run(suite, r -> {
                        String reason = String.join("\n", r.assertions().stream().filter(a -> !a.passed())
                                .map(a -> a.type() + ": " + a.message()).toList());
                        stored.add(new WorkbenchStore.RunCell(r.promptId(), r.testIndex(), r.passed(), reason, r.output(),
                                r.tokens(), r.meanLogprob()));
                        int row = rows.indexOf(r.promptId());
                        GridCell cell = new GridCell(r.passed(), reason, r.output());
                        double p = stored.size() / (double) total;
                        fx.execute(() -> {
                            grid.set(grid.get().with(row, r.testIndex(), cell));
                            progress.set(p);
                        });
                    }, () -> cancelled);
                }
                WorkbenchStore.RunRecord record = store.saveRun(doc.name(), version.id(), model, stored);
                fx.execute(() -> {
                    if (doc.name().equals(document.name.get())) {
                        history.addFirst(record);
                    }
                });
            } catch (CancellationException ex) {
                // the grid keeps what ran; nothing is stored
            } catch (RuntimeException ex) {
                fx.execute(() -> problem.set(ex.getMessage()));
            }
            fx.execute(this::finish);
        });
    }

    /** Shows a stored run's grid. */
    public void showRun(WorkbenchStore.RunRecord run) {
        List<String> rows = new ArrayList<>();
        int tests = 0;
        for (WorkbenchStore.RunCell c : run.cells()) {
            if (!rows.contains(c.promptId())) {
                rows.add(c.promptId());
            }
            tests = Math.max(tests, c.testIndex() + 1);
        }
        List<String> columns = new ArrayList<>();
        for (int t = 0; t < tests; t++) {
            columns.add("#" + (t + 1));
        }
        GridCell[][] cells = new GridCell[rows.size()][tests];
        for (WorkbenchStore.RunCell c : run.cells()) {
            cells[rows.indexOf(c.promptId())][c.testIndex()] = new GridCell(c.passed(), c.reason(), c.output());
        }
        grid.set(new Grid(rows, columns, cells));
    }

    // ---- running ----

    private void start() {
        cancelled = false;
        progress.set(0);
        running.set(true);
    }

    private void finish() {
        current = null;
        finishedRuns.set(finishedRuns.get() + 1);
        running.set(false); // last: whoever watches it sees the finished run
    }

    /** Stops the run: the running cell ends where it is, the rest do not start. */
    public void cancel() {
        cancelled = true;
        CellRunner r = current;
        if (r != null) {
            r.cancel();
        }
    }

    private WorkbenchDocument snapshotOrProblem() {
        try {
            return document.snapshot();
        } catch (IllegalArgumentException e) {
            problem.set(e.getMessage());
            return null;
        }
    }

    private ChatEngine engineOrProblem() {
        ChatEngine e = engine.get();
        if (e == null) {
            problem.set("no-model");
        }
        return e;
    }

    // ---- versions and files ----

    /** Saves the document as a version (unless unchanged); returns it, or null with a problem set. */
    public WorkbenchStore.Version saveVersion() {
        WorkbenchDocument doc = snapshotOrProblem();
        if (doc == null) {
            return null;
        }
        WorkbenchStore.Version v = store.save(doc);
        refreshStored();
        return v;
    }

    /** Reloads the versions and run history of the document's name. */
    public void refreshStored() {
        versions.setAll(store.versions(document.name.get()));
        history.setAll(store.runs(document.name.get()));
    }

    /** Opens a saved version in the editor. */
    public void open(WorkbenchStore.Version v) {
        try {
            document.load(v.document());
        } catch (IllegalArgumentException e) {
            problem.set(e.getMessage());
        }
    }

    /** Names of saved documents, most recent first. */
    public List<String> savedNames() {
        return store.names();
    }

    /** Opens the latest version of a saved document. */
    public void openLatest(String name) {
        store.versions(name).stream().findFirst().ifPresent(v -> {
            open(v);
            refreshStored();
        });
    }

    public static List<LineDiff.Line> diff(WorkbenchStore.Version older, WorkbenchStore.Version newer) {
        return LineDiff.diff(older.content(), newer.content());
    }

    /**
     * Replaces the document with a suite file's prompts, settings and tests, or with a whole document
     * as {@link DocumentYaml} writes it.
     *
     * @throws IllegalArgumentException with the file and the place that is wrong
     */
    public void importSuite(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        String name = file.getFileName().toString().replaceFirst("\\.(ya?ml)$", "");
        WorkbenchDocument doc;
        try {
            // A whole workbench document (several sampling columns) has variants; a suite file has prompts.
            doc = text.lines().anyMatch(l -> l.startsWith("variants:")) ? DocumentYaml.read(text)
                    : WorkbenchDocument.fromSuite(name, SuiteYaml.parse(text));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file.getFileName() + ": " + e.getMessage(), e);
        }
        document.load(doc);
        refreshStored();
    }

    /**
     * Writes the document as a suite file (the first sampling column's settings).
     *
     * @throws IllegalArgumentException when the document has an error (a bad number or assertion)
     */
    public void exportSuite(Path file) throws IOException {
        Files.writeString(file, SuiteYaml.write(document.snapshot().toSuite(0)), StandardCharsets.UTF_8);
    }
}
