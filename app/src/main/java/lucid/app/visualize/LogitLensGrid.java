package lucid.app.visualize;

import javafx.geometry.Point2D;
import javafx.scene.control.Control;
import javafx.scene.control.Skin;

/**
 * The logit lens as a layers × positions grid: each cell is the token the model would predict after
 * that layer at that position, coloured by its probability in viridis, with the cell where the final
 * prediction first becomes the top token outlined. Scroll zooms along the positions, dragging pans,
 * hovering reports the cell to the view-model and clicking selects it.
 */
public final class LogitLensGrid extends Control {

    private final LogitLensViewModel model;

    public LogitLensGrid(LogitLensViewModel model) {
        this.model = model;
        getStyleClass().add("lens-grid");
    }

    public LogitLensViewModel model() {
        return model;
    }

    /** Where the centre of a cell is drawn now, in this control's coordinates (null before the skin). */
    public Point2D cellCenter(int layer, int position) {
        return getSkin() instanceof LogitLensGridSkin skin ? skin.cellCenter(layer, position) : null;
    }

    @Override
    protected Skin<?> createDefaultSkin() {
        return new LogitLensGridSkin(this);
    }
}
