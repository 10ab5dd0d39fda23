package lucid.app.visualize;

import java.util.concurrent.Executor;

import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.layout.HBox;
import javafx.stage.Window;

import lucid.app.settings.Messages;
import lucid.engine.inference.LoadedModel;

/** Opens the model view (every layer × head as a thumbnail) of a token sequence in its own window. */
public final class ModelGridWindow {

    private ModelGridWindow() {
    }

    /**
     * @param pick where a clicked thumbnail goes; null opens a heatmap window on that layer and head
     */
    public static LabWindow open(Window owner, Messages messages, LoadedModel model, int[] tokens, Executor worker,
                                 Executor fx, ModelGridViewModel.Pick pick) {
        ModelGridViewModel vm = new ModelGridViewModel(model, tokens, worker, fx);
        LabWindow window = open(owner, messages, vm);
        if (pick == null) {
            vm.setOnPick((layer, head) -> {
                AttentionViewModel attention = new AttentionViewModel(model, tokens, worker, fx);
                attention.layerProperty().set(layer);
                attention.headProperty().set(head);
                AttentionWindow.open(window.stage(), messages, attention);
            });
        } else {
            vm.setOnPick(pick);
        }
        return window;
    }

    /** The model view of {@code vm}; its capture starts at once. Set where picks go on {@code vm}. */
    public static LabWindow open(Window owner, Messages messages, ModelGridViewModel vm) {
        int layers = vm.config().blockCount();
        ModelGrid grid = new ModelGrid(vm);
        grid.setId("model-grid");

        ProgressBar progress = new ProgressBar();
        progress.progressProperty().bind(vm.progressProperty());
        Button cancel = new Button();
        cancel.setId("model-grid-cancel");
        cancel.textProperty().bind(messages.bind("attention.cancel"));
        cancel.setOnAction(e -> vm.cancel());
        Button resume = new Button();
        resume.setId("model-grid-capture");
        resume.textProperty().bind(messages.bind("model.grid.capture"));
        resume.setOnAction(e -> vm.capture());
        resume.visibleProperty().bind(vm.runningProperty().not()
                .and(vm.capturedLayersProperty().lessThan(layers)));
        resume.managedProperty().bind(resume.visibleProperty());
        for (var n : java.util.List.of(progress, cancel)) {
            n.visibleProperty().bind(vm.runningProperty());
            n.managedProperty().bind(vm.runningProperty());
        }
        Label problem = new Label();
        problem.getStyleClass().add("attention-problem");
        problem.textProperty().bind(vm.problemProperty());
        HBox controls = new HBox(6, progress, cancel, resume, problem);
        controls.setAlignment(Pos.CENTER_LEFT);

        LabWindow window = new LabWindow(owner, messages, "model.grid.title", "model.grid.help", grid, controls,
                vm::csv, vm::json);
        window.stage().setOnHidden(e -> vm.cancel());
        window.readyProperty().bind(vm.capturedLayersProperty().isEqualTo(layers)
                .and(vm.runningProperty().not()));
        window.show();
        vm.capture();
        return window;
    }
}
