package lucid.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The per-user class-data-sharing archive the installed launcher asks for
 * ({@code -XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=F -Dlucid.cds.archive=F}). The JVM writes
 * F when a start that found none exits, and maps it on every later start so that classes load from it
 * instead of from the jars. Two things are left to the app:
 * <ul>
 *   <li>the archive's folder must exist when the JVM exits, or it prints an error instead of writing it;</li>
 *   <li>an archive written by a command-line run holds no JavaFX classes, which is what starts slowly, so
 *       the window's next start deletes such an archive and the start after that writes a full one.</li>
 * </ul>
 * Nothing happens without the property (the ./lucid script, tests) or when F is not usable.
 */
public final class SharedArchive {

    /** The system property that names the archive. */
    public static final String PROPERTY = "lucid.cds.archive";

    private final Path archive;
    private final Path madeByCli;

    private SharedArchive(Path archive) {
        this.archive = archive;
        this.madeByCli = archive.resolveSibling(archive.getFileName() + ".cli");
    }

    /** The archive the launcher named; null when it named none or the name is not a usable path. */
    public static SharedArchive fromSystemProperty() {
        return of(System.getProperty(PROPERTY));
    }

    /** The archive at {@code value} as the launcher passed it; null when it is not a usable path. */
    public static SharedArchive of(String value) {
        // An environment variable the launcher could not expand stays as $NAME: not a path to create.
        if (value == null || value.isBlank() || value.contains("$")) {
            return null;
        }
        try {
            return new SharedArchive(Path.of(value).toAbsolutePath());
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    /** Before a command-line run: the folder exists, and an archive this run writes is marked as the CLI's. */
    public void beforeCommandLine() {
        try {
            Files.createDirectories(archive.getParent());
            if (!Files.exists(archive)) {
                Files.writeString(madeByCli, "written by a command-line run; the window's next start replaces it\n");
            }
        } catch (IOException | SecurityException e) {
            // Only start-up speed is at stake: the JVM reports the archive it could not write.
        }
    }

    /** Before the window opens: the folder exists, and an archive a command-line run wrote is dropped. */
    public void beforeWindow() {
        try {
            Files.createDirectories(archive.getParent());
            if (Files.exists(madeByCli)) {
                // This JVM has mapped it already (on Linux and macOS the mapping outlives the file); the
                // next start finds none and writes one with the window's classes when it exits.
                Files.deleteIfExists(archive);
                Files.deleteIfExists(madeByCli);
            }
        } catch (IOException | SecurityException e) {
            // As above: a slower start, never a failed one.
        }
    }

    public Path archive() {
        return archive;
    }
}
