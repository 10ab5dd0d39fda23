package lucid.app.settings;

import java.io.File;
import java.util.List;

import javafx.scene.control.Button;
import javafx.scene.control.ButtonType;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.stage.DirectoryChooser;
import javafx.stage.Window;
import javafx.util.StringConverter;

import atlantafx.base.theme.Styles;

import lucid.app.common.DialogButtons;

/**
 * Language, theme, font size, models folder and arithmetic. Changes apply at once, so the user sees
 * them; the dialog's own text follows a change of language while it is open.
 */
public final class SettingsDialog {

    /** The languages with a bundle, by tag, each named in its own language. */
    public static final List<String> LANGUAGES = List.of("en", "zh-CN");

    private final SettingsViewModel vm;

    public SettingsDialog(SettingsViewModel vm) {
        this.vm = vm;
    }

    public void show(Window owner) {
        Messages m = vm.messages();
        Dialog<Void> d = new Dialog<>();
        d.initOwner(owner);
        d.titleProperty().bind(m.bind("settings.title"));
        ComboBox<String> language = new ComboBox<>();
        language.setId("settings-language");
        language.getItems().setAll(LANGUAGES);
        language.setConverter(converter(tag -> tag.equals("en") ? "English" : "简体中文"));
        language.setValue(vm.get().language());
        language.setOnAction(e -> vm.setLanguage(language.getValue()));
        ComboBox<Theme> theme = new ComboBox<>();
        theme.setId("settings-theme");
        theme.getItems().setAll(Theme.values());
        // Cells whose text follows the language: a combo box shows its value through the button cell,
        // which a new converter does not relabel.
        theme.setCellFactory(list -> themeCell(m));
        theme.setButtonCell(themeCell(m));
        theme.setValue(vm.get().theme());
        theme.setOnAction(e -> vm.setTheme(theme.getValue()));
        Spinner<Double> font = new Spinner<>(9.0, 24.0, vm.get().fontSize(), 1.0);
        font.setId("settings-font-size");
        font.setEditable(true);
        font.valueProperty().subscribe(v -> vm.setFontSize(v));
        TextField folder = new TextField(vm.get().modelsFolder());
        folder.setId("settings-models-folder");
        folder.setPrefColumnCount(24);
        folder.setOnAction(e -> vm.setModelsFolder(folder.getText().strip()));
        folder.focusedProperty().subscribe(f -> {
            if (!f) {
                vm.setModelsFolder(folder.getText().strip());
            }
        });
        Button browse = new Button();
        browse.textProperty().bind(m.bind("settings.browse"));
        browse.setOnAction(e -> {
            DirectoryChooser chooser = new DirectoryChooser();
            File dir = chooser.showDialog(d.getDialogPane().getScene().getWindow());
            if (dir != null) {
                folder.setText(dir.getAbsolutePath());
                vm.setModelsFolder(dir.getAbsolutePath());
            }
        });
        CheckBox exact = checkBox(m, "exact", vm.get().exactProducts(), vm::setExactProducts);
        Label exactHelp = help(m, "exact");
        CheckBox repack = checkBox(m, "repack", vm.get().repackWeights(), vm::setRepackWeights);
        Label repackHelp = help(m, "repack");
        GridPane g = new GridPane();
        g.setHgap(10);
        g.setVgap(8);
        g.addRow(0, label(m, "settings.language"), language);
        g.addRow(1, label(m, "settings.theme"), theme);
        g.addRow(2, label(m, "settings.fontsize"), font);
        g.addRow(3, label(m, "settings.models"), new HBox(6, folder, browse));
        g.addRow(4, label(m, "settings.arithmetic"), exact);
        g.add(exactHelp, 1, 5);
        g.add(repack, 1, 6);
        g.add(repackHelp, 1, 7);
        d.getDialogPane().setContent(g);
        // In the app's language (DialogButtons), switching with it as the rest of the dialog does.
        ButtonType close = DialogButtons.close(m);
        d.getDialogPane().getButtonTypes().add(close);
        ((javafx.scene.control.Button) d.getDialogPane().lookupButton(close)).textProperty().bind(m.bind("dialog.close"));
        d.showAndWait();
    }

    /** The switch {@code settings.<key>}, id {@code settings-<key>}, saved on each change. */
    private static CheckBox checkBox(Messages m, String key, boolean selected,
                                     java.util.function.Consumer<Boolean> onChange) {
        CheckBox box = new CheckBox();
        box.textProperty().bind(m.bind("settings." + key));
        box.setId("settings-" + key);
        box.setMnemonicParsing(false); // "Q4_0": an underscore is text, not a mnemonic
        box.setSelected(selected);
        box.selectedProperty().subscribe(onChange);
        return box;
    }

    /** The muted explanation {@code settings.<key>.help} under a switch. */
    private static Label help(Messages m, String key) {
        Label help = label(m, "settings." + key + ".help");
        help.setId("settings-" + key + "-help");
        help.getStyleClass().add(Styles.TEXT_MUTED);
        help.setWrapText(true);
        help.setMaxWidth(420);
        return help;
    }

    /** A label whose text follows the language. */
    private static Label label(Messages m, String key) {
        Label label = new Label();
        label.textProperty().bind(m.bind(key));
        return label;
    }

    /** A theme's name, following the language. */
    private static ListCell<Theme> themeCell(Messages m) {
        return new ListCell<>() {
            @Override
            protected void updateItem(Theme t, boolean empty) {
                super.updateItem(t, empty);
                textProperty().unbind();
                if (empty || t == null) {
                    setText(null);
                } else {
                    textProperty().bind(m.bind(t.messageKey()));
                }
            }
        };
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
