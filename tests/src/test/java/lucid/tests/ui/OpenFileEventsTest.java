package lucid.tests.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javafx.application.Application;
import javafx.application.Platform;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

import lucid.app.DesktopApp;
import lucid.app.OpenFileEvents;
import lucid.engine.gguf.SharedFixtures;

/**
 * Models the operating system asks the app to open (macOS's open-documents event): one that comes
 * before the window is up waits for it, one that comes while the app runs is loaded in the window.
 */
class OpenFileEventsTest {

    @TempDir
    Path dir;

    private DesktopApp app;

    @AfterEach
    void stop() throws Exception {
        if (app != null) {
            FxToolkit.cleanupApplication(app);
            FxToolkit.cleanupStages();
            Platform.runLater(() -> Application.setUserAgentStylesheet(null));
        }
        OpenFileEvents.reset();
    }

    @Test
    void filesOfferedBeforeTheWindowWaitForIt() {
        OpenFileEvents.reset();
        OpenFileEvents.offer(Path.of("a.gguf"));
        OpenFileEvents.offer(Path.of("b.gguf"));
        List<Path> opened = new ArrayList<>();
        OpenFileEvents.deliverTo(opened::add);
        assertEquals(List.of(Path.of("a.gguf"), Path.of("b.gguf")), opened);
    }

    @Test
    void aModelOfferedWhileTheAppRunsIsLoaded() throws Exception {
        OpenFileEvents.reset();
        FxToolkit.registerPrimaryStage();
        app = (DesktopApp) FxToolkit.setupApplication(DesktopApp.class, "--data-dir", dir.resolve("data").toString());
        var models = app.context().models();
        var messages = app.context().settings().messages();
        assertNull(models.chatEngineProperty().get());
        assertEquals(messages.get("chat.empty"), placeholder(), "without a model the empty chat says to load one");
        Path model = SharedFixtures.file("models/stories260k.gguf");
        OpenFileEvents.offer(model);
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS,
                () -> models.chatEngineProperty().get() != null && !models.loadingProperty().get());
        assertEquals(model.getFileName().toString(),
                models.infoProperty().get().path().getFileName().toString());
        WaitForAsyncUtils.waitForFxEvents();
        assertEquals(messages.get("chat.empty.ready"), placeholder(), "with a model it says to type");
    }

    private String placeholder() {
        return new org.testfx.api.FxRobot().lookup(".chat-empty").queryAs(javafx.scene.control.Label.class).getText();
    }
}
