package lucid.app.models;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.function.Consumer;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import lucid.app.chat.ChatEngine;
import lucid.app.chat.PromptFormats;
import lucid.engine.inference.Engine;
import lucid.engine.inference.LoadedModel;
import lucid.engine.model.Repacking;

/**
 * The model in use: what can be loaded (recent files, the models folder), what a file is before it
 * is loaded, loading with progress and cancel, unloading. Loading runs on the loader executor; a file
 * that cannot be loaded becomes a {@link Problem} the view shows in a dialog, and the app goes on.
 */
public final class ModelViewModel {

    /** Why a file could not be loaded, for the error dialog. */
    public record Problem(Path path, String reason) {
    }

    private final Engine engine;
    private final Executor loader;
    private final Executor fx;
    private final Consumer<Path> onLoaded;
    private final Executor warmUp;
    private final ReadOnlyObjectWrapper<ChatEngine> chatEngine = new ReadOnlyObjectWrapper<>(this, "chatEngine");
    private final ObjectProperty<ModelInfo> info = new SimpleObjectProperty<>(this, "info");
    private final BooleanProperty loading = new SimpleBooleanProperty(this, "loading");
    private final ObjectProperty<Path> loadingPath = new SimpleObjectProperty<>(this, "loadingPath");
    private final ObjectProperty<Problem> problem = new SimpleObjectProperty<>(this, "problem");
    private final ObservableList<ModelInfo> library = FXCollections.observableArrayList();
    private Future<?> task;
    private int generation;
    private volatile boolean repack;

    /**
     * @param onLoaded told the path of every model that loaded (the recent list)
     */
    public ModelViewModel(Engine engine, Executor loader, Executor fx, Consumer<Path> onLoaded) {
        this(engine, loader, fx, onLoaded, null);
    }

    /**
     * @param onLoaded told the path of every model that loaded (the recent list)
     * @param warmUp   where a newly loaded model runs {@link ChatEngine#warmUp} (the executor replies
     *                 run on, so that a first message queues behind it), or null for no warm-up
     */
    public ModelViewModel(Engine engine, Executor loader, Executor fx, Consumer<Path> onLoaded, Executor warmUp) {
        this.engine = engine;
        this.loader = loader;
        this.fx = fx;
        this.onLoaded = onLoaded;
        this.warmUp = warmUp;
    }

    /**
     * Whether models loaded from now on get their Q4_0, Q4_K, Q5_K and Q6_K weights copied, in the background after
     * the load, into the layout that generates fastest ({@link Repacking#IN_BACKGROUND}): the setting
     * "Repack 4-, 5- and 6-bit weights".
     */
    public void setRepack(boolean repack) {
        this.repack = repack;
    }

    /** What {@link #setRepack} last said: whether the next model loaded gets copies. */
    public boolean repack() {
        return repack;
    }

    public ReadOnlyObjectProperty<ChatEngine> chatEngineProperty() {
        return chatEngine.getReadOnlyProperty();
    }

    /** What the loaded (or loading) model is. */
    public ObjectProperty<ModelInfo> infoProperty() {
        return info;
    }

    public BooleanProperty loadingProperty() {
        return loading;
    }

    public ObjectProperty<Path> loadingPathProperty() {
        return loadingPath;
    }

    public ObjectProperty<Problem> problemProperty() {
        return problem;
    }

    public ObservableList<ModelInfo> library() {
        return library;
    }

    /** Re-reads the library (headers only) on the loader. */
    public void refreshLibrary(List<String> recent, Path folder) {
        loader.execute(() -> {
            List<ModelInfo> found = ModelLibrary.candidates(recent, folder).stream().map(p -> {
                try {
                    return ModelInfo.read(p);
                } catch (Exception e) {
                    return new ModelInfo(p, p.getFileName().toString(), "?", "-", -1, 0, 0, -1, e.getMessage());
                }
            }).toList();
            fx.execute(() -> library.setAll(found));
        });
    }

    /** Reads a file's header and loads it; the previous model stays until the new one is ready. */
    public void load(Path path) {
        cancel();
        int mine = ++generation;
        boolean repackThis = repack;
        loading.set(true);
        loadingPath.set(path);
        FutureTask<Void> t = new FutureTask<>(() -> {
            ModelInfo header;
            LoadedModel model;
            try {
                if (!Files.isRegularFile(path)) {
                    throw new NoSuchFileException(path.toString(), null, "no such file");
                }
                header = ModelInfo.read(path);
                fx.execute(() -> {
                    if (mine == generation) {
                        info.set(header);
                    }
                });
                model = engine.load(path, repackThis ? Repacking.IN_BACKGROUND : Repacking.NONE);
            } catch (Exception | OutOfMemoryError e) {
                String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                fx.execute(() -> {
                    if (mine == generation) {
                        loading.set(false);
                        loadingPath.set(null);
                        ChatEngine current = chatEngine.get();
                        info.set(current == null ? null : safeInfo(current.model().path()));
                        problem.set(new Problem(path, reason));
                    }
                });
                return null;
            }
            ChatEngine ready = new ChatEngine(model, PromptFormats.forModel(model));
            fx.execute(() -> {
                if (mine != generation) {
                    ready.close(); // cancelled meanwhile: nobody takes it
                    return;
                }
                ChatEngine old = chatEngine.get();
                chatEngine.set(ready);
                info.set(header);
                loading.set(false);
                loadingPath.set(null);
                onLoaded.accept(path);
                if (warmUp != null) {
                    warmUp.execute(ready::warmUp);
                }
                if (old != null) {
                    old.cancel();
                    loader.execute(old::close); // waits for a generation still finishing on it
                }
            });
            return null;
        });
        task = t;
        loader.execute(t);
    }

    private static ModelInfo safeInfo(Path p) {
        try {
            return ModelInfo.read(p);
        } catch (Exception e) {
            return null;
        }
    }

    /** Abandons a running load; the model loaded before stays. */
    public void cancel() {
        if (task != null && loading.get()) {
            generation++;
            task.cancel(true);
            loading.set(false);
            loadingPath.set(null);
            ChatEngine current = chatEngine.get();
            info.set(current == null ? null : safeInfo(current.model().path()));
        }
    }

    public void unload() {
        cancel();
        ChatEngine old = chatEngine.get();
        if (old != null) {
            old.cancel();
            chatEngine.set(null);
            info.set(null);
            loader.execute(old::close);
        }
    }
}
