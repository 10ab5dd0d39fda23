package lucid.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

import lucid.app.Main;

/**
 * The installers' .gguf association: the desktop starts the launcher with the double-clicked file
 * as its only argument (Exec=... %f), which must open the window with that model.
 */
class OpenedFileTest {

    @Test
    void aLoneGgufPathIsTheModelToOpen() {
        // An absolute path with a space and an upper-case extension, as a file manager passes it.
        String file = java.nio.file.Path.of("Models", "tiny story.GGUF").toAbsolutePath().toString();
        assertArrayEquals(new String[] {"--model", file}, Main.openedFile(new String[] {file}));
    }

    @Test
    void anythingElseIsPassedOnUnchanged() {
        String[][] cases = {
            {},
            {"--model", "m.gguf"},
            {"notes.txt"},
            {"--exit"},
            {"a.gguf", "b.gguf"},
        };
        for (String[] args : cases) {
            assertArrayEquals(args, Main.openedFile(args));
        }
    }
}
