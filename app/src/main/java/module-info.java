/**
 * The Lucid desktop app (JavaFX) and the {@code lucid} command line.
 */
module lucid.app {
    requires lucid.engine;
    requires javafx.controls;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.yaml;

    exports lucid.app to javafx.graphics;
    exports lucid.app.workbench;
    opens lucid.app.workbench to com.fasterxml.jackson.databind;
}
