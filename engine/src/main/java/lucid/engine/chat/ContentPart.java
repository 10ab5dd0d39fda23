package lucid.engine.chat;

import java.util.Objects;

/**
 * One part of a message's content. Only text parts exist today: images and audio need a model
 * that can see or hear, which the engine cannot run yet, so they are refused rather than dropped.
 *
 * @param type the part type, "text"
 * @param text the text of the part
 */
public record ContentPart(String type, String text) {

    public static final String TEXT = "text";

    public ContentPart {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(text, "text");
        if (!type.equals(TEXT)) {
            throw new IllegalArgumentException("content part type '" + type + "' is not supported (only text parts are)");
        }
    }

    public static ContentPart text(String text) {
        return new ContentPart(TEXT, text);
    }
}
