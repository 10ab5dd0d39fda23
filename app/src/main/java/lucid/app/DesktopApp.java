package lucid.app;

import java.io.IOException;
import java.nio.file.Path;

import javafx.animation.PauseTransition;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.stage.Stage;
import javafx.util.Duration;

import lucid.app.common.PngWriter;
import lucid.app.settings.Theme;

/**
 * The desktop app: builds the {@link AppContext} and the {@link MainWindow}, loads {@code --model},
 * and runs the automation flags through the same UI a person uses: {@code --send} types the text
 * into the input and presses Send, {@code --screenshot} snapshots the window once the reply has
 * finished, {@code --exit} quits.
 */
public final class DesktopApp extends Application {

    private AppContext ctx;
    private MainWindow window;
    private Stage stage;
    private AppOptions options;

    static void launchWith(String[] args) {
        Application.launch(DesktopApp.class, args);
    }

    @Override
    public void start(Stage stage) {
        this.stage = stage;
        options = AppOptions.parse(getParameters().getRaw());
        ctx = new AppContext(options);
        if (options.theme() != null) {
            ctx.settings().setTheme(Theme.valueOf(options.theme().toUpperCase(java.util.Locale.ROOT).replace('-', '_')));
        }
        if (options.language() != null) {
            ctx.settings().setLanguage(options.language());
        }
        window = new MainWindow(ctx, stage);
        stage.show();
        // macOS hands a double-clicked model over as an event, also while the app runs.
        OpenFileEvents.deliverTo(file -> {
            ctx.models().load(file);
            stage.toFront();
        });
        if (options.automated()) {
            ctx.models().problemProperty().subscribe(p -> {
                if (p != null) {
                    System.err.println("lucid: cannot load " + p.path() + ": " + p.reason());
                    if (options.exit()) {
                        Platform.exit();
                        System.exit(1);
                    }
                }
            });
        }
        if (options.model() != null) {
            ctx.models().load(Path.of(options.model()));
            if (options.automated()) {
                ctx.models().chatEngineProperty().subscribe(e -> {
                    if (e != null) {
                        afterModelLoaded();
                    }
                });
            }
        } else if (options.automated()) {
            finishAutomation();
        }
    }

    /** The window, for UI tests that drive it. */
    public MainWindow window() {
        return window;
    }

    public AppContext context() {
        return ctx;
    }

    private void afterModelLoaded() {
        // For scripted checks (the installers' CI): the window reached "model loaded".
        System.err.println("lucid: model loaded: " + Path.of(options.model()).getFileName());
        if (options.send() == null) {
            finishAutomation();
            return;
        }
        int before = ctx.chat().finishedRepliesProperty().get();
        ctx.chat().finishedRepliesProperty().subscribe(n -> {
            if (n.intValue() > before) {
                finishAutomation();
            }
        });
        window.chat().input().setText(options.send());
        window.chat().sendButton().fire();
    }

    private void finishAutomation() {
        // Let layout, CSS and the last token pump pulse reach the screen before the snapshot.
        PauseTransition settle = new PauseTransition(Duration.millis(400));
        settle.setOnFinished(e -> {
            if (options.openWorkbench() != null) {
                WorkbenchAutomation.run(window, options, this::screenshotAndExit);
                return;
            }
            lucid.app.visualize.LabWindow view = openView();
            if (view == null) {
                screenshotAndExit(stage.getScene());
                return;
            }
            view.expandHelp();
            // A view that captures in the background (attention) is shot once it has its data.
            view.readyProperty().subscribe(ready -> {
                if (ready) {
                    PauseTransition drawn = new PauseTransition(Duration.millis(400));
                    drawn.setOnFinished(d -> screenshotAndExit(view.stage().getScene()));
                    drawn.play();
                }
            });
        });
        settle.play();
    }

    private void screenshotAndExit(javafx.scene.Scene scene) {
        if (options.screenshot() != null) {
            try {
                PngWriter.write(scene.snapshot(null), Path.of(options.screenshot()));
            } catch (IOException ex) {
                System.err.println("lucid: could not write screenshot " + options.screenshot() + ": " + ex.getMessage());
            }
        }
        if (options.exit()) {
            Platform.exit();
        }
    }

    /** The lab view --open-view asked for, opened on the last reply; null when none was asked for. */
    private lucid.app.visualize.LabWindow openView() {
        if (options.openView() == null || ctx.chat().messages().isEmpty()) {
            return null;
        }
        var reply = ctx.chat().messages().getLast();
        return switch (options.openView()) {
            case "probs" -> window.chat().openProbabilities(reply);
            case "attention" -> window.chat().openAttention(reply);
            case "attention-text" -> window.chat().openAttentionText(reply);
            case "model-grid" -> window.chat().openModelGrid(reply);
            case "lens" -> window.chat().openLens(reply);
            // The reply's last token is explained right away, so the screenshot shows shading.
            case "attribution" -> reply.probabilitiesProperty().get() == null ? null
                    : window.chat().openAttribution(reply, reply.probabilitiesProperty().get().sequence().length - 1);
            default -> {
                System.err.println("lucid: unknown view " + options.openView()
                        + " (known: probs, attention, attention-text, model-grid, lens, attribution)");
                yield null;
            }
        };
    }

    @Override
    public void stop() {
        OpenFileEvents.reset();
        if (ctx != null) {
            ctx.close();
        }
    }
}
