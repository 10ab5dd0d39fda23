package lucid.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import javafx.application.Application;
import javafx.application.Platform;
import javafx.concurrent.Task;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Scene;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;
import javafx.stage.Stage;

import lucid.app.common.PngWriter;
import lucid.engine.inference.Engine;
import lucid.engine.inference.LoadedModel;

/**
 * The desktop window. For now it opens a model (from {@code --model} or a file chooser) on a worker
 * thread and says which model is loaded; the chat UI is built on top of this later.
 */
public final class DesktopApp extends Application {

    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "lucid-model-loader");
        t.setDaemon(true);
        return t;
    });
    private Engine engine;
    private LoadedModel model;
    private final Label status = new Label("No model loaded. Open a GGUF file to start.");
    private final ProgressIndicator progress = new ProgressIndicator();
    private Task<LoadedModel> loading;
    private Stage stage;
    private String screenshot;
    private boolean exitAfter;

    static void launchWith(String[] args) {
        Application.launch(DesktopApp.class, args);
    }

    @Override
    public void start(Stage stage) {
        this.stage = stage;
        engine = Engine.create(Engine.defaultThreads());
        progress.setVisible(false);
        progress.setPrefSize(24, 24);
        status.setId("model-status");
        status.setWrapText(true);
        Button open = new Button("Open model…");
        open.setOnAction(e -> chooseModel(stage));
        Button cancel = new Button("Cancel");
        cancel.visibleProperty().bind(progress.visibleProperty());
        cancel.setOnAction(e -> {
            if (loading != null) {
                loading.cancel();
            }
        });
        HBox bar = new HBox(8, open, progress, cancel);
        bar.setAlignment(Pos.CENTER_LEFT);
        VBox root = new VBox(16, bar, status);
        root.setPadding(new Insets(24));
        stage.setTitle("Lucid");
        stage.setScene(new Scene(root, 720, 420));
        stage.show();

        List<String> args = getParameters().getRaw();
        String modelArg = option(args, "--model");
        screenshot = option(args, "--screenshot");
        exitAfter = args.contains("--exit");
        if (modelArg != null) {
            load(Path.of(modelArg));
        } else {
            automationStep();
        }
    }

    private static String option(List<String> args, String name) {
        int i = args.indexOf(name);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : null;
    }

    /**
     * Automation for docs and checks: once the window has settled (model loaded or failed), write
     * {@code --screenshot} and quit when {@code --exit} was given. It drives the same UI a person sees.
     */
    private void automationStep() {
        if (screenshot == null && !exitAfter) {
            return;
        }
        // Let layout and CSS settle for a pulse before the snapshot.
        Platform.runLater(() -> {
            if (screenshot != null) {
                try {
                    PngWriter.write(stage.getScene().snapshot(null), Path.of(screenshot));
                } catch (java.io.IOException e) {
                    System.err.println("lucid: could not write screenshot " + screenshot + ": " + e.getMessage());
                }
            }
            if (exitAfter) {
                Platform.exit();
            }
        });
    }

    private void chooseModel(Stage stage) {
        FileChooser chooser = new FileChooser();
        chooser.setTitle("Open a GGUF model");
        chooser.getExtensionFilters().add(new FileChooser.ExtensionFilter("GGUF models", "*.gguf"));
        var file = chooser.showOpenDialog(stage);
        if (file != null) {
            load(file.toPath());
        }
    }

    private void load(Path path) {
        if (loading != null && loading.isRunning()) {
            loading.cancel();
        }
        status.setText("Loading " + path.getFileName() + "…");
        progress.setVisible(true);
        Task<LoadedModel> task = new Task<>() {
            @Override
            protected LoadedModel call() throws Exception {
                if (!Files.isRegularFile(path)) {
                    throw new java.nio.file.NoSuchFileException(path.toString(), null, "file not found");
                }
                LoadedModel loaded = engine.load(path);
                if (isCancelled()) {
                    // Cancelled while the file was being opened: nobody will take it, so close it here.
                    loaded.close();
                    return null;
                }
                return loaded;
            }
        };
        task.setOnSucceeded(e -> {
            if (model != null) {
                model.close();
            }
            model = task.getValue();
            progress.setVisible(false);
            status.setText("Loaded " + model.path().getFileName() + " — " + model.architectureName() + ", "
                    + String.format("%,d", model.parameterCount()) + " parameters, context "
                    + model.config().contextLength() + " tokens.");
            if (screenshot != null || exitAfter) {
                // For scripted checks (the installers' CI): the window reached "model loaded".
                System.err.println("lucid: model loaded: " + model.path().getFileName());
            }
            automationStep();
        });
        task.setOnFailed(e -> {
            progress.setVisible(false);
            Throwable t = task.getException();
            status.setText("Could not load " + path.getFileName() + ": " + t.getMessage());
            automationStep();
        });
        task.setOnCancelled(e -> {
            progress.setVisible(false);
            status.setText("Loading cancelled.");
        });
        loading = task;
        worker.execute(task);
    }

    @Override
    public void stop() {
        worker.shutdownNow();
        if (model != null) {
            model.close();
        }
        if (engine != null) {
            engine.close();
        }
        Platform.exit();
    }
}
