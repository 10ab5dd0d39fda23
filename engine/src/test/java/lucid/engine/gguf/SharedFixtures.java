package lucid.engine.gguf;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the shared fixtures folder (models, golden outputs) that lives beside the checkout.
 * The build passes it as system property {@code lucid.shared}; otherwise {@code ../shared} from the
 * working directory and its parents is tried. A missing fixture fails the test loudly.
 */
public final class SharedFixtures {
    private SharedFixtures() {
    }

    public static Path root() {
        String prop = System.getProperty("lucid.shared");
        if (prop != null && !prop.isBlank()) {
            Path p = Path.of(prop).toAbsolutePath().normalize();
            if (Files.isDirectory(p)) {
                return p;
            }
            throw new IllegalStateException("lucid.shared points at " + p + ", which is not a folder");
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared");
            if (Files.isDirectory(candidate.resolve("models"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("shared fixtures folder not found: set -Dlucid.shared=<path to shared>");
    }

    /** A file under the shared folder, which must exist. */
    public static Path file(String relative) {
        Path p = root().resolve(relative);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("missing fixture " + p + " (the shared folder is incomplete)");
        }
        return p;
    }
}
