package lucid.app.workbench;

import java.time.Instant;
import java.util.Set;

import javafx.beans.property.SimpleStringProperty;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.control.cell.TextFieldTableCell;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import lucid.app.settings.Messages;

/**
 * Test cases: a table of variable values with the selected case's assertions edited beside it,
 * "Run all", the pass/fail grid (variant × test case) and the history of runs; picking a past run
 * shows its grid.
 */
public final class TestsView {

    private final WorkbenchViewModel vm;
    private final Messages messages;
    private final TableView<DocumentModel.TestModel> table;
    private final TextField description = new TextField();
    private final TextArea assertions = new TextArea();
    private final Label assertionError = new Label();
    private final PassFailGrid grid = new PassFailGrid();
    private final Label summary = new Label();
    private final ListView<WorkbenchStore.RunRecord> history;
    private final SplitPane root;
    private final Button runAll = new Button();
    private DocumentModel.TestModel editing;

    TestsView(WorkbenchViewModel vm, Messages messages) {
        this.vm = vm;
        this.messages = messages;
        DocumentModel doc = vm.document();
        table = new TableView<>(doc.tests);
        table.setId("wb-tests");
        table.setEditable(true);
        Label none = new Label();
        none.textProperty().bind(messages.bind("wb.tests.none"));
        table.setPlaceholder(none);
        doc.values.subscribe(this::rebuildColumns);

        Button add = button("wb.tests.add", () -> table.getSelectionModel().select(vm.addTest()));
        add.setId("wb-add-test");
        Button remove = button("wb.tests.remove", () -> {
            var t = table.getSelectionModel().getSelectedItem();
            if (t != null) {
                doc.tests.remove(t);
            }
        });
        runAll.setId("wb-run-tests");
        runAll.textProperty().bind(messages.bind("wb.tests.run"));
        runAll.getStyleClass().add("accent");
        runAll.setOnAction(e -> vm.runTests());
        runAll.disableProperty().bind(vm.runningProperty());
        Button cancel = button("wb.cancel", vm::cancel);
        cancel.disableProperty().bind(vm.runningProperty().not());
        ProgressBar progress = new ProgressBar();
        progress.progressProperty().bind(vm.progressProperty());
        progress.visibleProperty().bind(vm.runningProperty());
        HBox bar = new HBox(6, add, remove, runAll, cancel, progress);
        bar.setAlignment(Pos.CENTER_LEFT);

        description.setId("wb-test-description");
        description.promptTextProperty().bind(messages.bind("wb.tests.description"));
        assertions.setId("wb-test-assertions");
        assertions.setPrefRowCount(4);
        assertions.promptTextProperty().bind(messages.bind("wb.tests.assertions.prompt"));
        assertionError.getStyleClass().add("wb-error");
        assertionError.setWrapText(true);
        Label syntax = new Label();
        syntax.textProperty().bind(messages.bind("wb.tests.syntax"));
        syntax.getStyleClass().add("wb-muted");
        syntax.setWrapText(true);
        syntax.setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);
        VBox editor = new VBox(4, description, assertions, assertionError, syntax);
        editor.disableProperty().bind(table.getSelectionModel().selectedItemProperty().isNull());
        VBox.setVgrow(table, Priority.ALWAYS);
        VBox left = new VBox(6, bar, table, editor);
        left.setPadding(new Insets(6));

        grid.setId("wb-pass-fail");
        grid.gridProperty().bind(vm.gridProperty());
        summary.setId("wb-tests-summary");
        vm.gridProperty().subscribe(this::summarize);
        history = new ListView<>(vm.history());
        history.setId("wb-history");
        history.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(WorkbenchStore.RunRecord r, boolean empty) {
                super.updateItem(r, empty);
                setText(empty || r == null ? null : messages.get("wb.history.item",
                        VersionsView.TIME.format(Instant.ofEpochMilli(r.createdAt())), r.model(), r.passed(), r.total(),
                        "v" + r.versionId()));
            }
        });
        Label noHistory = new Label();
        noHistory.textProperty().bind(messages.bind("wb.history.none"));
        history.setPlaceholder(noHistory);
        history.getSelectionModel().selectedItemProperty().subscribe(r -> {
            if (r != null && !vm.runningProperty().get()) {
                vm.showRun(r);
            }
        });
        ScrollPane gridScroll = new ScrollPane(grid);
        gridScroll.setFitToHeight(true);
        gridScroll.minViewportHeightProperty().bind(javafx.beans.binding.Bindings.createDoubleBinding(
                () -> Math.min(260, grid.prefHeight(-1)), vm.gridProperty()));
        history.setPrefHeight(120);
        VBox.setVgrow(gridScroll, Priority.ALWAYS);
        VBox right = new VBox(6, label("wb.tests.grid"), summary, gridScroll, label("wb.history"), history);
        right.setPadding(new Insets(6));
        root = new SplitPane(left, right);
        root.setDividerPositions(0.55);

        table.getSelectionModel().selectedItemProperty().subscribe(this::edit);
        assertions.textProperty().addListener((o, a, t) -> {
            if (editing != null) {
                editing.assertions.set(t);
                checkAssertions(t);
            }
        });
        description.textProperty().addListener((o, a, t) -> {
            if (editing != null) {
                editing.description.set(t);
            }
        });
    }

    public Node node() {
        return root;
    }

    public PassFailGrid grid() {
        return grid;
    }

    public TableView<DocumentModel.TestModel> table() {
        return table;
    }

    public TextArea assertionsArea() {
        return assertions;
    }

    public ListView<WorkbenchStore.RunRecord> historyList() {
        return history;
    }

    private void edit(DocumentModel.TestModel t) {
        editing = null;
        description.setText(t == null ? "" : t.description.get());
        assertions.setText(t == null ? "" : t.assertions.get());
        editing = t;
        checkAssertions(assertions.getText());
    }

    private void checkAssertions(String text) {
        try {
            AssertionText.parse(text);
            assertionError.setText("");
        } catch (IllegalArgumentException e) {
            assertionError.setText(e.getMessage());
        }
    }

    private void summarize(WorkbenchViewModel.Grid g) {
        if (g == null) {
            summary.setText("");
            return;
        }
        int passed = 0;
        int failed = 0;
        for (WorkbenchViewModel.GridCell[] row : g.cells()) {
            for (WorkbenchViewModel.GridCell c : row) {
                if (c != null) {
                    if (c.passed()) {
                        passed++;
                    } else {
                        failed++;
                    }
                }
            }
        }
        summary.setText(messages.get("wb.tests.summary", passed, failed));
    }

    private void rebuildColumns() {
        table.getColumns().clear();
        TableColumn<DocumentModel.TestModel, String> number = new TableColumn<>("#");
        number.setCellValueFactory(f -> new SimpleStringProperty(String.valueOf(table.getItems().indexOf(f.getValue()) + 1)));
        number.setPrefWidth(36);
        number.setSortable(false);
        table.getColumns().add(number);
        Set<String> variables = vm.document().variables();
        for (String name : variables) {
            TableColumn<DocumentModel.TestModel, String> c = new TableColumn<>("{{" + name + "}}");
            c.setCellValueFactory(f -> new SimpleStringProperty(f.getValue().vars.getOrDefault(name, "")));
            c.setCellFactory(TextFieldTableCell.forTableColumn());
            c.setOnEditCommit(e -> e.getRowValue().vars.put(name, e.getNewValue()));
            c.setPrefWidth(140);
            c.setSortable(false);
            table.getColumns().add(c);
        }
        TableColumn<DocumentModel.TestModel, String> checks = new TableColumn<>();
        checks.textProperty().bind(messages.bind("wb.tests.assertions"));
        checks.setCellValueFactory(f -> f.getValue().assertions);
        checks.setPrefWidth(220);
        checks.setSortable(false);
        table.getColumns().add(checks);
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
}
