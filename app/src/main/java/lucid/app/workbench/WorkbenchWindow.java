package lucid.app.workbench;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import javafx.application.Platform;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.geometry.Insets;
import javafx.geometry.Orientation;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.SplitPane;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.scene.control.ToolBar;
import javafx.scene.control.cell.TextFieldTableCell;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.stage.Stage;
import javafx.stage.Window;

import lucid.app.chat.ChatEngine;
import lucid.app.common.DialogButtons;
import lucid.app.settings.Messages;

/**
 * The prompt workbench window: a toolbar (name, starter templates, saved documents, save version,
 * YAML import/export), the variants' editors beside the values and sampling columns, and tabs for
 * the run matrix, test cases and versions. It owns its executors and its connection to the
 * database, and closes them with the window.
 */
public final class WorkbenchWindow {

    private final Stage stage = new Stage();
    private final Messages messages;
    private final WorkbenchViewModel vm;
    private final WorkbenchStore store;
    private final ExecutorService work = daemon("lucid-workbench");
    private final ExecutorService analysis = daemon("lucid-workbench-tokens");
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lucid-workbench-timer");
        t.setDaemon(true);
        return t;
    });
    private final TabPane variantTabs = new TabPane();
    private final List<VariantEditor> editors = new ArrayList<>();
    private final MatrixView matrix;
    private final TestsView tests;
    private final VersionsView versions;
    private final TabPane bottom = new TabPane();
    private final String language;

    /**
     * @param dataDir  the folder of the chat's database, where versions are kept
     * @param language the UI language, which picks the starter templates' language
     */
    public WorkbenchWindow(Window owner, Messages messages, ReadOnlyObjectProperty<ChatEngine> engine, Path dataDir,
                           String language) {
        this.messages = messages;
        this.language = language;
        this.store = new WorkbenchStore(dataDir);
        StarterTemplates.Starter first = StarterTemplates.of("zero-shot", language);
        DocumentModel doc = new DocumentModel(new WorkbenchDocument("untitled", "", List.of(first.variant()),
                first.values(), List.of(new PromptSuite.Settings(0f, null, null, null, null, 1L, 128, List.of())),
                List.of()));
        vm = new WorkbenchViewModel(doc, engine, store, work, analysis, Platform::runLater, timer);
        matrix = new MatrixView(vm, messages);
        tests = new TestsView(vm, messages);
        versions = new VersionsView(vm, messages);
        createView(owner);
        initListeners();
    }

    private static ExecutorService daemon(String name) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    public WorkbenchViewModel viewModel() {
        return vm;
    }

    public Stage stage() {
        return stage;
    }

    public void show() {
        stage.show();
    }

    private void createView(Window owner) {
        stage.initOwner(owner);
        stage.titleProperty().bind(messages.bind("wb.title"));
        BorderPane root = new BorderPane();
        root.getStyleClass().add("workbench");
        root.setTop(toolbar());

        variantTabs.setId("wb-variants");
        variantTabs.setTabClosingPolicy(TabPane.TabClosingPolicy.ALL_TABS);
        Button addVariant = new Button("+");
        addVariant.setId("wb-add-variant");
        addVariant.setTooltip(new javafx.scene.control.Tooltip());
        addVariant.getTooltip().textProperty().bind(messages.bind("wb.variant.add"));
        addVariant.setOnAction(e -> vm.addVariant());
        addVariant.getStyleClass().add("small");
        // The "+" sits at the right end of the variants' tab row, where browsers put "new tab".
        javafx.scene.layout.StackPane left = new javafx.scene.layout.StackPane(variantTabs, addVariant);
        javafx.scene.layout.StackPane.setAlignment(addVariant, Pos.TOP_RIGHT);
        javafx.scene.layout.StackPane.setMargin(addVariant, new Insets(3, 6, 0, 0));

        SplitPane upper = new SplitPane(left, sidePanel());
        upper.setDividerPositions(0.64);

        Tab matrixTab = tab("wb.tab.matrix", matrix.node(), "wb-tab-matrix");
        Tab testsTab = tab("wb.tab.tests", tests.node(), "wb-tab-tests");
        Tab versionsTab = tab("wb.tab.versions", versions.node(), "wb-tab-versions");
        bottom.getTabs().addAll(matrixTab, testsTab, versionsTab);
        bottom.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        bottom.setId("wb-bottom");
        SplitPane main = new SplitPane(upper, bottom);
        main.setOrientation(Orientation.VERTICAL);
        main.setDividerPositions(0.52);
        root.setCenter(main);

        Scene scene = new Scene(root, 1280, 860);
        if (owner != null && owner.getScene() != null) {
            scene.getStylesheets().setAll(owner.getScene().getStylesheets());
            // Theme (the :dark state), language script and font size follow the main window, also later.
            Node ownerRoot = owner.getScene().getRoot();
            ownerRoot.getPseudoClassStates().forEach(c -> root.pseudoClassStateChanged(c, true));
            javafx.collections.SetChangeListener<javafx.css.PseudoClass> follow = c -> {
                if (c.wasAdded()) {
                    root.pseudoClassStateChanged(c.getElementAdded(), true);
                }
                if (c.wasRemoved()) {
                    root.pseudoClassStateChanged(c.getElementRemoved(), false);
                }
            };
            ownerRoot.getPseudoClassStates().addListener(follow);
            root.styleProperty().bind(ownerRoot.styleProperty());
            stage.addEventHandler(javafx.stage.WindowEvent.WINDOW_HIDDEN, e -> {
                ownerRoot.getPseudoClassStates().removeListener(follow);
                root.styleProperty().unbind();
            });
        }
        for (String css : List.of("lucid/ui/css/visualize.css", "lucid/ui/css/workbench.css")) {
            URL url = WorkbenchWindow.class.getClassLoader().getResource(css);
            if (url == null) {
                throw new IllegalStateException("stylesheet " + css + " is missing from ui-resources");
            }
            scene.getStylesheets().add(url.toExternalForm());
        }
        stage.setScene(scene);
        stage.setOnHidden(e -> close());
    }

    private ToolBar toolbar() {
        TextField name = new TextField();
        name.setId("wb-name");
        name.setPrefColumnCount(14);
        name.textProperty().bindBidirectional(vm.document().name);
        name.focusedProperty().subscribe(f -> {
            if (!f) {
                vm.refreshStored();
            }
        });
        MenuButton starters = new MenuButton();
        starters.setId("wb-starters");
        starters.textProperty().bind(messages.bind("wb.starters"));
        for (StarterTemplates.Starter s : StarterTemplates.all(language)) {
            MenuItem m = new MenuItem();
            m.setId("wb-starter-" + s.key());
            m.textProperty().bind(messages.bind("wb.starter." + s.key()));
            m.setOnAction(e -> vm.applyStarter(s));
            starters.getItems().add(m);
        }
        MenuButton open = new MenuButton();
        open.setId("wb-open");
        open.textProperty().bind(messages.bind("wb.open"));
        open.setOnShowing(e -> {
            open.getItems().clear();
            for (String n : vm.savedNames()) {
                MenuItem m = new MenuItem(n);
                m.setOnAction(a -> vm.openLatest(n));
                open.getItems().add(m);
            }
            if (open.getItems().isEmpty()) {
                MenuItem none = new MenuItem(messages.get("wb.versions.none"));
                none.setDisable(true);
                open.getItems().add(none);
            }
        });
        Button save = button("wb.save", vm::saveVersion);
        save.setId("wb-save");
        Button importYaml = button("wb.import", this::importYaml);
        importYaml.setId("wb-import");
        Button exportYaml = button("wb.export", this::exportYaml);
        exportYaml.setId("wb-export");
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        Label model = new Label();
        model.setId("wb-model");
        model.getStyleClass().add("wb-muted");
        vm.engineProperty().subscribe(e -> model.setText(e == null ? messages.get("wb.model.none")
                : messages.get("wb.model", e.model().path().getFileName(), e.format().name())));
        ToolBar bar = new ToolBar(label("wb.name"), name, starters, open, save, importYaml, exportYaml, spacer, model);
        bar.setId("wb-toolbar");
        return bar;
    }

    private Node sidePanel() {
        DocumentModel doc = vm.document();
        values = new TableView<>(doc.values);
        values.setId("wb-values");
        values.setEditable(true);
        values.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        TableColumn<DocumentModel.ValueRow, String> name = new TableColumn<>();
        name.textProperty().bind(messages.bind("wb.values.name"));
        name.setCellValueFactory(f -> new javafx.beans.property.SimpleStringProperty("{{" + f.getValue().name + "}}"));
        name.setCellFactory(c -> new javafx.scene.control.TableCell<>() {
            @Override
            protected void updateItem(String item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty ? null : item);
                DocumentModel.ValueRow row = empty || getTableRow() == null ? null : getTableRow().getItem();
                pseudoClassStateChanged(javafx.css.PseudoClass.getPseudoClass("unused"), row != null && !row.used.get());
                pseudoClassStateChanged(javafx.css.PseudoClass.getPseudoClass("unknown"),
                        row != null && row.used.get() && row.value.get().isEmpty());
            }
        });
        name.getStyleClass().add("wb-var-name");
        name.setPrefWidth(110);
        TableColumn<DocumentModel.ValueRow, String> value = new TableColumn<>();
        value.textProperty().bind(messages.bind("wb.values.value"));
        value.setCellValueFactory(f -> f.getValue().value);
        value.setCellFactory(TextFieldTableCell.forTableColumn());
        value.setOnEditCommit(e -> e.getRowValue().value.set(e.getNewValue()));
        values.getColumns().addAll(List.of(name, value));
        Label noVars = new Label();
        noVars.textProperty().bind(messages.bind("wb.values.none"));
        values.setPlaceholder(noVars);

        TableView<DocumentModel.ColumnModel> columns = new TableView<>(doc.columns);
        columns.setId("wb-columns");
        columns.setEditable(true);
        columns.setColumnResizePolicy(TableView.CONSTRAINED_RESIZE_POLICY_FLEX_LAST_COLUMN);
        columns.getColumns().add(settingColumn("wb.col.temperature", c -> c.temperature));
        columns.getColumns().add(settingColumn("wb.col.topP", c -> c.topP));
        columns.getColumns().add(settingColumn("wb.col.topK", c -> c.topK));
        columns.getColumns().add(settingColumn("wb.col.seed", c -> c.seed));
        columns.getColumns().add(settingColumn("wb.col.maxTokens", c -> c.maxTokens));
        Button addColumn = button("wb.col.add", vm::addColumn);
        addColumn.setId("wb-add-column");
        addColumn.getStyleClass().add("small");
        Button removeColumn = button("wb.col.remove", () -> {
            var s = columns.getSelectionModel().getSelectedItem();
            if (s != null && doc.columns.size() > 1) {
                doc.columns.remove(s);
            }
        });
        removeColumn.getStyleClass().add("small");
        HBox columnHead = new HBox(6, label("wb.columns"), addColumn, removeColumn);
        columnHead.setAlignment(Pos.CENTER_LEFT);
        VBox.setVgrow(values, Priority.ALWAYS);
        VBox.setVgrow(columns, Priority.ALWAYS);
        VBox side = new VBox(4, label("wb.values"), values, columnHead, columns);
        side.setPadding(new Insets(6));
        return side;
    }

    private TableColumn<DocumentModel.ColumnModel, String> settingColumn(String key,
            java.util.function.Function<DocumentModel.ColumnModel, javafx.beans.property.StringProperty> property) {
        TableColumn<DocumentModel.ColumnModel, String> c = new TableColumn<>();
        c.textProperty().bind(messages.bind(key));
        c.setCellValueFactory(f -> property.apply(f.getValue()));
        c.setCellFactory(TextFieldTableCell.forTableColumn());
        c.setOnEditCommit(e -> property.apply(e.getRowValue()).set(e.getNewValue().strip()));
        c.setSortable(false);
        return c;
    }

    private void initListeners() {
        DocumentModel doc = vm.document();
        doc.variants.subscribe(this::rebuildVariants);
        doc.values.subscribe(() -> {
            doc.values.forEach(r -> r.value.subscribe(v -> {
                editors.forEach(VariantEditor::valuesChanged);
                values.refresh(); // the name column flags empty values
            }));
            editors.forEach(VariantEditor::valuesChanged);
        });
        vm.problemProperty().subscribe(p -> {
            if (p != null) {
                vm.problemProperty().set(null);
                error(messages.get("wb.error.title"), "no-model".equals(p) ? messages.get("error.nomodel") : p);
            }
        });
        rebuildVariants();
    }

    private void rebuildVariants() {
        DocumentModel doc = vm.document();
        int selected = variantTabs.getSelectionModel().getSelectedIndex();
        variantTabs.getTabs().clear();
        editors.clear();
        for (DocumentModel.VariantModel v : doc.variants) {
            VariantEditor editor = new VariantEditor(vm, v, messages);
            editors.add(editor);
            Tab t = new Tab();
            t.textProperty().bind(v.id);
            t.setContent(editor.node());
            t.setOnCloseRequest(e -> {
                e.consume();
                if (doc.variants.size() > 1) {
                    doc.variants.remove(v);
                }
            });
            variantTabs.getTabs().add(t);
            editor.valuesChanged();
        }
        doc.syncValues();
        if (selected >= 0 && selected < variantTabs.getTabs().size()) {
            variantTabs.getSelectionModel().select(selected);
        }
        if (doc.variants.size() > editorsShown) {
            variantTabs.getSelectionModel().selectLast();
        }
        editorsShown = doc.variants.size();
    }

    private int editorsShown;
    private TableView<DocumentModel.ValueRow> values;

    private void importYaml() {
        FileChooser chooser = new FileChooser();
        chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter("YAML", "*.yaml", "*.yml"));
        File f = chooser.showOpenDialog(stage);
        if (f != null) {
            importSuite(f.toPath());
        }
    }

    /** Imports a suite file; a bad file gets an error dialog and leaves the document as it was. */
    public boolean importSuite(Path file) {
        try {
            vm.importSuite(file);
            return true;
        } catch (IOException | IllegalArgumentException e) {
            error(messages.get("wb.error.import"), e.getMessage());
            return false;
        }
    }

    private void exportYaml() {
        FileChooser chooser = new FileChooser();
        chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter("YAML", "*.yaml", "*.yml"));
        chooser.setInitialFileName(vm.document().name.get().replaceAll("[^\\p{L}\\p{N} _-]", "_") + ".yaml");
        File f = chooser.showSaveDialog(stage);
        if (f != null) {
            exportSuite(f.toPath());
        }
    }

    /** Exports the document as a suite file; a problem gets an error dialog. */
    public boolean exportSuite(Path file) {
        try {
            vm.exportSuite(file);
            return true;
        } catch (IOException | IllegalArgumentException e) {
            error(messages.get("wb.error.export"), e.getMessage());
            return false;
        }
    }

    private void error(String title, String text) {
        Alert a = new Alert(Alert.AlertType.ERROR, text, DialogButtons.ok(messages));
        a.initOwner(stage);
        a.setTitle(title);
        a.setHeaderText(title);
        a.getDialogPane().setId("wb-error-dialog");
        a.show();
    }

    // ---- for tests and automation ----

    public List<VariantEditor> editors() {
        return List.copyOf(editors);
    }

    public MatrixView matrix() {
        return matrix;
    }

    public TestsView tests() {
        return tests;
    }

    public VersionsView versions() {
        return versions;
    }

    /** Shows a bottom tab: 0 matrix, 1 tests, 2 versions. */
    public void showTab(int index) {
        bottom.getSelectionModel().select(index);
    }

    private Tab tab(String key, Node content, String id) {
        Tab t = new Tab(null, content);
        t.setId(id);
        t.textProperty().bind(messages.bind(key));
        return t;
    }

    private Label label(String key) {
        Label l = new Label();
        l.textProperty().bind(messages.bind(key));
        l.getStyleClass().add("wb-label");
        return l;
    }

    private Button button(String key, Runnable action) {
        Button b = new Button();
        b.textProperty().bind(messages.bind(key));
        b.setOnAction(e -> action.run());
        return b;
    }

    private void close() {
        vm.cancel();
        work.shutdown();
        analysis.shutdown();
        timer.shutdownNow();
        // The run stops at its next token; the store closes once it has recorded nothing more.
        Thread.ofVirtual().start(() -> {
            try {
                work.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            store.close();
        });
    }
}
