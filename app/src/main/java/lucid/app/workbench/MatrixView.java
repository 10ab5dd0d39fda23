package lucid.app.workbench;

import java.util.Locale;

import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TextArea;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import lucid.app.settings.Messages;
import lucid.app.visualize.LabWindow;
import lucid.app.visualize.TokenProbabilityWindow;

/**
 * The run matrix: a card per variant × sampling column, streaming its output, with token count,
 * speed, mean log-probability and perplexity, and a button for the token probability overlay.
 * A matrix is a handful of cards, so each is a node.
 */
public final class MatrixView {

    private final WorkbenchViewModel vm;
    private final Messages messages;
    private final GridPane grid = new GridPane();
    private final BorderPane root = new BorderPane();
    private final Button run = new Button();

    MatrixView(WorkbenchViewModel vm, Messages messages) {
        this.vm = vm;
        this.messages = messages;
        run.setId("wb-run-matrix");
        run.textProperty().bind(messages.bind("wb.matrix.run"));
        run.getStyleClass().add("accent");
        run.setOnAction(e -> vm.runMatrix());
        run.disableProperty().bind(vm.runningProperty());
        Button cancel = new Button();
        cancel.setId("wb-cancel");
        cancel.textProperty().bind(messages.bind("wb.cancel"));
        cancel.setOnAction(e -> vm.cancel());
        cancel.disableProperty().bind(vm.runningProperty().not());
        ProgressBar progress = new ProgressBar();
        progress.progressProperty().bind(vm.progressProperty());
        progress.visibleProperty().bind(vm.runningProperty());
        Label hint = new Label();
        hint.textProperty().bind(messages.bind("wb.matrix.hint"));
        hint.getStyleClass().add("wb-muted");
        HBox bar = new HBox(8, run, cancel, progress, hint);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.setPadding(new Insets(6));
        grid.setHgap(8);
        grid.setVgap(8);
        grid.setPadding(new Insets(6));
        grid.setId("wb-matrix");
        ScrollPane scroll = new ScrollPane(grid);
        scroll.setFitToWidth(true);
        root.setTop(bar);
        root.setCenter(scroll);
        vm.cells().subscribe(this::rebuild);
    }

    public Node node() {
        return root;
    }

    public Button runButton() {
        return run;
    }

    private void rebuild() {
        grid.getChildren().clear();
        grid.getColumnConstraints().clear();
        int columns = Math.max(1, vm.matrixColumnsProperty().get());
        DocumentModel doc = vm.document();
        for (int c = 0; c < columns; c++) {
            ColumnConstraints cc = new ColumnConstraints();
            cc.setHgrow(Priority.ALWAYS);
            cc.setPercentWidth(100.0 / columns);
            grid.getColumnConstraints().add(cc);
            String label = c < doc.columns.size() ? doc.columns.get(c).label() : "";
            Label head = new Label(label);
            head.getStyleClass().add("wb-matrix-head");
            grid.add(head, c, 0);
        }
        int row = 0;
        String lastVariant = null;
        for (WorkbenchViewModel.CellModel cell : vm.cells()) {
            if (!cell.variantId.equals(lastVariant)) {
                row++;
                lastVariant = cell.variantId;
            }
            grid.add(card(cell), cell.column, row);
        }
    }

    private Node card(WorkbenchViewModel.CellModel cell) {
        Label title = new Label(cell.variantId);
        title.getStyleClass().add("wb-card-title");
        Label state = new Label();
        state.getStyleClass().add("wb-muted");
        TextArea output = new TextArea();
        output.setEditable(false);
        output.setWrapText(true);
        output.setPrefRowCount(3);
        output.textProperty().bind(cell.output);
        output.getStyleClass().add("wb-cell-output");
        Label stats = new Label();
        stats.getStyleClass().add("wb-cell-stats");
        stats.setWrapText(true);
        Button probs = new Button();
        probs.getStyleClass().add("small");
        probs.textProperty().bind(messages.bind("wb.matrix.probs"));
        probs.disableProperty().bind(cell.probabilities.isNull());
        probs.setOnAction(e -> openProbabilities(cell));
        Runnable update = () -> {
            state.setText(messages.get("wb.cell." + cell.state.get().name().toLowerCase(Locale.ROOT)));
            if (cell.state.get() == WorkbenchViewModel.CellState.FAILED) {
                stats.setText(cell.error.get());
            } else if (!Double.isNaN(cell.tokensPerSecond.get())) {
                stats.setText(messages.get("wb.cell.stats", cell.tokens.get(),
                        String.format(Locale.ROOT, "%.1f", cell.tokensPerSecond.get()),
                        String.format(Locale.ROOT, "%.3f", cell.meanLogprob.get()),
                        String.format(Locale.ROOT, "%.2f", cell.perplexity())));
            }
        };
        cell.state.subscribe(s -> update.run());
        HBox head = new HBox(8, title, state);
        head.setAlignment(Pos.CENTER_LEFT);
        HBox foot = new HBox(8, stats, probs);
        HBox.setHgrow(stats, Priority.ALWAYS);
        foot.setAlignment(Pos.CENTER_LEFT);
        VBox card = new VBox(4, head, output, foot);
        card.getStyleClass().add("wb-card");
        card.setId("wb-cell-" + cell.variantId + "-" + cell.column);
        card.setPadding(new Insets(6));
        return card;
    }

    /** Opens the token probability overlay of a finished cell. */
    public LabWindow openProbabilities(WorkbenchViewModel.CellModel cell) {
        if (cell.probabilities.get() == null) {
            return null;
        }
        return TokenProbabilityWindow.open(root.getScene() == null ? null : root.getScene().getWindow(), messages,
                cell.probabilities.get());
    }
}
