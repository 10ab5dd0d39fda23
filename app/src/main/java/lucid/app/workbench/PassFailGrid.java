package lucid.app.workbench;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.Region;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.TextAlignment;
import javafx.util.Duration;

/**
 * The pass/fail grid of a test run, drawn on one canvas: a row per prompt variant, a column per
 * test case, green for passed, red for failed, grey while waiting. Hovering a cell shows why it
 * failed (or the output when it passed) in a tooltip.
 */
public final class PassFailGrid extends Region {

    static final double LABEL_WIDTH = 90;
    static final double HEADER_HEIGHT = 24;
    static final double CELL_WIDTH = 64;
    static final double CELL_HEIGHT = 28;

    private final ObjectProperty<WorkbenchViewModel.Grid> grid = new SimpleObjectProperty<>(this, "grid");
    private final ObjectProperty<Color> textColor = new SimpleObjectProperty<>(Color.gray(0.2));
    private final Canvas canvas = new Canvas();
    /** Never shown: CSS gives it the theme's text colour, which the labels on the canvas use. */
    private final javafx.scene.control.Label themeText = new javafx.scene.control.Label();
    private final Tooltip tooltip = new Tooltip();

    public PassFailGrid() {
        getStyleClass().add("pass-fail-grid");
        themeText.getStyleClass().add("pass-fail-text");
        themeText.setManaged(false);
        themeText.setVisible(false);
        themeText.textFillProperty().subscribe(p -> {
            if (p instanceof Color c) {
                textColor.set(c);
            }
        });
        getChildren().addAll(canvas, themeText);
        tooltip.setShowDelay(Duration.millis(150));
        tooltip.setWrapText(true);
        tooltip.setMaxWidth(480);
        grid.subscribe(g -> {
            requestLayout();
            draw();
        });
        textColor.subscribe(c -> draw());
        setOnMouseMoved(e -> {
            String text = tooltipText(e.getX(), e.getY());
            if (text == null) {
                Tooltip.uninstall(this, tooltip);
            } else {
                tooltip.setText(text);
                Tooltip.install(this, tooltip);
            }
        });
    }

    public ObjectProperty<WorkbenchViewModel.Grid> gridProperty() {
        return grid;
    }

    /** The colour of labels: the theme's text colour unless set. */
    public ObjectProperty<Color> textColorProperty() {
        return textColor;
    }

    /** The row and column under a point, or null. */
    public int[] cellAt(double x, double y) {
        WorkbenchViewModel.Grid g = grid.get();
        if (g == null || x < LABEL_WIDTH || y < HEADER_HEIGHT) {
            return null;
        }
        int c = (int) ((x - LABEL_WIDTH) / CELL_WIDTH);
        int r = (int) ((y - HEADER_HEIGHT) / CELL_HEIGHT);
        return r < g.rows().size() && c < g.columns().size() ? new int[] {r, c} : null;
    }

    /** What the tooltip says over a point: the failure reasons, or the output of a passed case. */
    public String tooltipText(double x, double y) {
        int[] rc = cellAt(x, y);
        if (rc == null) {
            return null;
        }
        WorkbenchViewModel.Grid g = grid.get();
        WorkbenchViewModel.GridCell cell = g.cell(rc[0], rc[1]);
        String head = g.rows().get(rc[0]) + " × " + g.columns().get(rc[1]);
        if (cell == null) {
            return head + "\n…";
        }
        return head + (cell.passed() ? " ✓\n" + abbreviate(cell.output()) : " ✗\n" + cell.reason()
                + "\n\n" + abbreviate(cell.output()));
    }

    private static String abbreviate(String s) {
        return s.length() <= 400 ? s : s.substring(0, 400) + "…";
    }

    @Override
    protected double computePrefWidth(double height) {
        WorkbenchViewModel.Grid g = grid.get();
        return LABEL_WIDTH + (g == null ? 0 : g.columns().size() * CELL_WIDTH) + 8;
    }

    @Override
    protected double computePrefHeight(double width) {
        WorkbenchViewModel.Grid g = grid.get();
        return HEADER_HEIGHT + (g == null ? 0 : g.rows().size() * CELL_HEIGHT) + 8;
    }

    @Override
    protected void layoutChildren() {
        canvas.setWidth(Math.max(1, getWidth()));
        canvas.setHeight(Math.max(1, getHeight()));
        draw();
    }

    private void draw() {
        GraphicsContext gc = canvas.getGraphicsContext2D();
        gc.clearRect(0, 0, canvas.getWidth(), canvas.getHeight());
        WorkbenchViewModel.Grid g = grid.get();
        if (g == null) {
            return;
        }
        gc.setFont(Font.font(12));
        gc.setTextBaseline(VPos.CENTER);
        gc.setFill(textColor.get());
        gc.setTextAlign(TextAlignment.CENTER);
        for (int c = 0; c < g.columns().size(); c++) {
            String label = g.columns().get(c);
            gc.fillText(label.length() > 9 ? label.substring(0, 8) + "…" : label,
                    LABEL_WIDTH + c * CELL_WIDTH + CELL_WIDTH / 2, HEADER_HEIGHT / 2);
        }
        gc.setTextAlign(TextAlignment.LEFT);
        for (int r = 0; r < g.rows().size(); r++) {
            double y = HEADER_HEIGHT + r * CELL_HEIGHT;
            gc.setFill(textColor.get());
            gc.fillText(g.rows().get(r), 4, y + CELL_HEIGHT / 2, LABEL_WIDTH - 8);
            for (int c = 0; c < g.columns().size(); c++) {
                WorkbenchViewModel.GridCell cell = g.cell(r, c);
                double x = LABEL_WIDTH + c * CELL_WIDTH;
                gc.setFill(cell == null ? Color.gray(0.6, 0.35)
                        : cell.passed() ? Color.web("#2da44e") : Color.web("#cf222e"));
                gc.fillRoundRect(x + 2, y + 2, CELL_WIDTH - 4, CELL_HEIGHT - 4, 6, 6);
                gc.setFill(Color.WHITE);
                gc.setTextAlign(TextAlignment.CENTER);
                gc.fillText(cell == null ? "…" : cell.passed() ? "✓" : "✗", x + CELL_WIDTH / 2, y + CELL_HEIGHT / 2);
                gc.setTextAlign(TextAlignment.LEFT);
            }
        }
    }
}
