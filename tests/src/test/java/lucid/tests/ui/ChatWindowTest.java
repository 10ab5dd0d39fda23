package lucid.tests.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.DialogPane;
import javafx.scene.control.Labeled;
import javafx.scene.control.ListView;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.util.WaitForAsyncUtils;

import lucid.app.AppContext;
import lucid.app.DesktopApp;
import lucid.app.chat.ChatViewModel;
import lucid.app.chat.Conversation;
import lucid.app.chat.MarkdownEditor;
import lucid.app.chat.MessageItem;
import lucid.app.chat.Role;
import lucid.app.settings.Messages;
import lucid.app.settings.Theme;
import lucid.engine.backend.ProductPrecision;
import lucid.engine.gguf.SharedFixtures;
import lucid.engine.inference.StopReason;

/**
 * The desktop chat driven like a user drives it, on JavaFX's Headless platform: load the story
 * model, send, watch the reply stream, stop it, regenerate, edit, switch branches, search, export,
 * switch language and theme, and open a file that is not a model.
 */
class ChatWindowTest {

    @TempDir
    Path dir;

    private final FxRobot robot = new FxRobot();
    private DesktopApp app;
    private AppContext ctx;
    private ChatViewModel chat;

    @BeforeEach
    void start() throws Exception {
        app = StoryApp.start(dir.resolve("data"));
        ctx = app.context();
        chat = ctx.chat();
        waitFor(5, () -> "llama".equals(robot.lookup("#model-name").queryLabeled().getText()));
    }

    @AfterEach
    void stop() throws Exception {
        StoryApp.stop(app);
    }

    @Test
    void chatStopRegenerateEditBranchesSearchExportLanguageAndTheme() throws Exception {
        assertEquals("llama", robot.lookup("#model-name").queryLabeled().getText());
        assertTrue(robot.lookup("#model-details").queryLabeled().getText().contains("F32"));

        // Short replies for this test, set through the conversation settings dialog.
        setMaxTokens("40");

        // Send: Enter in the input sends, the reply streams into the list.
        robot.clickOn("#chat-input").write("Once upon a time");
        robot.type(KeyCode.ENTER);
        waitFor(30, () -> chat.finishedRepliesProperty().get() == 1);
        assertEquals(2, chat.messages().size());
        MessageItem reply = chat.messages().get(1);
        assertEquals(Role.ASSISTANT, reply.role());
        assertFalse(reply.content().isBlank(), "the reply streamed in");
        assertEquals(StopReason.MAX_TOKENS, reply.statsProperty().get().stopReason());
        assertTrue(visibleText().stream().anyMatch(t -> t.contains("40 tokens")), "stats under the reply");
        assertEquals("", robot.lookup("#chat-input").queryAs(TextArea.class).getText(), "the input is cleared");

        // Stop: no token limit, Esc as soon as text appears; the partial reply is kept.
        setMaxTokens("-1");
        robot.clickOn("#chat-input").write("Lily and the cat");
        robot.type(KeyCode.ENTER);
        waitFor(30, () -> chat.messages().size() == 4 && !chat.messages().get(3).content().isEmpty());
        robot.type(KeyCode.ESCAPE);
        assertTrue(chat.messages().get(3).statsProperty().get() != null, "live stats while it streams");
        waitFor(30, () -> chat.finishedRepliesProperty().get() == 2);
        MessageItem stopped = chat.messages().get(3);
        assertEquals(StopReason.CANCELLED, stopped.statsProperty().get().stopReason());
        assertFalse(stopped.content().isBlank(), "the partial reply is kept");
        Conversation conversation = ctx.conversations().selectedProperty().get();
        String saved = ctx.store().messages(conversation.id()).getLast().content();
        assertEquals(stopped.content(), saved, "and saved");

        // Regenerate the last reply: a sibling branch appears, shown as 2/2.
        setMaxTokens("30");
        robot.clickOn(buttonOf(3, "#message-regenerate"));
        waitFor(30, () -> chat.finishedRepliesProperty().get() == 3);
        MessageItem regenerated = chat.messages().get(3);
        assertEquals(2, regenerated.siblingCountProperty().get());
        assertEquals(1, regenerated.siblingIndexProperty().get());
        assertTrue(visibleText().contains("2/2"));

        // Switch branches: ‹ goes back to the stopped reply.
        robot.clickOn(buttonOf(3, "#message-previous"));
        waitFor(10, () -> chat.messages().get(3).siblingIndexProperty().get() == 0);
        assertEquals(stopped.content(), chat.messages().get(3).content());
        assertTrue(visibleText().contains("1/2"));

        // Edit the first (earlier) message: a new branch with a new reply.
        robot.interact(() -> robot.lookup("#messages").queryAs(ListView.class).scrollTo(0));
        robot.clickOn(buttonOf(0, "#message-edit"));
        MarkdownEditor editor = robot.lookup("#edit-area").queryAs(MarkdownEditor.class);
        assertEquals("Once upon a time", editor.getText());
        robot.interact(() -> editor.replaceText("Once upon a time there was a **dog**"));
        assertTrue(editor.getStyleOfChar(editor.getText().indexOf("dog")).contains("md-edit-strong"),
                "the editor marks up Markdown as it is typed");
        robot.interact(() -> editor.replaceText("Once upon a time there was a dog"));
        robot.clickOn("#edit-save");
        waitFor(30, () -> chat.finishedRepliesProperty().get() == 4);
        assertEquals(2, chat.messages().size(), "the edited branch has only its own reply");
        assertEquals("Once upon a time there was a dog", chat.messages().get(0).content());
        assertEquals(2, chat.messages().get(0).siblingCountProperty().get());
        int allMessages = ctx.store().messages(conversation.id()).size();
        assertEquals(7, allMessages, "2 user roots, 5 replies in the tree");

        // Search by title and by content.
        robot.clickOn("#search").write("zzzz-not-there");
        waitFor(5, () -> ctx.conversations().conversations().isEmpty());
        robot.interact(() -> robot.lookup("#search").queryAs(TextField.class).setText(""));
        robot.clickOn("#search").write("Lily and the cat");
        waitFor(5, () -> ctx.conversations().conversations().size() == 1);
        robot.interact(() -> robot.lookup("#search").queryAs(TextField.class).setText(""));

        // Export keeps every branch; importing it gives the same tree.
        Path json = dir.resolve("chat.json");
        Path md = dir.resolve("chat.md");
        robot.interact(() -> {
            app.window().exportTo(conversation, json, true);
            app.window().exportTo(conversation, md, false);
        });
        String exported = Files.readString(json, StandardCharsets.UTF_8);
        assertEquals(allMessages, exported.split("\"role\"").length - 1, exported);
        assertTrue(Files.readString(md).contains("(branch 2, 2 of 2)"), Files.readString(md));
        robot.interact(() -> app.window().importFile(json));
        waitFor(5, () -> ctx.conversations().conversations().size() == 2);
        Conversation imported = ctx.conversations().selectedProperty().get();
        assertNotEquals(conversation.id(), imported.id());
        assertEquals(allMessages, ctx.store().messages(imported.id()).size());

        // Language and theme in the settings dialog (File → Settings…, Ctrl+,): applied at once.
        Platform.runLater(() -> menuItem("menu-file-settings").fire());
        waitFor(10, () -> showing("#settings-language"));
        robot.clickOn((Node) robot.lookup("#settings-language").query());
        robot.clickOn(labeled("简体中文"));
        waitFor(5, () -> "发送".equals(robot.lookup("#send").queryButton().getText()));
        assertTrue(visibleText().contains("新对话"), "the sidebar follows: " + visibleText());
        // Text that views format themselves when the language changes: the model's details, a reply's statistics.
        assertTrue(robot.lookup("#model-details").queryLabeled().getText().contains("约需"),
                robot.lookup("#model-details").queryLabeled().getText());
        assertTrue(visibleText().stream().anyMatch(t -> t.contains("词元/秒")), "the statistics line: " + visibleText());
        // So does the open dialog's own text: its labels, switches, help and the themes' names.
        Messages zh = new Messages("zh-CN");
        waitFor(5, () -> zh.get("settings.exact").equals(robot.lookup("#settings-exact").queryLabeled().getText()));
        assertEquals(zh.get("settings.repack.help"), robot.lookup("#settings-repack-help").queryLabeled().getText());
        assertTrue(visibleText().contains(zh.get("dialog.close")), "the dialog's button: " + visibleText());
        assertTrue(visibleText().contains(zh.get("settings.theme")), "the theme's label: " + visibleText());
        assertTrue(visibleText().contains(zh.get(ctx.settings().get().theme().messageKey())),
                "the chosen theme's name: " + visibleText());
        assertNotEquals(new Messages("en").get("settings.exact"), zh.get("settings.exact"), "the bundles differ");
        robot.clickOn((Node) robot.lookup("#settings-theme").query());
        robot.clickOn(labeled(zh.get(Theme.NORD_DARK.messageKey())));
        waitFor(5, () -> String.valueOf(Application.getUserAgentStylesheet()).contains("nord-dark"));
        // Exact arithmetic: the engine's products switch at once, and back.
        assertEquals(ProductPrecision.FAST, ctx.engine().backend().precision(), "fast by default");
        robot.clickOn("#settings-exact");
        waitFor(5, () -> ctx.engine().backend().precision() == ProductPrecision.EXACT);
        assertTrue(ctx.settings().get().exactProducts(), "saved");
        assertTrue(robot.lookup("#settings-exact-help").queryLabeled().getText().contains("llama.cpp"));
        robot.clickOn("#settings-exact");
        waitFor(5, () -> ctx.engine().backend().precision() == ProductPrecision.FAST);
        // Repacking Q4_0 weights: on by default, turned off and saved, and what the next model load is told.
        assertTrue(ctx.models().repack(), "background copies by default");
        robot.clickOn("#settings-repack");
        waitFor(5, () -> !ctx.models().repack());
        assertFalse(ctx.settings().get().repackWeights(), "saved");
        assertTrue(robot.lookup("#settings-repack-help").queryLabeled().getText().contains("llama.cpp"));
        robot.clickOn("#settings-repack");
        waitFor(5, () -> ctx.models().repack());
        robot.type(KeyCode.ESCAPE);
        waitFor(5, () -> robot.lookup("#settings-language").tryQuery().isEmpty());
        assertEquals("zh-CN", ctx.settings().get().language(), "saved");

        // With repacking on, the next model loaded gets its Q4_0 matrices copied, in the background.
        Path q4 = SharedFixtures.file("golden/models/synth-llama-q4_0.gguf");
        robot.interact(() -> {
            ctx.settings().setRepackWeights(true);
            ctx.models().load(q4);
        });
        waitFor(30, () -> ctx.models().chatEngineProperty().get() != null
                && ctx.models().chatEngineProperty().get().model().path().equals(q4));
        waitFor(30, () -> ctx.models().chatEngineProperty().get().model().repackedBytes() > 0);
        assertNull(ctx.models().chatEngineProperty().get().model().repacking().notMade(), "copies made");
    }

    @Test
    void aFileThatIsNotAModelGivesADialogAndTheAppKeepsRunning() throws Exception {
        Path bad = dir.resolve("models").resolve("broken.gguf");
        Files.createDirectories(bad.getParent());
        Files.writeString(bad, "this is not a GGUF file at all");
        robot.interact(() -> ctx.settings().setModelsFolder(bad.getParent().toString()));
        // The models menu lists the folder's files; choosing the broken one tries to load it.
        robot.clickOn("#model-pick");
        robot.clickOn(labeled("broken.gguf"));
        waitFor(15, () -> robot.lookup("#error-dialog").tryQuery().isPresent());
        DialogPane dialog = robot.lookup("#error-dialog").queryAs(DialogPane.class);
        assertTrue(dialog.getContentText().contains("broken.gguf"), dialog.getContentText());
        assertTrue(dialog.getContentText().length() > "broken.gguf cannot be loaded: ".length() + 5,
                "it says why: " + dialog.getContentText());
        // Its one button is the app's own, in the app's language (DialogButtons).
        javafx.scene.control.ButtonType ok = dialog.getButtonTypes().getFirst();
        assertEquals(new Messages("en").get("dialog.ok"), ((Labeled) dialog.lookupButton(ok)).getText());
        robot.clickOn((Node) dialog.lookupButton(ok));
        waitFor(5, () -> robot.lookup("#error-dialog").tryQuery().isEmpty());

        // The model loaded before is still there, and chat still works.
        assertNotNull(ctx.models().chatEngineProperty().get());
        assertEquals("llama", robot.lookup("#model-name").queryLabeled().getText());
        setMaxTokens("10");
        robot.clickOn("#chat-input").write("Lily");
        robot.type(KeyCode.ENTER);
        waitFor(30, () -> chat.finishedRepliesProperty().get() == 1);
        assertFalse(chat.messages().getLast().content().isBlank());
        // Cancel a load: the model loaded before stays, whatever the abandoned load did meanwhile.
        Path f16 = SharedFixtures.file("models/derived/stories260k-f16.gguf");
        robot.interact(() -> {
            ctx.models().load(f16);
            robot.lookup("#model-cancel").queryButton().fire();
        });
        Thread.sleep(1500);
        WaitForAsyncUtils.waitForFxEvents();
        assertFalse(ctx.models().loadingProperty().get());
        assertTrue(ctx.models().chatEngineProperty().get().model().path().endsWith("stories260k.gguf"));

        // Unload: no model, and sending says so instead of failing.
        robot.clickOn("#model-unload");
        waitFor(5, () -> ctx.models().chatEngineProperty().get() == null);
        assertEquals("No model loaded", robot.lookup("#model-name").queryLabeled().getText());
        robot.clickOn("#chat-input").write("Hello");
        robot.type(KeyCode.ENTER);
        waitFor(10, () -> showing("#error-dialog"));
        assertTrue(robot.lookup("#error-dialog").queryAs(DialogPane.class).getContentText().contains("Load a model"));
    }

    @Test
    void aConversationTooLongForTheContextAsksBeforeCuttingAnything() throws Exception {
        Platform.runLater(() -> menuItem("menu-chat-settings").fire());
        waitFor(10, () -> showing("#context-length"));
        robot.interact(() -> {
            robot.lookup("#context-length").queryAs(TextField.class).setText("48");
            robot.lookup("#max-tokens").queryAs(TextField.class).setText("8");
        });
        robot.clickOn(labeled("Apply"));
        waitFor(10, () -> chat.settingsProperty().get().contextLength() == 48);
        robot.clickOn("#chat-input").write("Lily went to the park to play with her red ball and her friend Tom.");
        robot.type(KeyCode.ENTER);
        waitFor(30, () -> chat.finishedRepliesProperty().get() == 1);
        robot.clickOn("#chat-input").write("Then they saw a big dog and a small cat under the old tree in the park.");
        robot.type(KeyCode.ENTER);
        // The history no longer fits: a warning with the choices, and nothing has been cut yet.
        waitFor(30, () -> showing("#overflow-dialog"));
        DialogPane warning = robot.lookup("#overflow-dialog").queryAs(DialogPane.class);
        assertTrue(warning.getContentText().contains("48"), warning.getContentText());
        assertEquals(1, chat.finishedRepliesProperty().get());
        assertTrue(((Button) warning.lookupButton(warning.getButtonTypes().get(1))).isDisabled(),
                "summarizing is offered but not available yet");
        robot.clickOn(labeled("Truncate oldest"));
        waitFor(30, () -> chat.finishedRepliesProperty().get() == 2);
        assertEquals(4, chat.messages().size(), "the conversation itself keeps every message");
        assertTrue(chat.historyTokensProperty().get() + chat.systemTokensProperty().get() <= 48);

        // Keyboard: Ctrl+N starts a new chat, Ctrl+F goes to search.
        robot.press(KeyCode.CONTROL).type(KeyCode.N).release(KeyCode.CONTROL);
        waitFor(5, () -> chat.messages().isEmpty() && ctx.conversations().selectedProperty().get() == null);
        robot.press(KeyCode.CONTROL).type(KeyCode.F).release(KeyCode.CONTROL);
        waitFor(5, () -> robot.lookup("#search").query().isFocused());
    }

    private void setMaxTokens(String value) throws Exception {
        Platform.runLater(() -> menuItem("menu-chat-settings").fire());
        waitFor(10, () -> showing("#max-tokens"));
        TextField field = robot.lookup("#max-tokens").queryAs(TextField.class);
        robot.interact(() -> field.setText(value));
        robot.clickOn(labeled("Apply", "应用"));
        waitFor(10, () -> robot.lookup("#max-tokens").tryQuery().isEmpty());
        assertEquals(Integer.parseInt(value), chat.settingsProperty().get().maxTokens());
    }

    private javafx.scene.control.MenuItem menuItem(String id) {
        javafx.scene.control.MenuBar bar = robot.lookup("#menu-bar").queryAs(javafx.scene.control.MenuBar.class);
        return bar.getMenus().stream().flatMap(m -> m.getItems().stream()).filter(i -> id.equals(i.getId()))
                .findFirst().orElseThrow();
    }

    /** A button inside the cell showing message {@code index}. */
    private Button buttonOf(int index, String selector) throws Exception {
        MessageItem item = chat.messages().get(index);
        waitFor(10, () -> robot.lookup(".message-cell").queryAll().stream()
                .anyMatch(n -> ((javafx.scene.control.ListCell<?>) n).getItem() == item));
        Node cell = robot.lookup(".message-cell").queryAll().stream()
                .filter(n -> ((javafx.scene.control.ListCell<?>) n).getItem() == item).findFirst().orElseThrow();
        return robot.from(cell).lookup(selector).queryButton();
    }

    private Node labeled(String... texts) {
        Set<String> wanted = Set.of(texts);
        java.util.function.Predicate<Node> matches = n -> n instanceof Labeled l && l.isVisible()
                && l.getScene() != null && l.getScene().getWindow() != null && l.getScene().getWindow().isShowing()
                && l.getText() != null && wanted.stream().anyMatch(w -> l.getText().contains(w));
        try {
            waitFor(5, () -> robot.lookup(matches).tryQuery().isPresent());
        } catch (Exception e) {
            throw new AssertionError("nothing labelled " + wanted + " on screen: " + visibleText(), e);
        }
        return robot.lookup(matches).query();
    }

    private boolean showing(String selector) {
        return robot.lookup(selector).tryQuery().filter(n -> n.getScene() != null && n.getScene().getWindow() != null
                && n.getScene().getWindow().isShowing()).isPresent();
    }

    private List<String> visibleText() {
        return robot.lookup((Node n) -> n instanceof Labeled l && l.getText() != null && l.isVisible())
                .queryAllAs(Labeled.class).stream().map(Labeled::getText).toList();
    }

    private static void waitFor(int seconds, Callable<Boolean> condition) throws Exception {
        WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, condition);
    }
}
