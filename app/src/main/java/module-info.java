/**
 * The Lucid desktop app (JavaFX) and the {@code lucid} command line.
 */
module lucid.app {
    requires transitive lucid.engine;
    requires transitive javafx.controls;
    requires atlantafx.base;
    requires org.kordamp.ikonli.javafx;
    requires org.kordamp.ikonli.feather;
    requires org.fxmisc.richtext;
    requires org.xerial.sqlitejdbc;
    requires java.sql;
    requires java.desktop;
    requires org.commonmark;
    requires org.commonmark.ext.gfm.tables;
    requires com.fasterxml.jackson.databind;
    requires com.fasterxml.jackson.dataformat.yaml;

    exports lucid.app to javafx.graphics;
    exports lucid.app.chat;
    exports lucid.app.common;
    exports lucid.app.models;
    exports lucid.app.settings;
    exports lucid.app.visualize;
    exports lucid.app.workbench;
    opens lucid.app.chat to com.fasterxml.jackson.databind;
    opens lucid.app.settings to com.fasterxml.jackson.databind;
    opens lucid.app.workbench to com.fasterxml.jackson.databind;
}
