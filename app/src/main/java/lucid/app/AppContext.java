package lucid.app;

import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javafx.application.Platform;

import lucid.app.chat.ChatViewModel;
import lucid.app.chat.ConversationExport;
import lucid.app.chat.ConversationListViewModel;
import lucid.app.chat.ConversationStore;
import lucid.app.models.ModelViewModel;
import lucid.app.settings.AppSettings;
import lucid.app.settings.DataDirectory;
import lucid.app.settings.Messages;
import lucid.app.settings.SettingsRepository;
import lucid.app.settings.SettingsViewModel;
import lucid.engine.backend.ProductPrecision;
import lucid.engine.inference.Engine;

/**
 * The composition root: creates the engine, the database, the executors and the view-models, and
 * closes them in order. Nothing else creates shared objects; everything gets them by constructor.
 */
public final class AppContext implements AutoCloseable {

    private final Path dataDir;
    private final Engine engine;
    private final ConversationStore store;
    private final ExecutorService generation = daemonExecutor("lucid-generation");
    private final ExecutorService loader = daemonExecutor("lucid-model-loader");
    private final ExecutorService inspection = daemonExecutor("lucid-inspection");
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "lucid-ui-timer");
        t.setDaemon(true);
        return t;
    });
    private final SettingsViewModel settings;
    private final ModelViewModel models;
    private final ConversationListViewModel conversations;
    private final ChatViewModel chat;
    private final ConversationExport export;

    public AppContext(AppOptions options) {
        dataDir = DataDirectory.resolve(options.dataDir());
        store = new ConversationStore(dataDir);
        settings = new SettingsViewModel(new SettingsRepository(store), new Messages("en"));
        engine = Engine.create(Engine.defaultThreads());
        // Called at once with the saved settings, then on each change: the precision applies from the
        // next matrix product on, also in the middle of a reply.
        models = new ModelViewModel(engine, loader, Platform::runLater, settings::addRecent, generation);
        settings.settingsProperty().subscribe(s -> {
            engine.backend().setPrecision(precision(s));
            models.setRepack(s.repackWeights()); // from the next model loaded on
        });
        conversations = new ConversationListViewModel(store);
        chat = new ChatViewModel(store, conversations, models.chatEngineProperty(), generation, Platform::runLater,
                timer);
        export = new ConversationExport(store);
    }

    private static ProductPrecision precision(AppSettings s) {
        return s.exactProducts() ? ProductPrecision.EXACT : ProductPrecision.FAST;
    }

    private static ExecutorService daemonExecutor(String name) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs the lab views' captures (attention), one at a time, beside generation. */
    public java.util.concurrent.Executor inspection() {
        return inspection;
    }

    public Path dataDir() {
        return dataDir;
    }

    public ConversationStore store() {
        return store;
    }

    /** The engine models load onto; its backend's precision follows the settings. */
    public Engine engine() {
        return engine;
    }

    public SettingsViewModel settings() {
        return settings;
    }

    public ModelViewModel models() {
        return models;
    }

    public ConversationListViewModel conversations() {
        return conversations;
    }

    public ChatViewModel chat() {
        return chat;
    }

    public ConversationExport export() {
        return export;
    }

    @Override
    public void close() {
        chat.stop();
        models.unload();
        generation.shutdown();
        loader.shutdown();
        inspection.shutdown();
        timer.shutdownNow();
        try {
            // Let a stopped reply reach the database before it closes.
            generation.awaitTermination(5, TimeUnit.SECONDS);
            loader.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        store.close();
        engine.close();
    }
}
