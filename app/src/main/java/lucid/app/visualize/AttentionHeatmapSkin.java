package lucid.app.visualize;

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

/**
 * Draws the heatmap: the matrix goes into a pixel buffer once (one pixel per cell), which the canvas
 * scales up without smoothing, so a 2,048-token square costs one image, not four million nodes.
 * Token labels are drawn only where cells are tall enough to hold text.
 */
final class AttentionHeatmapSkin extends SkinBase<AttentionHeatmap> {

    private static final double AXIS = 110;   // room for the token labels, px
    private static final double LEGEND = 28;  // room for the colour legend under the map, px
    private static final double MIN_LABEL_CELL = 9;

    private final Canvas canvas = new Canvas();
    private final Pane canvasPane = new Pane(canvas);
    private final Label hover = new Label(" ");
    private WritableImage image;
    private double zoom = 1;
    private double panX;
    private double panY;
    private double dragX;
    private double dragY;
    private boolean placed;

    AttentionHeatmapSkin(AttentionHeatmap control) {
        super(control);
        AttentionViewModel model = control.model();
        hover.getStyleClass().add("attention-hover");
        hover.setId("attention-hover");
        BorderPane root = new BorderPane(canvasPane);
        root.setBottom(hover);
        getChildren().add(root);
        canvas.widthProperty().bind(canvasPane.widthProperty());
        canvas.heightProperty().bind(canvasPane.heightProperty());
        canvas.widthProperty().addListener(o -> draw());
        canvas.heightProperty().addListener(o -> draw());
        registerChangeListener(model.matrixProperty(), o -> {
            image = toImage(model.matrixProperty().get());
            draw();
        });
        canvas.setOnScroll(e -> {
            double factor = e.getDeltaY() > 0 ? 1.25 : 1 / 1.25;
            double next = Math.clamp(zoom * factor, 1, 64);
            // Keep the point under the pointer where it is.
            double mx = e.getX() - AXIS;
            double my = e.getY() - AXIS;
            panX = mx - (mx - panX) * next / zoom;
            panY = my - (my - panY) * next / zoom;
            zoom = next;
            draw();
        });
        canvas.setOnMousePressed(e -> {
            dragX = e.getX() - panX;
            dragY = e.getY() - panY;
        });
        canvas.setOnMouseDragged(e -> {
            panX = e.getX() - dragX;
            panY = e.getY() - dragY;
            draw();
        });
        canvas.setOnMouseMoved(e -> {
            int[] cell = cellAt(e.getX(), e.getY());
            model.hoverQueryProperty().set(cell == null ? -1 : cell[0]);
            model.hoverKeyProperty().set(cell == null ? -1 : cell[1]);
        });
        canvas.setOnMouseClicked(e -> {
            if (e.isStillSincePress()) {
                // A click, not the end of a pan: spell this query row out as bars over the text.
                int[] cell = cellAt(e.getX(), e.getY());
                if (cell != null) {
                    var selected = model.selectedQueryProperty();
                    selected.set(selected.get() == cell[0] ? -1 : cell[0]);
                }
            }
        });
        registerChangeListener(model.selectedQueryProperty(), o -> draw());
        canvas.setOnMouseExited(e -> {
            model.hoverQueryProperty().set(-1);
            model.hoverKeyProperty().set(-1);
        });
        registerChangeListener(model.hoverQueryProperty(), o -> updateHover());
        registerChangeListener(model.hoverKeyProperty(), o -> updateHover());
        image = toImage(model.matrixProperty().get());
    }

    private void updateHover() {
        AttentionViewModel model = getSkinnable().model();
        int q = model.hoverQueryProperty().get();
        int k = model.hoverKeyProperty().get();
        hover.setText(q < 0 || k < 0 || model.matrixProperty().get() == null ? " " : model.describe(q, k));
    }

    /** The side of one cell at the current zoom. */
    private double cell() {
        int n = Math.max(1, getSkinnable().model().size());
        double side = Math.min(canvas.getWidth() - AXIS, canvas.getHeight() - AXIS - LEGEND);
        return Math.max(1, side / n) * zoom;
    }

    /** (query, key) under a canvas point, or null. */
    int[] cellAt(double x, double y) {
        int n = getSkinnable().model().size();
        double c = cell();
        int k = (int) Math.floor((x - AXIS - panX) / c);
        int q = (int) Math.floor((y - AXIS - panY) / c);
        if (x < AXIS || y < AXIS || q < 0 || k < 0 || q >= n || k >= n) {
            return null;
        }
        return new int[] {q, k};
    }

    private static WritableImage toImage(float[][] m) {
        if (m == null || m.length == 0) {
            return null;
        }
        int n = m.length;
        int[] pixels = new int[n * n]; // (query, key) ARGB
        for (int q = 0; q < n; q++) {
            for (int k = 0; k < n; k++) {
                pixels[q * n + k] = k > q ? 0x00000000 : ColorScale.argb(m[q][k]);
            }
        }
        WritableImage img = new WritableImage(n, n);
        img.getPixelWriter().setPixels(0, 0, n, n, PixelFormat.getIntArgbInstance(), pixels, 0, n);
        return img;
    }

    private void draw() {
        GraphicsContext g = canvas.getGraphicsContext2D();
        double w = canvas.getWidth();
        double h = canvas.getHeight();
        g.clearRect(0, 0, w, h);
        AttentionViewModel model = getSkinnable().model();
        int n = model.size();
        if (image == null || n == 0) {
            return;
        }
        placeOnce(n);
        double c = cell();
        Color text = textColor();
        g.save();
        g.beginPath();
        g.rect(AXIS, AXIS, w - AXIS, h - AXIS - LEGEND);
        g.clip();
        g.setImageSmoothing(false);
        g.drawImage(image, AXIS + panX, AXIS + panY, n * c, n * c);
        int selected = model.selectedQueryProperty().get();
        if (selected >= 0 && selected < n) {
            g.setStroke(Color.rgb(255, 127, 14));
            g.setLineWidth(2);
            g.strokeRect(AXIS + panX, AXIS + panY + selected * c, n * c, c);
        }
        g.restore();
        if (c >= MIN_LABEL_CELL) {
            g.setFill(text);
            g.setFont(Font.font(Math.min(12, c * 0.8)));
            g.setTextBaseline(VPos.CENTER);
            // Query tokens down the left, right-aligned against the map.
            g.save();
            g.beginPath();
            g.rect(0, AXIS, AXIS, h - AXIS - LEGEND);
            g.clip();
            g.setTextAlign(TextAlignment.RIGHT);
            for (int q = 0; q < n; q++) {
                double y = AXIS + panY + (q + 0.5) * c;
                if (y > AXIS - c && y < h) {
                    g.fillText(label(model.piece(q)), AXIS - 4, y, AXIS - 8);
                }
            }
            g.restore();
            // Key tokens along the top, turned to read upwards.
            g.save();
            g.beginPath();
            g.rect(AXIS, 0, w - AXIS, AXIS);
            g.clip();
            g.setTextAlign(TextAlignment.LEFT);
            for (int k = 0; k < n; k++) {
                double x = AXIS + panX + (k + 0.5) * c;
                if (x > AXIS - c && x < w) {
                    g.save();
                    g.translate(x, AXIS - 4);
                    g.rotate(-90);
                    g.fillText(label(model.piece(k)), 0, 0, AXIS - 8);
                    g.restore();
                }
            }
            g.restore();
        }
        // Legend: 0 to the largest weight possible, 1.
        double ly = h - LEGEND + 10;
        for (int x = 0; x < 200; x++) {
            g.setFill(ColorScale.viridis(x / 199.0));
            g.fillRect(AXIS + 30 + x, ly, 1, 10);
        }
        g.setFill(text);
        g.setFont(Font.font(11));
        g.setTextBaseline(VPos.CENTER);
        g.setTextAlign(TextAlignment.RIGHT);
        g.fillText("0", AXIS + 26, ly + 5);
        g.setTextAlign(TextAlignment.LEFT);
        g.fillText("1", AXIS + 234, ly + 5);
    }

    /**
     * A long sequence would open with cells too small to label; start zoomed in on its end instead
     * (the reply's last tokens against the keys just before them), where a reader usually looks first.
     */
    private void placeOnce(int n) {
        double side = Math.min(canvas.getWidth() - AXIS, canvas.getHeight() - AXIS - LEGEND);
        if (placed || side <= 0) {
            return;
        }
        placed = true;
        double base = Math.max(1, side / n);
        if (base < MIN_LABEL_CELL + 3) {
            zoom = (MIN_LABEL_CELL + 5) / base;
            double c = base * zoom;
            panX = canvas.getWidth() - AXIS - n * c;
            panY = canvas.getHeight() - AXIS - LEGEND - n * c;
        }
    }

    private Color textColor() {
        // The hover label is styled by the theme; the canvas borrows its colour.
        return hover.getTextFill() instanceof Color col ? col : Color.GRAY;
    }

    private static String label(String piece) {
        return piece.replace("\n", "↵").replace("\t", "⇥");
    }

    @Override
    protected void layoutChildren(double x, double y, double w, double h) {
        super.layoutChildren(x, y, w, h);
        draw();
    }
}
