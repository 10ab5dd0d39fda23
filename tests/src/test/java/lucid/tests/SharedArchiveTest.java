package lucid.tests;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import lucid.app.SharedArchive;

/**
 * The app's part of the installed launcher's per-user CDS archive: the folder is made before the JVM
 * needs it, an archive a command-line run wrote is replaced by the window's, and names the launcher
 * could not expand are left alone.
 */
class SharedArchiveTest {

    @TempDir
    Path dir;

    @Test
    void commandLineRunMakesTheFolderAndMarksTheArchiveItWillWrite() throws Exception {
        Path jsa = dir.resolve("cache/lucid/lucid-1.jsa");
        SharedArchive archive = SharedArchive.of(jsa.toString());
        assertNotNull(archive);
        archive.beforeCommandLine();
        assertTrue(Files.isDirectory(jsa.getParent()));
        assertTrue(Files.exists(marker(jsa)), "the CLI run that writes the archive marks it");

        // The JVM writes the archive when that run exits; the window's next start drops it.
        Files.write(jsa, new byte[] {1, 2, 3});
        SharedArchive.of(jsa.toString()).beforeWindow();
        assertFalse(Files.exists(jsa));
        assertFalse(Files.exists(marker(jsa)));
    }

    @Test
    void anArchiveTheWindowWroteIsKeptByBothKindsOfStart() throws Exception {
        Path jsa = dir.resolve("lucid-1.jsa");
        SharedArchive archive = SharedArchive.of(jsa.toString());
        archive.beforeWindow();  // first start: no archive yet, the JVM writes it at exit
        Files.write(jsa, new byte[] {1, 2, 3});
        archive.beforeCommandLine();
        assertFalse(Files.exists(marker(jsa)), "a CLI run that finds an archive writes none");
        archive.beforeWindow();
        assertTrue(Files.exists(jsa));
    }

    @Test
    void namesTheLauncherCouldNotExpandAreIgnored() {
        assertNull(SharedArchive.of(null));
        assertNull(SharedArchive.of(" "));
        assertNull(SharedArchive.of("$HOME/.cache/lucid/lucid-1.jsa"));
        assertNull(SharedArchive.of("$LOCALAPPDATA\\Lucid\\cache\\lucid-1.jsa"));
    }

    @Test
    void anUnwritableFolderCostsOnlySpeed() throws Exception {
        Path file = dir.resolve("a-file");
        Files.writeString(file, "x");
        SharedArchive archive = SharedArchive.of(file.resolve("lucid-1.jsa").toString());
        archive.beforeCommandLine();  // its folder cannot be made: no exception, nothing written
        archive.beforeWindow();
        assertTrue(Files.isRegularFile(file));
    }

    private static Path marker(Path jsa) {
        return jsa.resolveSibling(jsa.getFileName() + ".cli");
    }
}
