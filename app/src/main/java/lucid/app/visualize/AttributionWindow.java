package lucid.app.visualize;

import java.util.List;
import java.util.concurrent.Executor;

import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.layout.HBox;
import javafx.stage.Window;

import lucid.app.settings.Messages;
import lucid.engine.inference.LoadedModel;

/** Opens the occlusion attribution of a reply in its own window, with the computation's progress and Cancel. */
public final class AttributionWindow {

    private AttributionWindow() {
    }

    /**
     * @param promptLength where the reply starts in {@code tokens}
     * @param target       a reply position to explain right away, or -1 to wait for the user's click
     */
    public static LabWindow open(Window owner, Messages messages, LoadedModel model, int[] tokens, int promptLength,
                                 int target, Executor worker, Executor fx) {
        AttributionViewModel vm = new AttributionViewModel(messages, model, tokens, promptLength, worker, fx);
        AttributionView view = new AttributionView(vm);
        view.setId("attribution-view");

        ProgressBar progress = new ProgressBar();
        progress.progressProperty().bind(vm.progressProperty());
        Button cancel = new Button();
        cancel.setId("attribution-cancel");
        cancel.textProperty().bind(messages.bind("attention.cancel"));
        cancel.setOnAction(e -> vm.cancel());
        for (var n : List.of(progress, cancel)) {
            n.visibleProperty().bind(vm.runningProperty());
            n.managedProperty().bind(vm.runningProperty());
        }
        Label problem = new Label();
        problem.getStyleClass().add("attention-problem");
        problem.textProperty().bind(vm.problemProperty());
        HBox controls = new HBox(6, progress, cancel, problem);
        controls.setAlignment(Pos.CENTER_LEFT);

        LabWindow window = new LabWindow(owner, messages, "attribution.title", "attribution.help", view, controls,
                vm::csv, vm::json);
        window.stage().setOnHidden(e -> vm.cancel());
        window.readyProperty().bind(vm.runningProperty().not());
        window.show();
        if (target >= 0) {
            vm.select(target, target);
        }
        return window;
    }
}
