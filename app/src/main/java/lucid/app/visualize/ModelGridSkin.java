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
 * Draws the whole grid from one pixel buffer: each thumbnail is {@code side} pixels a side with a
 * one-pixel gap, the canvas scales the image up without smoothing, and the layer, head and KV labels
 * go around it. Layers not captured yet show as empty frames.
 */
final class ModelGridSkin extends SkinBase<ModelGrid> {

    static final double LEFT = 64;  // room for the layer labels, px
    static final double TOP = 40;   // room for the head and KV labels, px

    private final Canvas canvas = new Canvas();
    private final Pane pane = new Pane(canvas);
    private final Label hover = new Label(" ");
    private WritableImage image;

    ModelGridSkin(ModelGrid control) {
        super(control);
        ModelGridViewModel model = control.model();
        hover.getStyleClass().add("attention-hover");
        hover.setId("model-grid-hover");
        BorderPane root = new BorderPane(pane);
        root.setBottom(hover);
        getChildren().add(root);
        canvas.widthProperty().bind(pane.widthProperty());
        canvas.heightProperty().bind(pane.heightProperty());
        canvas.widthProperty().addListener(o -> draw());
        canvas.heightProperty().addListener(o -> draw());
        registerChangeListener(model.thumbnailsProperty(), o -> {
            image = toImage(model.thumbnailsProperty().get());
            draw();
        });
        canvas.setOnMouseMoved(e -> {
            int[] at = thumbnailAt(e.getX(), e.getY());
            model.hoverLayerProperty().set(at == null ? -1 : at[0]);
            model.hoverHeadProperty().set(at == null ? -1 : at[1]);
        });
        canvas.setOnMouseExited(e -> {
            model.hoverLayerProperty().set(-1);
            model.hoverHeadProperty().set(-1);
        });
        canvas.setOnMouseClicked(e -> {
            int[] at = thumbnailAt(e.getX(), e.getY());
            if (at != null) {
                model.pick(at[0], at[1]);
            }
        });
        registerChangeListener(model.hoverLayerProperty(), o -> updateHover());
        registerChangeListener(model.hoverHeadProperty(), o -> updateHover());
        image = toImage(model.thumbnailsProperty().get());
    }

    private void updateHover() {
        ModelGridViewModel model = getSkinnable().model();
        int l = model.hoverLayerProperty().get();
        int h = model.hoverHeadProperty().get();
        hover.setText(l < 0 || h < 0 ? " " : "L" + l + " · H" + h + " · KV" + model.kvHeadOf(h));
        draw();
    }

    /** Screen pixels per thumbnail pixel: the grid fills the room it has. */
    double scale() {
        ModelGridViewModel.Thumbnails t = getSkinnable().model().thumbnailsProperty().get();
        double stride = t.side() + 1;
        double sx = (canvas.getWidth() - LEFT) / (t.heads() * stride);
        double sy = (canvas.getHeight() - TOP) / (t.layers() * stride);
        return Math.max(0.1, Math.min(sx, sy));
    }

    /** (layer, head) under a canvas point, or null (also in the gaps). */
    int[] thumbnailAt(double x, double y) {
        ModelGridViewModel.Thumbnails t = getSkinnable().model().thumbnailsProperty().get();
        double stride = (t.side() + 1) * scale();
        if (x < LEFT || y < TOP) {
            return null;
        }
        int h = (int) ((x - LEFT) / stride);
        int l = (int) ((y - TOP) / stride);
        if (h >= t.heads() || l >= t.layers()) {
            return null;
        }
        return new int[] {l, h};
    }

    private static WritableImage toImage(ModelGridViewModel.Thumbnails t) {
        int stride = t.side() + 1;
        int w = t.heads() * stride;
        int h = t.layers() * stride;
        int[] pixels = new int[w * h]; // (layer * stride + row, head * stride + column) ARGB; gaps transparent
        for (int l = 0; l < t.layers(); l++) {
            for (int hd = 0; hd < t.heads(); hd++) {
                float[][] m = t.weights()[l][hd];
                if (m == null) {
                    continue;
                }
                for (int r = 0; r < t.side(); r++) {
                    for (int c = 0; c <= r; c++) {
                        pixels[(l * stride + r) * w + hd * stride + c] = ColorScale.argb(m[r][c]);
                    }
                }
            }
        }
        WritableImage img = new WritableImage(w, h);
        img.getPixelWriter().setPixels(0, 0, w, h, PixelFormat.getIntArgbInstance(), pixels, 0, w);
        return img;
    }

    private void draw() {
        GraphicsContext g = canvas.getGraphicsContext2D();
        g.clearRect(0, 0, canvas.getWidth(), canvas.getHeight());
        ModelGridViewModel model = getSkinnable().model();
        ModelGridViewModel.Thumbnails t = model.thumbnailsProperty().get();
        if (image == null || canvas.getWidth() <= LEFT || canvas.getHeight() <= TOP) {
            return;
        }
        double s = scale();
        double stride = (t.side() + 1) * s;
        double thumb = t.side() * s;
        Color text = hover.getTextFill() instanceof Color c ? c : Color.GRAY;
        g.setImageSmoothing(false);
        g.drawImage(image, LEFT, TOP, image.getWidth() * s, image.getHeight() * s);
        // Frames: faint for every thumbnail (the lower triangle is the map, empty ones show where
        // layers are still to come), strong around the one under the pointer.
        g.setLineWidth(1);
        g.setStroke(text.deriveColor(0, 1, 1, 0.25));
        for (int l = 0; l < t.layers(); l++) {
            for (int h = 0; h < t.heads(); h++) {
                g.strokeRect(LEFT + h * stride - 0.5, TOP + l * stride - 0.5, thumb + 1, thumb + 1);
            }
        }
        int hl = model.hoverLayerProperty().get();
        int hh = model.hoverHeadProperty().get();
        if (hl >= 0 && hh >= 0) {
            g.setStroke(Color.rgb(255, 127, 14));
            g.setLineWidth(2);
            g.strokeRect(LEFT + hh * stride - 1, TOP + hl * stride - 1, thumb + 2, thumb + 2);
        }
        g.setFill(text);
        g.setFont(Font.font(Math.min(12, Math.max(8, stride * 0.3))));
        g.setTextBaseline(VPos.CENTER);
        g.setTextAlign(TextAlignment.RIGHT);
        for (int l = 0; l < t.layers(); l++) {
            g.fillText("L" + l, LEFT - 6, TOP + l * stride + thumb / 2);
        }
        g.setTextAlign(TextAlignment.CENTER);
        int previousKv = -1;
        for (int h = 0; h < t.heads(); h++) {
            double x = LEFT + h * stride + thumb / 2;
            g.fillText("H" + h, x, TOP - 26);
            int kv = model.kvHeadOf(h);
            g.fillText("KV" + kv, x, TOP - 11);
            if (kv != previousKv && h > 0) {
                // A tick between KV groups: the heads to its left and right read different keys and values.
                g.strokeLine(LEFT + h * stride - 1.5, TOP - 18, LEFT + h * stride - 1.5, TOP - 4);
            }
            previousKv = kv;
        }
    }

    @Override
    protected void layoutChildren(double x, double y, double w, double h) {
        super.layoutChildren(x, y, w, h);
        draw();
    }
}
