package lucid.app.visualize;

import java.util.List;
import java.util.concurrent.Executor;

import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.layout.Background;
import javafx.scene.layout.BackgroundFill;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.CornerRadii;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.stage.Window;

import lucid.app.settings.Messages;
import lucid.engine.inference.LoadedModel;
import lucid.engine.inspect.Alternative;

/**
 * Opens the logit lens of a token sequence in its own window: the grid, a side panel with the
 * top-k of the clicked cell, and the run's progress and Cancel.
 */
public final class LogitLensWindow {

    private LogitLensWindow() {
    }

    public static LabWindow open(Window owner, Messages messages, LoadedModel model, int[] tokens, Executor worker,
                                 Executor fx) {
        LogitLensViewModel vm = new LogitLensViewModel(messages, model, tokens, worker, fx);
        LogitLensGrid grid = new LogitLensGrid(vm);
        grid.setId("lens-grid");
        HBox.setHgrow(grid, Priority.ALWAYS);

        VBox side = new VBox(4);
        side.setId("lens-topk");
        side.getStyleClass().add("lens-topk");
        side.setPrefWidth(230);
        side.setMinWidth(230);
        // Open with the last position's output selected, so the panel shows something useful at once.
        vm.resultProperty().subscribe(r -> {
            if (r != null && vm.selectedLayerProperty().get() < 0) {
                vm.selectedPositionProperty().set(vm.size() - 1);
                vm.selectedLayerProperty().set(vm.layers() - 1);
            }
        });
        Runnable fill = () -> fillTopK(side, messages, vm);
        vm.selectedLayerProperty().subscribe(fill);
        vm.selectedPositionProperty().subscribe(fill);
        vm.resultProperty().subscribe(fill);
        messages.localeProperty().subscribe(fill);
        BorderPane view = new BorderPane(grid);
        view.setRight(side);
        BorderPane.setMargin(side, new Insets(0, 0, 0, 10));

        ProgressBar progress = new ProgressBar();
        progress.progressProperty().bind(vm.progressProperty());
        Button cancel = new Button();
        cancel.setId("lens-cancel");
        cancel.textProperty().bind(messages.bind("attention.cancel"));
        cancel.setOnAction(e -> vm.cancel());
        for (var n : List.of(progress, cancel)) {
            n.visibleProperty().bind(vm.runningProperty());
            n.managedProperty().bind(vm.runningProperty());
        }
        Button run = new Button();
        run.setId("lens-run");
        run.textProperty().bind(messages.bind("lab.run"));
        run.setOnAction(e -> vm.capture());
        run.visibleProperty().bind(vm.runningProperty().not().and(vm.resultProperty().isNull()));
        run.managedProperty().bind(run.visibleProperty());
        Label problem = new Label();
        problem.getStyleClass().add("attention-problem");
        problem.textProperty().bind(vm.problemProperty());
        HBox controls = new HBox(6, progress, cancel, run, problem);
        controls.setAlignment(Pos.CENTER_LEFT);

        LabWindow window = new LabWindow(owner, messages, "lens.title", "lens.help", view, controls, vm::csv, vm::json);
        window.stage().setOnHidden(e -> vm.cancel());
        window.readyProperty().bind(vm.resultProperty().isNotNull().and(vm.runningProperty().not()));
        window.show();
        vm.capture();
        return window;
    }

    /** The clicked cell's top-k, each with a bar as long as its probability. */
    private static void fillTopK(VBox side, Messages messages, LogitLensViewModel vm) {
        side.getChildren().clear();
        int l = vm.selectedLayerProperty().get();
        int p = vm.selectedPositionProperty().get();
        List<Alternative> top = vm.top(l, p);
        Label header = new Label(top.isEmpty() ? messages.get("lens.topk.none")
                : messages.get("lens.topk.header", l, p, TokenProbabilityViewModel.visible(vm.piece(p)), vm.emergesAt(p)));
        header.setId("lens-selected");
        header.setWrapText(true);
        header.getStyleClass().add("lens-topk-header");
        side.getChildren().add(header);
        for (int i = 0; i < top.size(); i++) {
            Alternative a = top.get(i);
            Label text = new Label((i + 1) + ". " + TokenProbabilityViewModel.visible(a.piece()) + "  "
                    + TokenProbabilityViewModel.percent(a.prob()));
            text.setId("lens-top-" + i);
            text.getStyleClass().add("lens-topk-item");
            Region bar = new Region();
            bar.getStyleClass().add("lens-topk-bar");
            bar.setMinHeight(3);
            bar.setMaxHeight(3);
            bar.setMaxWidth(Math.max(2, 210 * a.prob()));
            bar.setBackground(new Background(new BackgroundFill(ColorScale.viridis(a.prob()), new CornerRadii(2), null)));
            side.getChildren().add(new VBox(1, text, bar));
        }
    }
}
