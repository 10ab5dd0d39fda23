package lucid.tests.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.input.KeyCode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

import lucid.app.DesktopApp;
import lucid.app.chat.ChatViewModel;
import lucid.app.chat.MessageItem;
import lucid.engine.gguf.SharedFixtures;

/**
 * Deleting a message offers Undo: the reply (with its recorded probabilities) comes back, and the
 * branch that was shown before is shown again.
 */
class MessageDeleteUndoTest {

    @TempDir
    Path dir;

    private final FxRobot robot = new FxRobot();
    private DesktopApp app;

    @AfterEach
    void stop() throws Exception {
        FxToolkit.cleanupApplication(app);
        FxToolkit.cleanupStages();
        Platform.runLater(() -> Application.setUserAgentStylesheet(null));
    }

    @Test
    void deletedReplyComesBackWithUndo() throws Exception {
        FxToolkit.registerPrimaryStage();
        app = (DesktopApp) FxToolkit.setupApplication(DesktopApp.class, "--data-dir", dir.resolve("data").toString(),
                "--model", SharedFixtures.file("models/stories260k.gguf").toString());
        var ctx = app.context();
        ChatViewModel chat = ctx.chat();
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS,
                () -> ctx.models().chatEngineProperty().get() != null && !ctx.models().loadingProperty().get());
        robot.interact(() -> chat.applySettings(chat.settingsProperty().get()
                .withSampling(0f, 40, 0.95f, 0.05f, 1.0f, 1, 12, List.of(), "")));
        robot.clickOn("#chat-input").write("Once upon a time");
        robot.type(KeyCode.ENTER);
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS, () -> chat.finishedRepliesProperty().get() == 1);
        MessageItem reply = chat.messages().get(1);
        String text = reply.content();
        assertNotNull(reply.probabilitiesProperty().get());
        Node undoBar = robot.lookup("#undo-message-delete").query().getParent();
        assertFalse(undoBar.isVisible(), "no offer before a delete");

        Node delete = robot.lookup(".message-cell").queryAll().stream()
                .filter(n -> ((javafx.scene.control.ListCell<?>) n).getItem() == reply)
                .map(n -> robot.from(n).lookup("#message-delete").queryButton()).findFirst().orElseThrow();
        robot.clickOn(delete);
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> chat.messages().size() == 1);
        assertTrue(undoBar.isVisible(), "the undo offer shows");

        robot.clickOn("#undo-message-delete");
        WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, () -> chat.messages().size() == 2);
        MessageItem back = chat.messages().get(1);
        assertEquals(reply.id(), back.id());
        assertEquals(text, back.content());
        assertNotNull(back.probabilitiesProperty().get(), "its probabilities come back with it");
        assertFalse(undoBar.isVisible(), "the offer is used up");
    }
}
