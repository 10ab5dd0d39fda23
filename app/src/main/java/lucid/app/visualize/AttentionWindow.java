package lucid.app.visualize;

import java.util.concurrent.Executor;

import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ProgressBar;
import javafx.scene.layout.HBox;
import javafx.stage.Window;

import lucid.app.settings.Messages;
import lucid.engine.inference.LoadedModel;

/**
 * Opens the attention heatmap of a token sequence in its own window: layer and head pickers (with
 * the mean and maximum over heads, and each head's KV head under grouped-query attention), the
 * capture's progress and Cancel.
 */
public final class AttentionWindow {

    private AttentionWindow() {
    }

    public static LabWindow open(Window owner, Messages messages, LoadedModel model, int[] tokens, Executor worker,
                                 Executor fx) {
        AttentionViewModel vm = new AttentionViewModel(model, tokens, worker, fx);
        AttentionHeatmap heatmap = new AttentionHeatmap(vm);
        heatmap.setId("attention-heatmap");

        ComboBox<Integer> layer = new ComboBox<>();
        layer.setId("attention-layer");
        for (int l = 0; l < model.config().blockCount(); l++) {
            layer.getItems().add(l);
        }
        layer.setValue(vm.layerProperty().get());
        layer.valueProperty().subscribe(l -> {
            if (l != null) {
                vm.layerProperty().set(l);
            }
        });
        layer.setButtonCell(cell(messages, "attention.layer.item", false, vm));
        layer.setCellFactory(l -> cell(messages, "attention.layer.item", false, vm));

        ComboBox<Integer> head = new ComboBox<>();
        head.setId("attention-head");
        head.getItems().addAll(AttentionViewModel.MEAN, AttentionViewModel.MAX);
        for (int h = 0; h < model.config().headCount(); h++) {
            head.getItems().add(h);
        }
        head.setValue(vm.headProperty().get());
        head.valueProperty().subscribe(h -> {
            if (h != null) {
                vm.headProperty().set(h);
            }
        });
        head.setButtonCell(cell(messages, null, true, vm));
        head.setCellFactory(l -> cell(messages, null, true, vm));

        ProgressBar progress = new ProgressBar();
        progress.progressProperty().bind(vm.progressProperty());
        Button cancel = new Button();
        cancel.setId("attention-cancel");
        cancel.textProperty().bind(messages.bind("attention.cancel"));
        cancel.setOnAction(e -> vm.cancel());
        for (var n : java.util.List.of(progress, cancel)) {
            n.visibleProperty().bind(vm.runningProperty());
            n.managedProperty().bind(vm.runningProperty());
        }
        Label problem = new Label();
        problem.getStyleClass().add("attention-problem");
        problem.textProperty().bind(vm.problemProperty());
        HBox controls = new HBox(6, layer, head, progress, cancel, problem);
        controls.setAlignment(Pos.CENTER_LEFT);

        LabWindow window = new LabWindow(owner, messages, "attention.title", "attention.help", heatmap, controls,
                vm::csv, vm::json);
        window.stage().setOnHidden(e -> vm.cancel());
        window.readyProperty().bind(vm.matrixProperty().isNotNull().and(vm.runningProperty().not()));
        window.show();
        return window;
    }

    private static ListCell<Integer> cell(Messages messages, String key, boolean isHead, AttentionViewModel vm) {
        return new ListCell<>() {
            @Override
            protected void updateItem(Integer item, boolean empty) {
                super.updateItem(item, empty);
                if (empty || item == null) {
                    setText(null);
                } else if (!isHead) {
                    setText(messages.get(key, item));
                } else if (item == AttentionViewModel.MEAN) {
                    setText(messages.get("attention.head.mean"));
                } else if (item == AttentionViewModel.MAX) {
                    setText(messages.get("attention.head.max"));
                } else {
                    setText(messages.get("attention.head.item", item, vm.kvHeadOf(item)));
                }
            }
        };
    }
}
