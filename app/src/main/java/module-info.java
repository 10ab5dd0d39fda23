/**
 * The Lucid desktop app (JavaFX) and the {@code lucid} command line.
 */
module lucid.app {
    requires lucid.engine;
    requires javafx.controls;
    requires com.fasterxml.jackson.databind;

    exports lucid.app to javafx.graphics;
}
