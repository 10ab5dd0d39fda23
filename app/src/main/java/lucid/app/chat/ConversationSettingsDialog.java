package lucid.app.chat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import javafx.scene.control.Button;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.control.TextInputDialog;
import javafx.scene.layout.GridPane;
import javafx.stage.Window;
import javafx.util.StringConverter;

import lucid.app.common.DialogButtons;
import lucid.app.settings.Messages;

/**
 * System prompt, sampling, context length and overflow policy of one conversation; presets fill the
 * sampling fields, personas also the system prompt, and the current values can be saved as a preset.
 */
public final class ConversationSettingsDialog {

    private final Messages messages;
    private final List<Preset> userPresets;
    private final Consumer<Preset> savePreset;

    public ConversationSettingsDialog(Messages messages, List<Preset> userPresets, Consumer<Preset> savePreset) {
        this.messages = messages;
        this.userPresets = userPresets;
        this.savePreset = savePreset;
    }

    /** Shows the dialog; the new settings, or null when cancelled. */
    public ConversationSettings show(Window owner, ConversationSettings current) {
        Dialog<ConversationSettings> d = new Dialog<>();
        d.initOwner(owner);
        d.setTitle(messages.get("csettings.title"));
        TextArea system = new TextArea(current.systemPrompt());
        system.setId("system-prompt");
        system.setWrapText(true);
        system.setPrefRowCount(3);
        TextField temperature = field("temperature", Float.toString(current.temperature()));
        TextField topK = field("top-k", Integer.toString(current.topK()));
        TextField topP = field("top-p", Float.toString(current.topP()));
        TextField minP = field("min-p", Float.toString(current.minP()));
        TextField repeat = field("repeat-penalty", Float.toString(current.repeatPenalty()));
        TextField seed = field("seed", Long.toString(current.seed()));
        TextField maxTokens = field("max-tokens", Integer.toString(current.maxTokens()));
        TextField stops = field("stop-strings", String.join(" | ", current.stopStrings()));
        TextField context = field("context-length", Integer.toString(current.contextLength()));
        ComboBox<OverflowPolicy> overflow = new ComboBox<>();
        overflow.getItems().setAll(OverflowPolicy.values());
        overflow.setValue(current.overflow());
        overflow.setConverter(converter(p -> messages.get("overflow." + p.name().toLowerCase(java.util.Locale.ROOT))));
        List<Preset> all = new ArrayList<>(Presets.SAMPLING);
        all.addAll(Presets.PERSONAS);
        all.addAll(userPresets);
        ComboBox<Preset> preset = new ComboBox<>();
        preset.setId("preset");
        preset.getItems().setAll(all);
        preset.setConverter(converter(p -> (Presets.PERSONAS.contains(p) ? "👤 " : "") + p.name()));
        preset.setPromptText(current.preset().isEmpty() ? messages.get("csettings.preset") : current.preset());
        preset.setOnAction(e -> {
            Preset p = preset.getValue();
            if (p == null) {
                return;
            }
            temperature.setText(Float.toString(p.temperature()));
            topK.setText(Integer.toString(p.topK()));
            topP.setText(Float.toString(p.topP()));
            minP.setText(Float.toString(p.minP()));
            repeat.setText(Float.toString(p.repeatPenalty()));
            if (!p.systemPrompt().isBlank()) {
                system.setText(p.systemPrompt());
            }
        });
        Label error = new Label();
        error.getStyleClass().add("danger");
        GridPane g = new GridPane();
        g.setHgap(10);
        g.setVgap(6);
        int r = 0;
        g.addRow(r++, label("csettings.preset"), preset);
        g.addRow(r++, label("csettings.system"), system);
        g.addRow(r++, label("csettings.temperature"), temperature);
        g.addRow(r++, label("csettings.topk"), topK);
        g.addRow(r++, label("csettings.topp"), topP);
        g.addRow(r++, label("csettings.minp"), minP);
        g.addRow(r++, label("csettings.repeat"), repeat);
        g.addRow(r++, label("csettings.seed"), seed);
        g.addRow(r++, label("csettings.max"), maxTokens);
        g.addRow(r++, label("csettings.stops"), stops);
        g.addRow(r++, label("csettings.context"), context);
        g.addRow(r++, label("csettings.overflow"), overflow);
        g.add(error, 0, r, 2, 1);
        d.getDialogPane().setContent(g);
        ButtonType save = new ButtonType(messages.get("csettings.apply"), ButtonBar.ButtonData.OK_DONE);
        ButtonType asPreset = new ButtonType(messages.get("csettings.savepreset"), ButtonBar.ButtonData.LEFT);
        d.getDialogPane().getButtonTypes().addAll(asPreset, save, DialogButtons.cancel(messages));
        ConversationSettings[] parsed = new ConversationSettings[1];
        Runnable parse = () -> {
            List<String> stopList = Arrays.stream(stops.getText().split("\\|")).map(String::strip)
                    .filter(s -> !s.isEmpty()).toList();
            parsed[0] = new ConversationSettings(system.getText(), Float.parseFloat(temperature.getText().strip()),
                    Integer.parseInt(topK.getText().strip()), Float.parseFloat(topP.getText().strip()),
                    Float.parseFloat(minP.getText().strip()), Float.parseFloat(repeat.getText().strip()),
                    Long.parseLong(seed.getText().strip()), Integer.parseInt(maxTokens.getText().strip()), stopList,
                    Integer.parseInt(context.getText().strip()),
                    preset.getValue() == null ? current.preset() : preset.getValue().name(), overflow.getValue());
        };
        // Invalid numbers keep the dialog open and say what is wrong.
        for (ButtonType type : List.of(save, asPreset)) {
            Button b = (Button) d.getDialogPane().lookupButton(type);
            b.addEventFilter(javafx.event.ActionEvent.ACTION, e -> {
                try {
                    parse.run();
                    if (type == asPreset) {
                        e.consume();
                        TextInputDialog name = new TextInputDialog();
                        name.initOwner(d.getDialogPane().getScene().getWindow());
                        name.setHeaderText(messages.get("csettings.presetname"));
                        name.showAndWait().filter(n -> !n.isBlank()).ifPresent(n -> {
                            Preset p = Preset.from(n.strip(), parsed[0]);
                            savePreset.accept(p);
                            preset.getItems().add(p);
                        });
                    }
                } catch (IllegalArgumentException ex) {
                    error.setText(messages.get("csettings.invalid", ex.getMessage()));
                    e.consume();
                }
            });
        }
        d.setResultConverter(b -> b == save ? parsed[0] : null);
        return d.showAndWait().orElse(null);
    }

    private Label label(String key) {
        Label l = new Label(messages.get(key));
        l.setMinWidth(Label.USE_PREF_SIZE);
        return l;
    }

    private static TextField field(String id, String value) {
        TextField f = new TextField(value);
        f.setId(id);
        return f;
    }

    private static <T> StringConverter<T> converter(java.util.function.Function<T, String> f) {
        return new StringConverter<>() {
            @Override
            public String toString(T t) {
                return t == null ? "" : f.apply(t);
            }

            @Override
            public T fromString(String s) {
                return null;
            }
        };
    }
}
