package lucid.app;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import javafx.application.Application;
import javafx.scene.Scene;
import javafx.scene.control.Alert;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
import javafx.scene.control.RadioMenuItem;
import javafx.scene.control.SeparatorMenuItem;
import javafx.scene.control.SplitPane;
import javafx.scene.control.ToggleGroup;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.stage.Stage;

import lucid.app.chat.ChatView;
import lucid.app.chat.ChatViewModel;
import lucid.app.chat.Conversation;
import lucid.app.chat.ConversationSettings;
import lucid.app.chat.ConversationSettingsDialog;
import lucid.app.chat.SidebarView;
import lucid.app.common.DialogButtons;
import lucid.app.models.ModelBar;
import lucid.app.models.ModelViewModel;
import lucid.app.settings.AppSettings;
import lucid.app.settings.Messages;
import lucid.app.settings.SettingsDialog;
import lucid.app.settings.Theme;

/**
 * The main window: menus, the model bar, the sidebar and the chat. Every action has a menu item;
 * the keyboard shortcuts are the menu items' accelerators (plus Ctrl+K and Esc on the scene).
 */
public final class MainWindow {

    private static final List<String> STYLESHEETS = List.of("lucid/ui/css/app.css", "lucid/ui/css/chat.css",
            "lucid/ui/css/markdown.css");

    private final AppContext ctx;
    private final Stage stage;
    private final Messages messages;
    private final SidebarView sidebar;
    private final ChatView chat;
    private final ModelBar modelBar;
    private final BorderPane root = new BorderPane();

    public MainWindow(AppContext ctx, Stage stage) {
        this.ctx = ctx;
        this.stage = stage;
        this.messages = ctx.settings().messages();
        this.sidebar = new SidebarView(ctx.conversations(), messages);
        this.chat = new ChatView(ctx.chat(), messages, ctx.inspection());
        this.modelBar = new ModelBar(ctx.models(), messages, this::openModel, ctx.models()::load);
        createView();
        initListeners();
    }

    public ChatView chat() {
        return chat;
    }

    public Scene scene() {
        return stage.getScene();
    }

    private void createView() {
        root.setId("main");
        root.getStyleClass().add("main-window");
        SplitPane split = new SplitPane(sidebar.node(), chat.node());
        split.setDividerPositions(0.24);
        SplitPane.setResizableWithParent(sidebar.node(), false);
        root.setTop(new VBox(menuBar(), modelBar.node()));
        root.setCenter(split);
        Scene scene = new Scene(root, 1100, 720);
        for (String css : STYLESHEETS) {
            URL url = MainWindow.class.getClassLoader().getResource(css);
            if (url == null) {
                throw new IllegalStateException("stylesheet " + css + " is missing from ui-resources");
            }
            scene.getStylesheets().add(url.toExternalForm());
        }
        // A filter, not an accelerator: the focused input would otherwise see Esc first.
        scene.addEventFilter(javafx.scene.input.KeyEvent.KEY_PRESSED, e -> {
            if (e.getCode() == KeyCode.ESCAPE && ctx.chat().generatingProperty().get()) {
                ctx.chat().stop();
                e.consume();
            }
        });
        scene.getAccelerators().put(new KeyCodeCombination(KeyCode.K, KeyCombination.SHORTCUT_DOWN), sidebar::focusSearch);
        stage.titleProperty().bind(messages.bind("app.title"));
        stage.setScene(scene);
        stage.setMinWidth(640);
        stage.setMinHeight(420);
    }

    private MenuBar menuBar() {
        Menu file = menu("menu.file",
                item("menu.file.open", "O", this::openModel),
                item("menu.file.unload", null, ctx.models()::unload),
                new SeparatorMenuItem(),
                item("menu.file.import", null, this::importJson),
                item("menu.file.exportmd", null, () -> export(false)),
                item("menu.file.exportjson", null, () -> export(true)),
                new SeparatorMenuItem(),
                item("menu.file.settings", "COMMA", this::openSettings),
                new SeparatorMenuItem(),
                item("menu.file.quit", "Q", stage::close));
        Menu chatMenu = menu("menu.chat",
                item("menu.chat.new", "N", () -> {
                    ctx.conversations().newConversation();
                    chat.focusInput();
                }),
                item("menu.chat.search", "F", sidebar::focusSearch),
                item("menu.chat.stop", null, ctx.chat()::stop),
                new SeparatorMenuItem(),
                item("menu.chat.settings", null, this::openConversationSettings),
                item("menu.chat.rename", null, () -> sidebar.rename(selected())),
                item("menu.chat.pin", null, () -> {
                    if (selected() != null) {
                        ctx.conversations().togglePinned(selected());
                    }
                }),
                item("menu.chat.delete", null, () -> {
                    if (selected() != null) {
                        ctx.conversations().delete(selected());
                    }
                }));
        Menu theme = menu("menu.view.theme");
        ToggleGroup group = new ToggleGroup();
        for (Theme t : Theme.values()) {
            RadioMenuItem r = new RadioMenuItem();
            r.textProperty().bind(messages.bind(t.messageKey()));
            r.setToggleGroup(group);
            r.setSelected(ctx.settings().get().theme() == t);
            r.setOnAction(e -> ctx.settings().setTheme(t));
            theme.getItems().add(r);
        }
        Menu language = menu("menu.view.language");
        for (String tag : SettingsDialog.LANGUAGES) {
            MenuItem m = new MenuItem(tag.equals("en") ? "English" : "简体中文");
            m.setOnAction(e -> ctx.settings().setLanguage(tag));
            language.getItems().add(m);
        }
        Menu view = menu("menu.view", theme, language,
                item("menu.view.bigger", "EQUALS", () -> ctx.settings().setFontSize(ctx.settings().get().fontSize() + 1)),
                item("menu.view.smaller", "MINUS", () -> ctx.settings().setFontSize(ctx.settings().get().fontSize() - 1)),
                new SeparatorMenuItem(),
                item("menu.view.workbench", "B", this::openWorkbench));
        MenuBar bar = new MenuBar(file, chatMenu, view);
        bar.setId("menu-bar");
        return bar;
    }

    private lucid.app.workbench.WorkbenchWindow workbench;

    /** Opens the prompt workbench, or brings the open one to the front. */
    public lucid.app.workbench.WorkbenchWindow openWorkbench() {
        if (workbench == null || !workbench.stage().isShowing()) {
            workbench = new lucid.app.workbench.WorkbenchWindow(stage, messages, ctx.models().chatEngineProperty(),
                    ctx.dataDir(), ctx.settings().get().language());
        }
        workbench.show();
        workbench.stage().toFront();
        return workbench;
    }

    private Menu menu(String key, MenuItem... items) {
        Menu m = new Menu();
        m.setId(key.replace('.', '-'));
        m.textProperty().bind(messages.bind(key));
        m.getItems().addAll(items);
        return m;
    }

    private MenuItem item(String key, String accelerator, Runnable action) {
        MenuItem m = new MenuItem();
        m.setId(key.replace('.', '-'));
        m.textProperty().bind(messages.bind(key));
        if (accelerator != null) {
            m.setAccelerator(new KeyCodeCombination(KeyCode.valueOf(accelerator), KeyCombination.SHORTCUT_DOWN));
        }
        m.setOnAction(e -> action.run());
        return m;
    }

    private Conversation selected() {
        return ctx.conversations().selectedProperty().get();
    }

    private void initListeners() {
        ctx.settings().settingsProperty().subscribe(this::applySettings);
        ModelViewModel models = ctx.models();
        models.problemProperty().subscribe(p -> {
            if (p != null) {
                models.problemProperty().set(null);
                error(messages.get("error.load.title"), messages.get("error.load.text", p.path().getFileName(), p.reason()));
            }
        });
        ChatViewModel chatVm = ctx.chat();
        chatVm.problemProperty().subscribe(p -> {
            if (p != null) {
                chatVm.problemProperty().set(null);
                String text = switch (p) {
                    case "no-model" -> messages.get("error.nomodel");
                    case "context-refused" -> messages.get("overflow.refused");
                    default -> p;
                };
                error(messages.get("error.chat.title"), text);
            }
        });
        chatVm.overflowProperty().subscribe(req -> {
            if (req != null) {
                askOverflow(req);
            }
        });
        // Drop a GGUF file to load it, or an exported JSON conversation to import it.
        root.setOnDragOver(e -> {
            if (e.getDragboard().hasFiles()) {
                e.acceptTransferModes(TransferMode.COPY);
            }
            e.consume();
        });
        root.setOnDragDropped(e -> {
            boolean done = false;
            for (File f : e.getDragboard().getFiles()) {
                String name = f.getName().toLowerCase(Locale.ROOT);
                if (name.endsWith(".json")) {
                    importFile(f.toPath());
                } else {
                    ctx.models().load(f.toPath());
                }
                done = true;
            }
            e.setDropCompleted(done);
            e.consume();
        });
        models.chatEngineProperty().subscribe(e -> chat.focusInput());
        ctx.settings().settingsProperty().subscribe(s ->
                models.refreshLibrary(s.recentModels(), ctx.settings().modelsFolder()));
    }

    private void applySettings(AppSettings s) {
        Application.setUserAgentStylesheet(s.theme().userAgentStylesheet());
        root.pseudoClassStateChanged(javafx.css.PseudoClass.getPseudoClass("dark"), s.theme().isDark());
        root.setStyle(String.format(Locale.ROOT, "-fx-font-size: %.0fpx;", s.fontSize()));
        root.pseudoClassStateChanged(javafx.css.PseudoClass.getPseudoClass("cjk"), s.language().startsWith("zh"));
    }

    private void error(String title, String text) {
        Alert a = new Alert(Alert.AlertType.ERROR, text, DialogButtons.ok(messages));
        a.initOwner(stage);
        a.setTitle(title);
        a.setHeaderText(title);
        a.getDialogPane().setId("error-dialog");
        a.show();
    }

    private void askOverflow(ChatViewModel.OverflowRequest req) {
        ButtonType truncate = new ButtonType(messages.get("overflow.truncate"), ButtonBar.ButtonData.OK_DONE);
        ButtonType summarize = new ButtonType(messages.get("overflow.summarize"), ButtonBar.ButtonData.OTHER);
        ButtonType refuse = new ButtonType(messages.get("overflow.refuse"), ButtonBar.ButtonData.CANCEL_CLOSE);
        Alert a = new Alert(Alert.AlertType.WARNING, messages.get("overflow.text", req.needed(), req.available()),
                truncate, summarize, refuse);
        a.initOwner(stage);
        a.setHeaderText(messages.get("overflow.title"));
        a.getDialogPane().setId("overflow-dialog");
        // Summarizing needs a model call of its own; it is offered, visibly, but not available yet.
        a.getDialogPane().lookupButton(summarize).setDisable(true);
        a.setOnHidden(e -> ctx.chat().resolveOverflow(a.getResult() == truncate
                ? ChatViewModel.OverflowChoice.TRUNCATE_OLDEST : ChatViewModel.OverflowChoice.REFUSE));
        a.show();
    }

    private void openModel() {
        FileChooser chooser = new FileChooser();
        chooser.setTitle(messages.get("menu.file.open"));
        chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter("GGUF", "*.gguf"));
        Path folder = ctx.settings().modelsFolder();
        if (folder != null && folder.toFile().isDirectory()) {
            chooser.setInitialDirectory(folder.toFile());
        }
        File f = chooser.showOpenDialog(stage);
        if (f != null) {
            ctx.models().load(f.toPath());
        }
    }

    private void openSettings() {
        new SettingsDialog(ctx.settings()).show(stage);
    }

    private void openConversationSettings() {
        ConversationSettings current = ctx.chat().settingsProperty().get();
        ConversationSettingsDialog d = new ConversationSettingsDialog(messages,
                ctx.settings().repository().userPresets(), ctx.settings().repository()::saveUserPreset);
        ConversationSettings next = d.show(stage, current);
        if (next != null) {
            ctx.chat().applySettings(next);
        }
    }

    private void importJson() {
        FileChooser chooser = new FileChooser();
        chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter("JSON", "*.json"));
        File f = chooser.showOpenDialog(stage);
        if (f != null) {
            importFile(f.toPath());
        }
    }

    /** Imports an exported conversation and opens it. */
    public void importFile(Path file) {
        try {
            Conversation c = ctx.export().importJson(file);
            ctx.conversations().refresh();
            ctx.conversations().select(c);
        } catch (IOException | RuntimeException e) {
            error(messages.get("error.import.title"), file.getFileName() + ": " + e.getMessage());
        }
    }

    private void export(boolean json) {
        Conversation c = selected();
        if (c == null) {
            return;
        }
        FileChooser chooser = new FileChooser();
        String ext = json ? "json" : "md";
        chooser.setInitialFileName(c.title().replaceAll("[^\\p{L}\\p{N} _-]", "_") + "." + ext);
        chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter(ext.toUpperCase(Locale.ROOT), "*." + ext));
        File f = chooser.showSaveDialog(stage);
        if (f != null) {
            exportTo(c, f.toPath(), json);
        }
    }

    /** Writes the conversation (all branches) to a file. */
    public void exportTo(Conversation c, Path file, boolean json) {
        try {
            if (json) {
                ctx.export().writeJson(c, file);
            } else {
                ctx.export().writeMarkdown(c, file);
            }
        } catch (IOException e) {
            error(messages.get("error.export.title"), file + ": " + e.getMessage());
        }
    }
}
