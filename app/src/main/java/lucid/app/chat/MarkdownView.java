package lucid.app.chat;

import java.util.function.Consumer;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.scene.control.Control;
import javafx.scene.control.Skin;

/**
 * Shows Markdown text as JavaFX nodes: headings, paragraphs with emphasis and inline code, lists,
 * block quotes, tables, and fenced code with syntax colouring and a copy button. Re-renders when
 * {@link #markdownProperty()} changes, which a streaming reply does at the token pump's rate.
 */
public final class MarkdownView extends Control {

    private final StringProperty markdown = new SimpleStringProperty(this, "markdown", "");
    private final ObjectProperty<Consumer<String>> onCopy = new SimpleObjectProperty<>(this, "onCopy");

    public MarkdownView() {
        getStyleClass().add("markdown-view");
    }

    public StringProperty markdownProperty() {
        return markdown;
    }

    /** What a code block's copy button does with the code (the clipboard, in the app). */
    public ObjectProperty<Consumer<String>> onCopyProperty() {
        return onCopy;
    }

    public void setOnCopy(Consumer<String> value) {
        onCopy.set(value);
    }

    /** Text wraps, so the height depends on the width the list gives. */
    @Override
    public javafx.geometry.Orientation getContentBias() {
        return javafx.geometry.Orientation.HORIZONTAL;
    }

    @Override
    protected Skin<?> createDefaultSkin() {
        return new MarkdownViewSkin(this);
    }
}
