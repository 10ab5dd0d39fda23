package lucid.tests.ui;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import javafx.application.Application;
import javafx.application.Platform;

import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

import lucid.app.AppContext;
import lucid.app.DesktopApp;
import lucid.engine.gguf.SharedFixtures;

/** The desktop app as the UI tests start it: its own data folder, stories260k loaded and ready. */
final class StoryApp {

    private StoryApp() {
    }

    /** Starts the app on {@code dataDir} with the story model and waits until the model is loaded. */
    static DesktopApp start(Path dataDir) throws Exception {
        FxToolkit.registerPrimaryStage();
        DesktopApp app = (DesktopApp) FxToolkit.setupApplication(DesktopApp.class, "--data-dir", dataDir.toString(),
                "--model", SharedFixtures.file("models/stories260k.gguf").toString());
        AppContext ctx = app.context();
        WaitForAsyncUtils.waitFor(30, TimeUnit.SECONDS,
                () -> ctx.models().chatEngineProperty().get() != null && !ctx.models().loadingProperty().get());
        return app;
    }

    /** Closes the app and its windows and puts back the default stylesheet for the next test. */
    static void stop(DesktopApp app) throws Exception {
        FxToolkit.cleanupApplication(app);
        FxToolkit.cleanupStages();
        Platform.runLater(() -> Application.setUserAgentStylesheet(null));
    }
}
