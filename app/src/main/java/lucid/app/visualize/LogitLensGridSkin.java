package lucid.app.visualize;

import java.util.List;

import javafx.geometry.Point2D;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Label;
import javafx.scene.control.SkinBase;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.Pane;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;

import lucid.engine.inspect.Alternative;
import lucid.engine.inspect.LogitLens;

/**
 * Draws the lens: the top tokens' probabilities go into a pixel buffer once (one pixel per cell),
 * which the canvas scales up without smoothing; token texts, the emergence outlines and the axis
 * labels are drawn only for the columns on screen, and cell texts only where a cell can hold them.
 * Zoom stretches the positions; the layers always fit the height.
 */
final class LogitLensGridSkin extends SkinBase<LogitLensGrid> {

    private static final double LEFT = 64;     // room for the layer labels, px
    private static final double TOP = 100;     // room for the position tokens, px
    private static final double LEGEND = 34;   // room for the legend under the grid, px
    private static final double MAX_ROW = 64;
    private static final double MIN_LABEL_COLUMN = 9;
    private static final double MIN_TEXT_COLUMN = 34;
    private static final double START_COLUMN = 50;

    private final Canvas canvas = new Canvas();
    private final Pane canvasPane = new Pane(canvas);
    private final Label hover = new Label(" ");
    private WritableImage image;
    private double zoom = 1;
    private double panX;
    private double dragX;
    private boolean placed;

    LogitLensGridSkin(LogitLensGrid control) {
        super(control);
        LogitLensViewModel model = control.model();
        hover.getStyleClass().add("lens-hover");
        hover.setId("lens-hover");
        BorderPane root = new BorderPane(canvasPane);
        root.setBottom(hover);
        getChildren().add(root);
        canvas.widthProperty().bind(canvasPane.widthProperty());
        canvas.heightProperty().bind(canvasPane.heightProperty());
        canvas.widthProperty().addListener(o -> draw());
        canvas.heightProperty().addListener(o -> draw());
        registerChangeListener(model.resultProperty(), o -> {
            image = toImage(model.resultProperty().get());
            updateHover();
            draw();
        });
        canvas.setOnScroll(e -> {
            double factor = e.getDeltaY() > 0 ? 1.25 : 1 / 1.25;
            double next = Math.clamp(zoom * factor, 1, 128);
            double mx = e.getX() - LEFT;
            panX = clampPan(mx - (mx - panX) * next / zoom, next);
            zoom = next;
            draw();
        });
        canvas.setOnMousePressed(e -> dragX = e.getX() - panX);
        canvas.setOnMouseDragged(e -> {
            panX = clampPan(e.getX() - dragX, zoom);
            draw();
        });
        canvas.setOnMouseClicked(e -> {
            int[] cell = cellAt(e.getX(), e.getY());
            if (e.isStillSincePress() && cell != null) {
                model.selectedLayerProperty().set(cell[0]);
                model.selectedPositionProperty().set(cell[1]);
            }
        });
        canvas.setOnMouseMoved(e -> {
            int[] cell = cellAt(e.getX(), e.getY());
            model.hoverLayerProperty().set(cell == null ? -1 : cell[0]);
            model.hoverPositionProperty().set(cell == null ? -1 : cell[1]);
        });
        canvas.setOnMouseExited(e -> {
            model.hoverLayerProperty().set(-1);
            model.hoverPositionProperty().set(-1);
        });
        registerChangeListener(model.hoverLayerProperty(), o -> updateHover());
        registerChangeListener(model.hoverPositionProperty(), o -> updateHover());
        registerChangeListener(model.selectedLayerProperty(), o -> draw());
        registerChangeListener(model.selectedPositionProperty(), o -> draw());
        image = toImage(model.resultProperty().get());
    }

    private void updateHover() {
        LogitLensViewModel model = getSkinnable().model();
        hover.setText(model.describe(model.hoverLayerProperty().get(), model.hoverPositionProperty().get()));
    }

    private double gridWidth() {
        return Math.max(0, canvas.getWidth() - LEFT);
    }

    private double row() {
        int layers = Math.max(1, getSkinnable().model().layers());
        return Math.clamp((canvas.getHeight() - TOP - LEGEND) / layers, 1, MAX_ROW);
    }

    private double column() {
        int n = Math.max(1, getSkinnable().model().size());
        return Math.max(1, gridWidth() / n) * zoom;
    }

    /** Keeps the grid from being dragged out of sight. */
    private double clampPan(double pan, double atZoom) {
        int n = Math.max(1, getSkinnable().model().size());
        double width = Math.max(1, gridWidth() / n) * atZoom * n;
        return Math.clamp(pan, Math.min(0, gridWidth() - width), 0);
    }

    /** (layer, position) under a canvas point, or null. */
    int[] cellAt(double x, double y) {
        LogitLensViewModel model = getSkinnable().model();
        int p = (int) Math.floor((x - LEFT - panX) / column());
        int l = (int) Math.floor((y - TOP) / row());
        if (x < LEFT || y < TOP || p < 0 || l < 0 || p >= model.size() || l >= model.layers()) {
            return null;
        }
        return new int[] {l, p};
    }

    /** Where the centre of a cell is drawn now, in the control's coordinates. */
    Point2D cellCenter(int layer, int position) {
        Point2D local = new Point2D(LEFT + panX + (position + 0.5) * column(), TOP + (layer + 0.5) * row());
        return getSkinnable().sceneToLocal(canvas.localToScene(local));
    }

    private static WritableImage toImage(LogitLens.Result r) {
        if (r == null || r.top().isEmpty() || r.top().getFirst().isEmpty()) {
            return null;
        }
        int layers = r.top().size();
        int n = r.top().getFirst().size();
        int[] pixels = new int[layers * n]; // (layer, position) ARGB
        for (int l = 0; l < layers; l++) {
            for (int p = 0; p < n; p++) {
                List<Alternative> top = r.top().get(l).get(p);
                pixels[l * n + p] = ColorScale.argb(top.isEmpty() ? 0 : top.getFirst().prob());
            }
        }
        WritableImage img = new WritableImage(n, layers);
        img.getPixelWriter().setPixels(0, 0, n, layers, PixelFormat.getIntArgbInstance(), pixels, 0, n);
        return img;
    }

    private void draw() {
        GraphicsContext g = canvas.getGraphicsContext2D();
        double w = canvas.getWidth();
        double h = canvas.getHeight();
        g.clearRect(0, 0, w, h);
        LogitLensViewModel model = getSkinnable().model();
        int n = model.size();
        int layers = model.layers();
        if (image == null || n == 0) {
            return;
        }
        placeOnce(n);
        double c = column();
        double r = row();
        Color text = textColor();
        int first = Math.max(0, (int) Math.floor(-panX / c));
        int last = Math.min(n - 1, (int) Math.ceil((w - LEFT - panX) / c));

        g.save();
        g.beginPath();
        g.rect(LEFT, TOP, w - LEFT, layers * r);
        g.clip();
        g.setImageSmoothing(false);
        g.drawImage(image, LEFT + panX, TOP, n * c, layers * r);
        if (c >= MIN_TEXT_COLUMN && r >= 12) {
            g.setFont(Font.font("monospace", Math.min(13, r * 0.5)));
            g.setTextAlign(TextAlignment.CENTER);
            g.setTextBaseline(VPos.CENTER);
            for (int l = 0; l < layers; l++) {
                for (int p = first; p <= last; p++) {
                    List<Alternative> top = model.top(l, p);
                    if (!top.isEmpty()) {
                        g.setFill(ColorScale.textOn(top.getFirst().prob()));
                        g.fillText(label(top.getFirst().piece()), LEFT + panX + (p + 0.5) * c, TOP + (l + 0.5) * r,
                                c - 4);
                    }
                }
            }
        }
        // The cell where each position's final prediction first becomes the top token.
        for (int p = first; p <= last; p++) {
            int l = model.emergesAt(p);
            if (l >= 0) {
                outline(g, LEFT + panX + p * c, TOP + l * r, c, r);
            }
        }
        int sl = model.selectedLayerProperty().get();
        int sp = model.selectedPositionProperty().get();
        if (sl >= 0 && sp >= 0 && sl < layers && sp < n) {
            g.setStroke(Color.web("#ff4fa3"));
            g.setLineWidth(2.5);
            g.setLineDashes(4, 3);
            g.strokeRect(LEFT + panX + sp * c + 1.5, TOP + sl * r + 1.5, c - 3, r - 3);
            g.setLineDashes();
        }
        g.restore();

        g.setFill(text);
        g.setTextBaseline(VPos.CENTER);
        // Layer numbers down the left; the last layer's lens is the model's own output.
        g.setFont(Font.font(11));
        g.setTextAlign(TextAlignment.RIGHT);
        for (int l = 0; l < layers && r >= 8; l++) {
            g.fillText(l == layers - 1 ? "L" + l + " ▸ out" : "L" + l, LEFT - 6, TOP + (l + 0.5) * r, LEFT - 8);
        }
        // Position tokens along the top, turned to read upwards.
        if (c >= MIN_LABEL_COLUMN) {
            g.save();
            g.beginPath();
            g.rect(LEFT, 0, w - LEFT, TOP);
            g.clip();
            g.setFont(Font.font("monospace", Math.min(12, c * 0.8)));
            g.setTextAlign(TextAlignment.LEFT);
            for (int p = first; p <= last; p++) {
                g.save();
                g.translate(LEFT + panX + (p + 0.5) * c, TOP - 4);
                g.rotate(-90);
                g.fillText(label(model.piece(p)), 0, 0, TOP - 8);
                g.restore();
            }
            g.restore();
        }
        drawLegend(g, TOP + layers * r + 12, text);
    }

    private static void outline(GraphicsContext g, double x, double y, double w, double h) {
        // Black under white reads on every colour of the scale, and without colour vision.
        g.setLineWidth(3);
        g.setStroke(Color.BLACK);
        g.strokeRect(x + 1.5, y + 1.5, w - 3, h - 3);
        g.setLineWidth(1.2);
        g.setStroke(Color.WHITE);
        g.strokeRect(x + 1.5, y + 1.5, w - 3, h - 3);
    }

    private void drawLegend(GraphicsContext g, double y, Color text) {
        double x = LEFT;
        g.setFont(Font.font(11));
        g.setTextAlign(TextAlignment.LEFT);
        g.setFill(text);
        g.fillText("0%", x, y + 6);
        x += 24;
        for (int i = 0; i < 160; i++) {
            g.setFill(ColorScale.viridis(i / 159.0));
            g.fillRect(x + i, y, 1, 12);
        }
        x += 166;
        g.setFill(text);
        g.fillText("100%", x, y + 6);
        x += 48;
        outline(g, x, y - 3, 26, 18);
        g.setFill(text);
        g.fillText(getSkinnable().model().emergenceLegend(), x + 34, y + 6);
    }

    /**
     * A long sequence would open with columns too narrow for text; start zoomed in on its end (the
     * reply's last tokens), where a reader usually looks first.
     */
    private void placeOnce(int n) {
        if (placed || gridWidth() <= 0) {
            return;
        }
        placed = true;
        double base = Math.max(1, gridWidth() / n);
        if (base < START_COLUMN) {
            // A whole number of columns fills the width, so none is cut at either edge.
            double c = gridWidth() / Math.max(1, Math.floor(gridWidth() / START_COLUMN));
            zoom = c / base;
            panX = clampPan(gridWidth() - n * c, zoom);
        }
    }

    private Color textColor() {
        // The hover label is styled by the theme; the canvas borrows its colour.
        return hover.getTextFill() instanceof Color col ? col : Color.GRAY;
    }

    private static String label(String piece) {
        if (piece.isBlank() && !piece.isEmpty() && !piece.contains("\n")) {
            return "␣".repeat(Math.min(3, piece.length()));
        }
        return piece.replace("\n", "↵").replace("\t", "⇥");
    }

    @Override
    protected void layoutChildren(double x, double y, double w, double h) {
        super.layoutChildren(x, y, w, h);
        draw();
    }
}
