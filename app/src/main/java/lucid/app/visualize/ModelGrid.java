package lucid.app.visualize;

import javafx.scene.control.Control;
import javafx.scene.control.Skin;

/**
 * The model view: one small attention map per layer (rows) and head (columns), each max-pooled to
 * at most {@value ModelGridViewModel#MAX_THUMBNAIL} cells a side, with every head's KV group under
 * grouped-query attention. Hovering names a thumbnail; clicking opens it in the heatmap.
 */
public final class ModelGrid extends Control {

    private final ModelGridViewModel model;

    public ModelGrid(ModelGridViewModel model) {
        this.model = model;
        getStyleClass().add("model-grid");
    }

    public ModelGridViewModel model() {
        return model;
    }

    @Override
    protected Skin<?> createDefaultSkin() {
        return new ModelGridSkin(this);
    }
}
