package lucid.app.visualize;

import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.SkinBase;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.Pane;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.Text;
import javafx.scene.text.TextAlignment;

/**
 * Draws the tokens as wrapping text on one canvas (a long conversation is thousands of tokens: no
 * node per token), with the shading or bars of the shown query's attention, and tracks the pointer
 * and clicks through the layout's token boxes.
 */
final class AttentionTextSkin extends SkinBase<AttentionText> {

    private static final double PAD = 8;
    private static final double BAR = 24;          // the tallest bar, px
    private static final Color SHADE = Color.rgb(255, 127, 14); // orange: readable under dark and light text
    private static final Color QUERY = Color.rgb(31, 119, 180);

    private final Canvas canvas = new Canvas();
    private final Pane pane = new Pane(canvas);
    private final ScrollPane scroll = new ScrollPane(pane);
    private final Label hover = new Label(" ");
    private final Font font = Font.font(13);
    private final double textHeight;
    private final String[] pieces;
    private TokenTextLayout layout;

    AttentionTextSkin(AttentionText control) {
        super(control);
        AttentionViewModel model = control.model();
        pieces = new String[model.size()];
        for (int i = 0; i < pieces.length; i++) {
            pieces[i] = model.piece(i);
        }
        Text probe = new Text("Ag");
        probe.setFont(font);
        textHeight = Math.ceil(probe.getLayoutBounds().getHeight());
        hover.getStyleClass().add("attention-hover");
        hover.setId(control.style() == AttentionText.Style.SHADE ? "attention-text-hover" : "attention-bars-hover");
        scroll.setFitToWidth(true);
        scroll.getStyleClass().add("attention-text-scroll");
        BorderPane root = new BorderPane(scroll);
        root.setBottom(hover);
        getChildren().add(root);
        scroll.viewportBoundsProperty().addListener((o, old, b) -> {
            if (old == null || old.getWidth() != b.getWidth()) {
                relayout(b.getWidth());
            }
        });
        canvas.setOnMouseMoved(e -> control.hoveredProperty().set(tokenAt(e.getX(), e.getY())));
        canvas.setOnMouseExited(e -> control.hoveredProperty().set(-1));
        canvas.setOnMouseClicked(e -> {
            int t = tokenAt(e.getX(), e.getY());
            var selected = model.selectedQueryProperty();
            // Clicking the query again lets the pointer lead once more.
            selected.set(t == selected.get() ? -1 : t);
        });
        control.setBoxes(t -> layout == null || t < 0 || t >= layout.size() ? null
                : control.sceneToLocal(canvas.localToScene(new javafx.geometry.BoundingBox(PAD + layout.x(t),
                        PAD + layout.y(t), layout.width(t), layout.lineHeight()))));
        registerChangeListener(model.matrixProperty(), o -> draw());
        registerChangeListener(model.selectedQueryProperty(), o -> draw());
        registerChangeListener(control.hoveredProperty(), o -> draw());
    }

    private double lineHeight() {
        return textHeight + (getSkinnable().style() == AttentionText.Style.BARS ? BAR + 6 : 6);
    }

    private int tokenAt(double x, double y) {
        return layout == null ? -1 : layout.tokenAt(x - PAD, y - PAD);
    }

    private void relayout(double width) {
        if (width <= 2 * PAD) {
            return;
        }
        layout = new TokenTextLayout(pieces, font, width - 2 * PAD, lineHeight());
        canvas.setWidth(width);
        canvas.setHeight(layout.height() + 2 * PAD);
        pane.setPrefHeight(canvas.getHeight());
        draw();
    }

    private void draw() {
        GraphicsContext g = canvas.getGraphicsContext2D();
        g.clearRect(0, 0, canvas.getWidth(), canvas.getHeight());
        AttentionText control = getSkinnable();
        updateHover(control);
        if (layout == null) {
            return;
        }
        int q = control.shownQuery();
        boolean bars = control.style() == AttentionText.Style.BARS;
        Color text = hover.getTextFill() instanceof Color c ? c : Color.GRAY;
        g.setFont(font);
        g.setTextBaseline(VPos.BOTTOM);
        g.setTextAlign(TextAlignment.LEFT);
        for (int i = 0; i < layout.size(); i++) {
            double x = PAD + layout.x(i);
            double top = PAD + layout.y(i);
            double w = layout.width(i);
            double textTop = top + layout.lineHeight() - textHeight - 3;
            if (q >= 0 && i <= q) {
                double shade = control.shade(i);
                if (bars) {
                    double h = shade * BAR;
                    g.setFill(ColorScale.viridis(control.weight(i)));
                    g.fillRect(x + 1, textTop - 2 - h, w - 2, h);
                } else if (shade > 0) {
                    g.setFill(SHADE.deriveColor(0, 1, 1, shade));
                    g.fillRoundRect(x, textTop - 1, w, textHeight + 4, 4, 4);
                }
            }
            if (i == q) {
                g.setStroke(QUERY);
                g.setLineWidth(2);
                g.strokeRoundRect(x, textTop - 1, w, textHeight + 4, 4, 4);
            }
            // Tokens after the query cannot be attended to: drawn faint.
            g.setFill(q >= 0 && i > q ? text.deriveColor(0, 1, 1, 0.4) : text);
            g.fillText(layout.shown(i), x, textTop + textHeight + 1);
        }
    }

    private void updateHover(AttentionText control) {
        AttentionViewModel model = control.model();
        int q = control.shownQuery();
        int k = control.hoveredProperty().get();
        if (q >= 0 && k >= 0 && k <= q && model.matrixProperty().get() != null) {
            hover.setText(model.describe(q, k));
        } else if (q >= 0 && model.matrixProperty().get() != null) {
            hover.setText(model.describe(q, q));
        } else {
            hover.setText(" ");
        }
    }

    @Override
    protected void layoutChildren(double x, double y, double w, double h) {
        super.layoutChildren(x, y, w, h);
        if (layout == null && scroll.getViewportBounds() != null) {
            relayout(scroll.getViewportBounds().getWidth());
        }
    }
}
