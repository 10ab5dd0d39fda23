package lucid.app.visualize;

import javafx.scene.control.Control;
import javafx.scene.control.Skin;

/**
 * The conversation's tokens laid out as text: clicking a reply token (shift-click or drag for a
 * span) selects what to explain, and every token before it is shaded by how much it contributed,
 * red for helped and blue for worked against, with its score on hover.
 */
public final class AttributionView extends Control {

    private final AttributionViewModel model;

    public AttributionView(AttributionViewModel model) {
        this.model = model;
        getStyleClass().add("attribution-view");
    }

    public AttributionViewModel model() {
        return model;
    }

    @Override
    protected Skin<?> createDefaultSkin() {
        return new AttributionSkin(this);
    }
}
