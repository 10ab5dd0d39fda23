package lucid.tests;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import lucid.app.Main;

/**
 * {@code lucid} with no command in a Linux terminal without a display (over ssh, in a container)
 * says so in one line instead of GTK's stack trace from inside JavaFX's launcher.
 */
class MissingDisplayTest {

    @Test
    void linuxWithoutAnyDisplaySaysWhatToDo() {
        String message = Main.missingDisplay("Linux", null, "", null);
        assertTrue(message.contains("no display") && message.contains("lucid help"), message);
    }

    @Test
    void anX11OrWaylandDisplayOrTheHeadlessPlatformOpensTheWindow() {
        assertNull(Main.missingDisplay("Linux", ":0", null, null));
        assertNull(Main.missingDisplay("Linux", null, "wayland-0", null));
        assertNull(Main.missingDisplay("Linux", null, null, "Headless"));
    }

    @Test
    void otherSystemsAreNotChecked() {
        assertNull(Main.missingDisplay("Mac OS X", null, null, null));
        assertNull(Main.missingDisplay("Windows 11", null, null, null));
    }
}
