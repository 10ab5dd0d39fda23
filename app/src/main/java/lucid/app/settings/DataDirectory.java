package lucid.app.settings;

import java.nio.file.Path;
import java.util.Locale;

/** Where Lucid keeps its database: the OS's application-data folder unless {@code --data-dir} says. */
public final class DataDirectory {
    private DataDirectory() {
    }

    public static Path resolve(String override) {
        if (override != null && !override.isBlank()) {
            return Path.of(override).toAbsolutePath();
        }
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        Path home = Path.of(System.getProperty("user.home"));
        if (os.contains("win")) {
            String appData = System.getenv("APPDATA");
            return (appData != null ? Path.of(appData) : home.resolve("AppData/Roaming")).resolve("Lucid");
        }
        if (os.contains("mac")) {
            return home.resolve("Library/Application Support/Lucid");
        }
        String xdg = System.getenv("XDG_DATA_HOME");
        return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".local/share")).resolve("lucid");
    }
}
