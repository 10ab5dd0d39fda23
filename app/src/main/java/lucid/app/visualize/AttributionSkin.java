package lucid.app.visualize;

import java.util.ArrayList;
import java.util.List;

import javafx.application.Platform;
import javafx.css.PseudoClass;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.SkinBase;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.FlowPane;
import javafx.scene.layout.HBox;
import javafx.scene.paint.Color;
import javafx.util.Duration;

/**
 * Lays the tokens out as runs of labels that wrap like text; the inputs before the selection are
 * painted on their score's colour, the selection is outlined, and the legend's gradient is drawn on
 * a canvas. The labels are made once; a new selection or new scores only restyle them.
 */
final class AttributionSkin extends SkinBase<AttributionView> {

    private static final double LEGEND_WIDTH = 240;
    private static final double LEGEND_HEIGHT = 12;
    private static final PseudoClass TARGET = PseudoClass.getPseudoClass("target");
    private static final PseudoClass PREVIEW = PseudoClass.getPseudoClass("preview");

    private final FlowPane flow = new FlowPane();
    private final List<Label> runs = new ArrayList<>();
    private final Label header = new Label();
    private final Label low = new Label();
    private final Label high = new Label();
    private final ScrollPane scroll;
    private int anchor = -1;
    private int pending = -1;

    AttributionSkin(AttributionView view) {
        super(view);
        AttributionViewModel model = view.model();
        flow.getStyleClass().add("attribution-tokens");
        flow.setHgap(1);
        flow.setVgap(3);
        flow.setPadding(new Insets(4));
        header.setId("attribution-target");
        header.getStyleClass().add("attribution-header");
        header.setWrapText(true);
        Canvas gradient = new Canvas(LEGEND_WIDTH, LEGEND_HEIGHT);
        GraphicsContext g = gradient.getGraphicsContext2D();
        for (int x = 0; x < LEGEND_WIDTH; x++) {
            g.setFill(DivergingColorScale.of(x / (LEGEND_WIDTH - 1) * 2 - 1));
            g.fillRect(x, 0, 1, LEGEND_HEIGHT);
        }
        low.setId("attribution-legend-low");
        high.setId("attribution-legend-high");
        HBox legend = new HBox(6, low, gradient, high);
        legend.setAlignment(Pos.CENTER_LEFT);
        legend.getStyleClass().add("attribution-legend");
        legend.setPadding(new Insets(8, 4, 4, 4));
        for (int i = 0; i < model.size(); i++) {
            runs.add(run(model, i));
        }
        flow.getChildren().setAll(runs);
        scroll = new ScrollPane(flow);
        scroll.setFitToWidth(true);
        BorderPane root = new BorderPane(scroll);
        root.setTop(header);
        BorderPane.setMargin(header, new Insets(0, 0, 6, 0));
        root.setBottom(legend);
        getChildren().add(root);
        registerChangeListener(model.attributionProperty(), o -> restyle());
        registerChangeListener(model.startProperty(), o -> restyle());
        registerChangeListener(model.endProperty(), o -> {
            restyle();
            Platform.runLater(this::revealTarget);
        });
        registerChangeListener(model.runningProperty(), o -> restyle());
        restyle();
    }

    private Label run(AttributionViewModel model, int i) {
        Label run = new Label(model.piece(i).replace("\n", "↵").replace("\t", "⇥"));
        run.setId("attribution-token-" + i);
        run.getStyleClass().add("attribution-token");
        if (model.selectable(i)) {
            run.getStyleClass().add("attribution-reply");
            run.setOnMousePressed(e -> {
                int from = e.isShiftDown() && model.startProperty().get() >= 0 ? model.startProperty().get() : i;
                anchor = from;
                pending = i;
                preview();
            });
            run.setOnDragDetected(e -> run.startFullDrag());
            run.setOnMouseReleased(e -> {
                if (anchor >= 0) {
                    int a = anchor;
                    anchor = -1;
                    model.select(a, pending);
                    restyle();
                }
            });
            run.setOnMouseDragEntered(e -> {
                if (anchor >= 0) {
                    pending = i;
                    preview();
                }
            });
        }
        return run;
    }

    /** Scrolls the selection into view (an automated selection may sit far below the top of a long text). */
    private void revealTarget() {
        int end = getSkinnable().model().endProperty().get();
        if (end < 0 || end >= runs.size()) {
            return;
        }
        double content = flow.getHeight();
        double viewport = scroll.getViewportBounds().getHeight();
        if (content <= viewport) {
            return;
        }
        double y = runs.get(end).getBoundsInParent().getMinY();
        double top = scroll.getVvalue() * (content - viewport);
        if (y >= top && y + runs.get(end).getHeight() <= top + viewport) {
            return;
        }
        scroll.setVvalue(Math.clamp((y - viewport / 2) / (content - viewport), 0, 1));
    }

    /** Outlines the span being dragged before it is selected. */
    private void preview() {
        int a = Math.min(anchor, pending);
        int b = Math.max(anchor, pending);
        for (int i = 0; i < runs.size(); i++) {
            runs.get(i).pseudoClassStateChanged(PREVIEW, i >= a && i <= b);
        }
    }

    private static String web(Color c) {
        return String.format("#%02x%02x%02x", Math.round(c.getRed() * 255), Math.round(c.getGreen() * 255),
                Math.round(c.getBlue() * 255));
    }

    private void restyle() {
        AttributionViewModel model = getSkinnable().model();
        int start = model.startProperty().get();
        int end = model.endProperty().get();
        double scale = model.scale();
        header.setText(model.header());
        low.setText(model.legend(false, scale));
        high.setText(model.legend(true, scale));
        for (int i = 0; i < runs.size(); i++) {
            Label run = runs.get(i);
            run.pseudoClassStateChanged(PREVIEW, false);
            run.pseudoClassStateChanged(TARGET, start >= 0 && i >= start && i <= end);
            String tip = model.describe(i);
            if (tip != null) {
                double t = model.shade(i);
                run.setStyle("-fx-background-color: " + web(DivergingColorScale.of(t)) + "; -fx-text-fill: "
                        + web(DivergingColorScale.textOn(t)) + ";");
                Tooltip tooltip = run.getTooltip();
                if (tooltip == null) {
                    tooltip = new Tooltip();
                    tooltip.setShowDelay(Duration.millis(150));
                    tooltip.setShowDuration(Duration.INDEFINITE);
                    tooltip.getStyleClass().add("attribution-tooltip");
                    run.setTooltip(tooltip);
                }
                tooltip.setText(tip);
            } else {
                run.setStyle("");
                run.setTooltip(null);
            }
        }
    }
}
