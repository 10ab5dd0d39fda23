package lucid.app.common;

import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;

import lucid.app.settings.Messages;

/**
 * The standard dialog buttons in the app's language. JavaFX's own {@code ButtonType.OK},
 * {@code CANCEL} and {@code CLOSE} take their text from the JVM's locale, not from the language the
 * user chose in Settings, so a Chinese window showed English buttons on an English system.
 */
public final class DialogButtons {
    private DialogButtons() {
    }

    public static ButtonType ok(Messages messages) {
        return new ButtonType(messages.get("dialog.ok"), ButtonBar.ButtonData.OK_DONE);
    }

    public static ButtonType cancel(Messages messages) {
        return new ButtonType(messages.get("dialog.cancel"), ButtonBar.ButtonData.CANCEL_CLOSE);
    }

    public static ButtonType close(Messages messages) {
        return new ButtonType(messages.get("dialog.close"), ButtonBar.ButtonData.CANCEL_CLOSE);
    }
}
