package lucid.app.models;

import java.nio.file.Path;
import java.util.function.Consumer;

import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.MenuButton;
import javafx.scene.control.MenuItem;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;

import org.kordamp.ikonli.feather.Feather;
import org.kordamp.ikonli.javafx.FontIcon;

import lucid.app.settings.Messages;

/**
 * The strip above the chat: which model is loaded (name, architecture, quant, size, RAM estimate),
 * a picker of recent and folder models with their details, load progress with cancel, and unload.
 */
public final class ModelBar {

    private final ModelViewModel vm;
    private final Messages messages;
    private final Runnable openFile;
    private final Label name = new Label();
    private final Label details = new Label();
    private final ProgressIndicator progress = new ProgressIndicator();
    private final Button cancel = new Button();
    private final Button unload = new Button();
    private final MenuButton pick = new MenuButton();
    private final HBox root = new HBox(10);

    public ModelBar(ModelViewModel vm, Messages messages, Runnable openFile, Consumer<Path> load) {
        this.vm = vm;
        this.messages = messages;
        this.openFile = openFile;
        createView();
        initListeners(load);
    }

    public Node node() {
        return root;
    }

    private void createView() {
        root.getStyleClass().add("model-bar");
        root.setPadding(new Insets(6, 12, 6, 12));
        root.setAlignment(Pos.CENTER_LEFT);
        name.setId("model-name");
        name.getStyleClass().add("model-name");
        details.setId("model-details");
        details.getStyleClass().add("model-details");
        progress.setPrefSize(18, 18);
        progress.setId("model-progress");
        cancel.setId("model-cancel");
        cancel.textProperty().bind(messages.bind("model.cancel"));
        unload.setId("model-unload");
        unload.textProperty().bind(messages.bind("model.unload"));
        unload.getStyleClass().add("flat");
        pick.setId("model-pick");
        pick.setGraphic(new FontIcon(Feather.BOX));
        pick.textProperty().bind(messages.bind("model.pick"));
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        root.getChildren().setAll(pick, name, details, progress, cancel, spacer, unload);
    }

    private void initListeners(Consumer<Path> load) {
        progress.visibleProperty().bind(vm.loadingProperty());
        progress.managedProperty().bind(progress.visibleProperty());
        cancel.visibleProperty().bind(vm.loadingProperty());
        cancel.managedProperty().bind(cancel.visibleProperty());
        cancel.setOnAction(e -> vm.cancel());
        unload.visibleProperty().bind(vm.chatEngineProperty().isNotNull());
        unload.setOnAction(e -> vm.unload());
        vm.infoProperty().subscribe(i -> update());
        vm.loadingProperty().subscribe(l -> update());
        messages.localeProperty().subscribe(l -> update());
        vm.library().subscribe(() -> {
            pick.getItems().clear();
            MenuItem open = new MenuItem();
            open.textProperty().bind(messages.bind("menu.file.open"));
            open.setOnAction(e -> openFile.run());
            pick.getItems().add(open);
            if (!vm.library().isEmpty()) {
                pick.getItems().add(new SeparatorMenuItem());
            }
            for (ModelInfo info : vm.library()) {
                MenuItem item = new MenuItem(info.name() + "  —  " + describe(info));
                item.setOnAction(e -> load.accept(info.path()));
                pick.getItems().add(item);
            }
        });
    }

    private String describe(ModelInfo i) {
        if (i.problem() != null) {
            return i.path().getFileName() + " (" + i.problem() + ")";
        }
        return messages.get("model.details", i.architecture(), i.quant(), ModelInfo.humanBytes(i.fileBytes()),
                ModelInfo.humanBytes(i.ramBytes()));
    }

    private void update() {
        ModelInfo i = vm.infoProperty().get();
        if (vm.loadingProperty().get()) {
            Path p = vm.loadingPathProperty().get();
            name.setText(messages.get("model.loading", p == null ? "" : p.getFileName()));
        } else if (vm.chatEngineProperty().get() == null) {
            name.setText(messages.get("model.none"));
        } else {
            name.setText(i == null ? "" : i.name());
        }
        details.setText(i == null ? "" : describe(i));
        var engine = vm.chatEngineProperty().get();
        // Which chat template prompts are written with, and why (a fallback says what was wrong).
        details.setTooltip(engine == null ? null : new javafx.scene.control.Tooltip(
                messages.get("model.template", engine.format().describe())));
    }
}
