package lucid.app;

import java.awt.Desktop;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

import javafx.application.Platform;

/**
 * Files the operating system asks the running app to open. Linux and Windows start the app with a
 * double-clicked model's path as its argument ({@link Main#openedFile}); macOS starts it with none and
 * sends an "open documents" event instead, which only AWT's {@link Desktop} receives. The handler has
 * to be in place before the event arrives, so {@link #listen()} runs first thing in {@code main}, and
 * files that come before the window is ready wait here until {@link #deliverTo} gives them a home.
 */
public final class OpenFileEvents {

    private static final List<Path> waiting = new ArrayList<>();
    private static Consumer<Path> target;

    private OpenFileEvents() {
    }

    /** On macOS: receives the system's open-file events from now on. Elsewhere: nothing to do. */
    static void listen() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("mac")) {
            return;
        }
        try {
            if (Desktop.isDesktopSupported() && Desktop.getDesktop().isSupported(Desktop.Action.APP_OPEN_FILE)) {
                Desktop.getDesktop().setOpenFileHandler(e -> {
                    for (File f : e.getFiles()) {
                        offer(f.toPath());
                    }
                });
            }
        } catch (RuntimeException | Error e) {
            // A headless or restricted AWT: the File menu and drag and drop still open models.
            System.err.println("lucid: cannot receive the system's open-file events: " + e);
        }
    }

    /** A file the system asked to open: to the window when it is ready, else kept for it. */
    public static synchronized void offer(Path file) {
        if (target == null) {
            waiting.add(file);
        } else {
            Consumer<Path> t = target;
            Platform.runLater(() -> t.accept(file));
        }
    }

    /**
     * Where files go from now on (called on the FX thread once the window is up); files that came
     * earlier are handed over at once.
     */
    public static synchronized void deliverTo(Consumer<Path> opener) {
        target = opener;
        List<Path> early = List.copyOf(waiting);
        waiting.clear();
        early.forEach(opener);
    }

    /** For tests: forgets the target and whatever waits. */
    public static synchronized void reset() {
        target = null;
        waiting.clear();
    }
}
