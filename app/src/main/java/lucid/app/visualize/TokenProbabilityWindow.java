package lucid.app.visualize;

import javafx.geometry.Pos;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.layout.HBox;
import javafx.stage.Window;

import lucid.app.chat.ReplyProbabilities;
import lucid.app.settings.Messages;

/** Opens a reply's token probability overlay in its own window, with the sampler-stage picker. */
public final class TokenProbabilityWindow {

    private static final String MODEL = "";

    private TokenProbabilityWindow() {
    }

    public static LabWindow open(Window owner, Messages messages, ReplyProbabilities probabilities) {
        return open(owner, messages, probabilities, null);
    }

    /** @param branching where a clicked alternative goes (a new branch of the reply); null for none */
    public static LabWindow open(Window owner, Messages messages, ReplyProbabilities probabilities,
                                 TokenProbabilityViewModel.Branching branching) {
        TokenProbabilityViewModel model = new TokenProbabilityViewModel(messages, probabilities);
        model.setBranching(branching);
        TokenProbabilityView view = new TokenProbabilityView(model);
        view.setId("token-probability-view");
        LabWindow window = new LabWindow(owner, messages, "probs.title", "probs.help", view, stagePicker(messages, model),
                model::csv, model::json);
        window.show();
        return window;
    }

    /** Model distribution, or the distribution after one of the recorded sampler stages. */
    private static HBox stagePicker(Messages messages, TokenProbabilityViewModel model) {
        ComboBox<String> stage = new ComboBox<>();
        stage.setId("probs-stage");
        stage.getItems().add(MODEL); // the model's own distribution
        stage.getItems().addAll(model.stages());
        stage.setValue(model.stageProperty().get() == null ? MODEL : model.stageProperty().get());
        stage.valueProperty().subscribe(v -> model.stageProperty().set(v == null || v.equals(MODEL) ? null : v));
        stage.setButtonCell(stageCell(messages));
        stage.setCellFactory(l -> stageCell(messages));
        stage.setDisable(model.stages().isEmpty());
        Label label = new Label();
        label.textProperty().bind(messages.bind("probs.stage"));
        HBox box = new HBox(6, label, stage);
        box.setAlignment(Pos.CENTER_LEFT);
        return box;
    }

    private static ListCell<String> stageCell(Messages messages) {
        return new ListCell<>() {
            @Override
            protected void updateItem(String item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty || item == null ? null : item.equals(MODEL) ? messages.get("probs.stage.model") : messages.get("probs.stage.after", item));
            }
        };
    }
}
