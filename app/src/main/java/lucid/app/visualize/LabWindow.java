package lucid.app.visualize;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TitledPane;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.stage.FileChooser;
import javafx.stage.Stage;
import javafx.stage.Window;

import lucid.app.common.PngWriter;
import lucid.app.settings.Messages;

/**
 * The frame every lab view opens in: the view, a collapsible "What am I looking at?" text, and
 * export buttons (PNG of the view, CSV, JSON). The owner's stylesheets and theme carry over.
 */
public final class LabWindow {

    private final Stage stage = new Stage();
    private final Messages messages;
    private final Node view;
    private final HBox bar;
    private final TitledPane helpPane;
    private final javafx.beans.property.BooleanProperty ready =
            new javafx.beans.property.SimpleBooleanProperty(this, "ready", true);

    /**
     * @param titleKey the window title's message key
     * @param helpKey  the help text's message key
     * @param csv      the view's data as CSV, asked for when the user exports
     * @param json     the view's data as JSON
     */
    public LabWindow(Window owner, Messages messages, String titleKey, String helpKey, Node view, Node controls,
                     Supplier<String> csv, Supplier<String> json) {
        this.messages = messages;
        this.view = view;
        stage.initOwner(owner);
        stage.titleProperty().bind(messages.bind(titleKey));
        Label help = new Label();
        help.textProperty().bind(messages.bind(helpKey));
        help.setWrapText(true);
        help.getStyleClass().add("lab-help");
        helpPane = new TitledPane(null, help);
        helpPane.textProperty().bind(messages.bind("lab.help"));
        helpPane.setId("lab-help");
        helpPane.setExpanded(false);
        Button png = button("lab-export-png", "lab.export.png", () -> exportPng());
        Button csvButton = button("lab-export-csv", "lab.export.csv", () -> exportText(csv.get(), "csv"));
        Button jsonButton = button("lab-export-json", "lab.export.json", () -> exportText(json.get(), "json"));
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        bar = new HBox(6);
        if (controls != null) {
            bar.getChildren().add(controls);
        }
        bar.getChildren().addAll(spacer, png, csvButton, jsonButton);
        bar.setAlignment(Pos.CENTER_LEFT);
        BorderPane root = new BorderPane(view);
        root.setTop(bar);
        root.setBottom(helpPane);
        root.setPadding(new Insets(10));
        BorderPane.setMargin(bar, new Insets(0, 0, 8, 0));
        BorderPane.setMargin(helpPane, new Insets(8, 0, 0, 0));
        root.getStyleClass().add("lab-window");
        Scene scene = new Scene(root, 900, 820);
        if (owner != null && owner.getScene() != null) {
            scene.getStylesheets().setAll(owner.getScene().getStylesheets());
            Node ownerRoot = owner.getScene().getRoot();
            ownerRoot.getPseudoClassStates().forEach(c -> root.pseudoClassStateChanged(c, true));
            root.getStyleClass().addAll(ownerRoot.getStyleClass().stream().filter(c -> c.startsWith("theme")).toList());
        }
        URL css = LabWindow.class.getClassLoader().getResource("lucid/ui/css/visualize.css");
        if (css == null) {
            throw new IllegalStateException("stylesheet lucid/ui/css/visualize.css is missing from ui-resources");
        }
        scene.getStylesheets().add(css.toExternalForm());
        stage.setScene(scene);
    }

    private Button button(String id, String key, Runnable action) {
        Button b = new Button();
        b.setId(id);
        b.textProperty().bind(messages.bind(key));
        b.setOnAction(e -> action.run());
        return b;
    }

    public Stage stage() {
        return stage;
    }

    /** Whether the view has its data (false while a background capture fills it). */
    public javafx.beans.property.BooleanProperty readyProperty() {
        return ready;
    }

    /** Opens the "What am I looking at?" text. */
    public void expandHelp() {
        helpPane.setAnimated(false);
        helpPane.setExpanded(true);
    }

    public void show() {
        stage.show();
    }

    /** Writes a PNG of the view as it is on screen. */
    public void writePng(Path file) throws IOException {
        PngWriter.write(view.snapshot(null, null), file);
    }

    private void exportPng() {
        Path file = choose("png");
        if (file != null) {
            try {
                writePng(file);
            } catch (IOException ex) {
                failed(ex);
            }
        }
    }

    private void exportText(String text, String extension) {
        Path file = choose(extension);
        if (file != null) {
            try {
                Files.writeString(file, text, StandardCharsets.UTF_8);
            } catch (IOException ex) {
                failed(ex);
            }
        }
    }

    private Path choose(String extension) {
        FileChooser chooser = new FileChooser();
        chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter(extension.toUpperCase(), "*." + extension));
        chooser.setInitialFileName("lucid-view." + extension);
        var file = chooser.showSaveDialog(stage);
        return file == null ? null : file.toPath();
    }

    private void failed(IOException ex) {
        Alert alert = new Alert(Alert.AlertType.ERROR, messages.get("lab.export.failed", ex.getMessage()));
        alert.initOwner(stage);
        alert.show();
    }
}
