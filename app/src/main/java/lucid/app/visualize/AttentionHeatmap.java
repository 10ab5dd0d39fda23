package lucid.app.visualize;

import javafx.scene.control.Control;
import javafx.scene.control.Skin;

/**
 * Attention weights of one layer and head as a (query × key) heatmap in viridis, query tokens down
 * the left, key tokens along the top. Scroll zooms around the pointer, dragging pans, and hovering a
 * cell reports its query, key and weight to the view-model.
 */
public final class AttentionHeatmap extends Control {

    private final AttentionViewModel model;

    public AttentionHeatmap(AttentionViewModel model) {
        this.model = model;
        getStyleClass().add("attention-heatmap");
    }

    public AttentionViewModel model() {
        return model;
    }

    @Override
    protected Skin<?> createDefaultSkin() {
        return new AttentionHeatmapSkin(this);
    }
}
