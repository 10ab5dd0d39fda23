package lucid.app.visualize;

import javafx.beans.property.IntegerProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.scene.control.Control;
import javafx.scene.control.Skin;

/**
 * Attention over the conversation's own text. One token is the query: the one clicked (the
 * view-model's selected query) or else the one under the pointer. Every key token is then shaded by
 * the weight the query gives it under the chosen layer and head ({@link Style#SHADE}, like BertViz's
 * head view), or gets a bar of that height above it ({@link Style#BARS}, under the heatmap).
 * Shades and bars are scaled so the query's strongest key is full; hovering a token tells the exact
 * weight.
 */
public final class AttentionText extends Control {

    /** How the weights are drawn. */
    public enum Style { SHADE, BARS }

    private final AttentionViewModel model;
    private final Style style;
    private final IntegerProperty hovered = new SimpleIntegerProperty(this, "hovered", -1);

    public AttentionText(AttentionViewModel model, Style style) {
        this.model = model;
        this.style = style;
        getStyleClass().addAll("attention-text", "attention-text-" + style.name().toLowerCase(java.util.Locale.ROOT));
    }

    public AttentionViewModel model() {
        return model;
    }

    public Style style() {
        return style;
    }

    private java.util.function.IntFunction<javafx.geometry.Bounds> boxes = t -> null;

    /** Where token {@code token} is drawn, in this control's coordinates; null before layout. */
    public javafx.geometry.Bounds tokenBounds(int token) {
        return boxes.apply(token);
    }

    void setBoxes(java.util.function.IntFunction<javafx.geometry.Bounds> boxes) {
        this.boxes = boxes;
    }

    /** The token under the pointer, or -1. */
    public IntegerProperty hoveredProperty() {
        return hovered;
    }

    /** The query whose attention is drawn: the selected one, else (shading only) the hovered one; -1 for none. */
    public int shownQuery() {
        int selected = model.selectedQueryProperty().get();
        return selected >= 0 || style == Style.BARS ? selected : hovered.get();
    }

    /** The weight drawn on key {@code key}: the matrix on screen at (shown query, key); NaN when none. */
    public double weight(int key) {
        return model.weight(shownQuery(), key);
    }

    /** How strongly key {@code key} is drawn, 0..1: its weight over the largest weight of the query's row. */
    public double shade(int key) {
        float[] row = model.row(shownQuery());
        if (row == null || key < 0 || key >= row.length) {
            return 0;
        }
        double max = 0;
        for (float w : row) {
            max = Math.max(max, w);
        }
        return max <= 0 ? 0 : row[key] / max;
    }

    @Override
    protected Skin<?> createDefaultSkin() {
        return new AttentionTextSkin(this);
    }
}
