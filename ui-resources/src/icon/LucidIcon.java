import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import javafx.application.Platform;
import javafx.scene.SnapshotParameters;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.paint.Color;
import javafx.scene.paint.CycleMethod;
import javafx.scene.paint.LinearGradient;
import javafx.scene.paint.RadialGradient;
import javafx.scene.paint.Stop;
import javafx.scene.shape.StrokeLineCap;

import lucid.app.common.PngWriter;

/**
 * The source of Lucid's app icon: a lens over a grid of tokens, some of them lit the way the app
 * lights tokens by probability or attention. Each size is drawn natively on a 64-unit design grid
 * (not scaled down from 512 px), and the smallest sizes drop detail so they stay legible.
 *
 * <p>Run it to regenerate {@code ui-resources/src/main/resources/lucid/icons/lucid-N.png} (see
 * installers/README.md); the PNGs are committed so that a build needs no display.
 */
public final class LucidIcon {

    static final int[] SIZES = {16, 24, 32, 48, 64, 128, 256, 512};

    // Token cells on the design grid: 4 x 4 cells of 10 units with a 3-unit gap, from (9, 9).
    private static final double GRID_ORIGIN = 9, CELL = 10, GAP = 3;
    // How lit each cell is (0 = background token, 1 = the most probable / most attended one).
    private static final double[][] HEAT = {
        {0.0, 0.25, 0.0, 0.1},
        {0.15, 0.0, 0.55, 0.0},
        {0.0, 0.8, 1.0, 0.3},
        {0.1, 0.0, 0.35, 0.0},
    };
    // The lens sits over the hottest cells; its handle runs to the bottom-right corner.
    private static final double LENS_X = 31, LENS_Y = 31, LENS_R = 16;

    private static final Color BG_TOP = Color.web("#2a2f6e");
    private static final Color BG_BOTTOM = Color.web("#121530");
    private static final Color CELL_DIM = Color.web("#3b4185");
    private static final Color CELL_HOT = Color.web("#ffb547");
    private static final Color CELL_WARM = Color.web("#4fd1c5");
    private static final Color RING = Color.web("#f4f6ff");

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "ui-resources/src/main/resources/lucid/icons");
        Files.createDirectories(dir);
        CompletableFuture<Void> done = new CompletableFuture<>();
        Platform.startup(() -> {
            try {
                for (int size : SIZES) {
                    Canvas canvas = new Canvas(size, size);
                    draw(canvas.getGraphicsContext2D(), size);
                    SnapshotParameters params = new SnapshotParameters();
                    params.setFill(Color.TRANSPARENT);
                    Path file = dir.resolve("lucid-" + size + ".png");
                    PngWriter.write(canvas.snapshot(params, null), file);
                    System.out.println("wrote " + file);
                }
                done.complete(null);
            } catch (Exception e) {
                done.completeExceptionally(e);
            }
        });
        try {
            done.get();
        } finally {
            Platform.exit();
        }
    }

    static void draw(GraphicsContext g, int size) {
        boolean tiny = size <= 24;
        g.save();
        g.scale(size / 64.0, size / 64.0);

        // Rounded-square tile, lit from the top.
        double inset = tiny ? 0.5 : 2;
        g.setFill(new LinearGradient(0, 0, 0, 1, true, CycleMethod.NO_CYCLE,
                new Stop(0, BG_TOP), new Stop(1, BG_BOTTOM)));
        g.fillRoundRect(inset, inset, 64 - 2 * inset, 64 - 2 * inset, 16, 16);

        // The token grid; at 16 and 24 px a 3 x 3 grid of bigger cells reads better than 4 x 4.
        int n = tiny ? 3 : 4;
        double cell = tiny ? 14 : CELL, gap = tiny ? 4 : GAP, origin = tiny ? 7 : GRID_ORIGIN;
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                // Outside the lens the tokens only hint at their heat; the lens reveals it.
                double heat = HEAT[r + (4 - n)][c + (4 - n)];
                g.setFill(cellColor(tiny ? heat : heat * 0.45));
                g.fillRoundRect(origin + c * (cell + gap), origin + r * (cell + gap), cell, cell, 3, 3);
            }
        }

        // The lens: a soft glow magnifies what is under it, then the ring and the handle.
        double lx = tiny ? 36 : LENS_X, ly = tiny ? 36 : LENS_Y, lr = tiny ? 17 : LENS_R;
        g.setFill(new RadialGradient(0, 0, lx - lr * 0.3, ly - lr * 0.3, lr * 1.3, false, CycleMethod.NO_CYCLE,
                new Stop(0, Color.rgb(255, 255, 255, 0.35)), new Stop(1, Color.rgb(160, 220, 255, 0.08))));
        g.fillOval(lx - lr, ly - lr, 2 * lr, 2 * lr);
        if (!tiny) {
            magnifiedCells(g, lx, ly, lr);
        }
        g.setLineCap(StrokeLineCap.ROUND);
        g.setStroke(RING);
        g.setLineWidth(tiny ? 5 : 4);
        double reach = lr / Math.sqrt(2);
        g.strokeLine(lx + reach + 1, ly + reach + 1, tiny ? 60 : 57, tiny ? 60 : 57);
        g.setLineWidth(tiny ? 4.5 : 3.5);
        g.strokeOval(lx - lr, ly - lr, 2 * lr, 2 * lr);
        if (!tiny) {
            // A glint on the glass, where the light of the tile comes from.
            g.setStroke(Color.rgb(255, 255, 255, 0.7));
            g.setLineWidth(1.6);
            g.strokeArc(lx - lr + 4, ly - lr + 4, 2 * lr - 8, 2 * lr - 8, 105, 60, javafx.scene.shape.ArcType.OPEN);
        }
        g.restore();
    }

    /** The cells under the lens again, in full colour, 1.15x larger around the lens centre, clipped to the glass. */
    private static void magnifiedCells(GraphicsContext g, double lx, double ly, double lr) {
        g.save();
        g.beginPath();
        g.arc(lx, ly, lr - 1.5, lr - 1.5, 0, 360);
        g.closePath();
        g.clip();
        g.setFill(Color.web("#161a3d"));
        g.fillOval(lx - lr, ly - lr, 2 * lr, 2 * lr);
        g.translate(lx, ly);
        g.scale(1.15, 1.15);
        g.translate(-lx, -ly);
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < 4; c++) {
                g.setFill(cellColor(HEAT[r][c]));
                g.fillRoundRect(GRID_ORIGIN + c * (CELL + GAP), GRID_ORIGIN + r * (CELL + GAP), CELL, CELL, 3, 3);
            }
        }
        g.restore();
    }

    /** Dim indigo for an unremarkable token, through teal, to amber for the hottest one. */
    private static Color cellColor(double heat) {
        if (heat <= 0) {
            return CELL_DIM;
        }
        return heat < 0.5
                ? CELL_DIM.interpolate(CELL_WARM, heat * 2)
                : CELL_WARM.interpolate(CELL_HOT, (heat - 0.5) * 2);
    }
}
