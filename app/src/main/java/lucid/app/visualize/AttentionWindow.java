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
        return open(owner, messages, new AttentionViewModel(model, tokens, worker, fx));
    }

    /** The heatmap of a view-model set up by the caller (a layer and head picked in the model view). */
    public static LabWindow open(Window owner, Messages messages, AttentionViewModel vm) {
        AttentionHeatmap heatmap = new AttentionHeatmap(vm);
        heatmap.setId("attention-heatmap");
        // Clicking a query row spells its attention out as bars over the text, under the map.
        AttentionText bars = new AttentionText(vm, AttentionText.Style.BARS);
        bars.setId("attention-bars");
        bars.setPrefHeight(170);
        bars.visibleProperty().bind(vm.selectedQueryProperty().greaterThanOrEqualTo(0));
        bars.managedProperty().bind(bars.visibleProperty());
        javafx.scene.layout.VBox content = new javafx.scene.layout.VBox(6, heatmap, bars);
        javafx.scene.layout.VBox.setVgrow(heatmap, javafx.scene.layout.Priority.ALWAYS);

        HBox controls = controls(messages, vm);
        Button textView = new Button();
        textView.setId("attention-open-text");
        textView.textProperty().bind(messages.bind("attention.text.open"));
        Button modelView = new Button();
        modelView.setId("attention-open-grid");
        modelView.textProperty().bind(messages.bind("model.grid.open"));
        controls.getChildren().addAll(2, java.util.List.of(textView, modelView));
        LabWindow window = new LabWindow(owner, messages, "attention.title", "attention.help", content,
                controls, vm::csv, vm::json);
        textView.setOnAction(e -> AttentionTextWindow.open(window.stage(), messages, vm));
        modelView.setOnAction(e -> {
            ModelGridViewModel grid = vm.modelGrid();
            // A thumbnail picked there is shown here.
            grid.setOnPick((layer, head) -> {
                vm.layerProperty().set(layer);
                vm.headProperty().set(head);
                window.stage().toFront();
            });
            ModelGridWindow.open(window.stage(), messages, grid);
        });
        window.stage().setOnHidden(e -> vm.cancel());
        window.readyProperty().bind(vm.matrixProperty().isNotNull().and(vm.runningProperty().not()));
        window.show();
        return window;
    }

    /** Layer and head pickers, the capture's progress, Cancel and the problem line of {@code vm}. */
    static HBox controls(Messages messages, AttentionViewModel vm) {
        var model = vm.config();
        ComboBox<Integer> layer = new ComboBox<>();
        layer.setId("attention-layer");
        for (int l = 0; l < model.blockCount(); l++) {
            layer.getItems().add(l);
        }
        layer.setValue(vm.layerProperty().get());
        vm.layerProperty().subscribe(l -> layer.setValue(l.intValue()));
        layer.valueProperty().subscribe(l -> {
            if (l != null) {
                vm.layerProperty().set(l);
            }
        });
        layer.setButtonCell(cell(messages, "attention.layer.item", false, vm));
        layer.setCellFactory(l -> cell(messages, "attention.layer.item", false, vm));

        ComboBox<Integer> head = new ComboBox<>();
        head.setId("attention-head");
        head.getItems().addAll(AttentionViewModel.MEAN, AttentionViewModel.MAX, AttentionViewModel.ROLLOUT);
        for (int h = 0; h < model.headCount(); h++) {
            head.getItems().add(h);
        }
        head.setValue(vm.headProperty().get());
        vm.headProperty().subscribe(h -> head.setValue(h.intValue()));
        head.valueProperty().subscribe(h -> {
            if (h != null) {
                vm.headProperty().set(h);
            }
        });
        // Rollout mixes every layer: there is no layer to pick.
        layer.disableProperty().bind(vm.headProperty().isEqualTo(AttentionViewModel.ROLLOUT));
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
        return controls;
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
                } else if (item == AttentionViewModel.ROLLOUT) {
                    setText(messages.get("attention.head.rollout"));
                } else {
                    setText(messages.get("attention.head.item", item, vm.kvHeadOf(item)));
                }
            }
        };
    }
}
