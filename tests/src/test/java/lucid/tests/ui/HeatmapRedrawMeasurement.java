package lucid.tests.ui;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

import javafx.event.Event;
import javafx.scene.Scene;
import javafx.scene.canvas.Canvas;
import javafx.scene.input.MouseButton;
import javafx.scene.input.MouseEvent;
import javafx.scene.input.ScrollEvent;
import javafx.stage.Stage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;

import lucid.app.visualize.AttentionHeatmap;
import lucid.app.visualize.AttentionViewModel;
import lucid.engine.gguf.SharedFixtures;
import lucid.engine.inference.Engine;
import lucid.engine.inference.LoadedModel;

/**
 * A measurement, not a test: how long the attention heatmap takes to show a 2,048 × 2,048 matrix
 * and to redraw after each zoom step and pan step, rendering included (each step ends with a
 * snapshot, which makes the scene graph render the canvas). Prints the numbers and writes them to
 * {@code target/heatmap-redraw.txt}; asserts nothing about time. Runs only when asked:
 * {@code ./mvnw -o -pl tests -am verify -Dtest=HeatmapRedrawMeasurement -Dlucid.measure=true
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "lucid.measure", matches = "true")
class HeatmapRedrawMeasurement {

    private static final int N = 2048;
    private static final int STEPS = 30;

    @Test
    void measure() throws Exception {
        FxToolkit.registerPrimaryStage();
        FxRobot robot = new FxRobot();
        Random random = new Random(1);
        int[] tokens = new int[N];
        float[][] matrix = new float[N][N]; // (query, key): each row a random distribution over keys <= query
        try (Engine engine = Engine.create(1);
             LoadedModel model = engine.load(SharedFixtures.file("models/stories260k.gguf"))) {
            for (int q = 0; q < N; q++) {
                tokens[q] = 1 + random.nextInt(model.config().vocabSize() - 1);
                double sum = 0;
                for (int k = 0; k <= q; k++) {
                    matrix[q][k] = (float) Math.pow(random.nextDouble(), 8);
                    sum += matrix[q][k];
                }
                for (int k = 0; k <= q; k++) {
                    matrix[q][k] /= (float) sum;
                }
            }
            // No capture runs (its executor drops the task): the synthetic matrix is what is drawn.
            AttentionViewModel vm = new AttentionViewModel(model, tokens, task -> { }, Runnable::run);
            AttentionHeatmap heatmap = new AttentionHeatmap(vm);
            Stage[] stage = new Stage[1];
            robot.interact(() -> {
                stage[0] = new Stage();
                stage[0].setScene(new Scene(heatmap, 900, 820));
                stage[0].show();
            });
            Canvas canvas = heatmap.lookupAll("*").stream().filter(c -> c instanceof Canvas).map(c -> (Canvas) c)
                    .findFirst().orElseThrow();

            long[] show = new long[1];
            robot.interact(() -> {
                long t0 = System.nanoTime();
                vm.matrixProperty().set(matrix);
                heatmap.snapshot(null, null);
                show[0] = System.nanoTime() - t0;
            });
            // Warm up the event and render paths, then measure.
            step(robot, heatmap, canvas, true, 5);
            long[] zoom = step(robot, heatmap, canvas, true, STEPS);
            long[] pan = step(robot, heatmap, canvas, false, STEPS);
            String report = String.format(Locale.ROOT, """
                    attention heatmap, %d x %d synthetic matrix, canvas %.0f x %.0f, headless (%s)
                    first show (pixel buffer + first render): %.1f ms
                    zoom step (x1.25, redraw + render): median %.2f ms, p95 %.2f ms, max %.2f ms
                    pan step (drag 15 px, redraw + render): median %.2f ms, p95 %.2f ms, max %.2f ms
                    """, N, N, canvas.getWidth(), canvas.getHeight(), System.getProperty("prism.order", "default"),
                    show[0] / 1e6, pct(zoom, 50), pct(zoom, 95), pct(zoom, 100), pct(pan, 50), pct(pan, 95), pct(pan, 100));
            System.out.print(report);
            Files.writeString(Path.of("target", "heatmap-redraw.txt"), report, StandardCharsets.UTF_8);
            robot.interact(() -> stage[0].close());
        }
    }

    /** Zoom steps (scroll up at the canvas centre) or pan steps (drag), each timed to a rendered frame. */
    private static long[] step(FxRobot robot, AttentionHeatmap heatmap, Canvas canvas, boolean zoom, int steps) {
        long[] times = new long[steps];
        double cx = canvas.getWidth() * 0.6;
        double cy = canvas.getHeight() * 0.6;
        for (int i = 0; i < steps; i++) {
            int at = i;
            robot.interact(() -> {
                long t0 = System.nanoTime();
                if (zoom) {
                    // Past 64x the zoom is clamped: zoom back out every 18 steps so each step redraws a new scale.
                    double dy = (at / 18) % 2 == 0 ? 40 : -40;
                    Event.fireEvent(canvas, new ScrollEvent(ScrollEvent.SCROLL, cx, cy, cx, cy, false, false, false, false,
                            false, false, 0, dy, 0, dy, ScrollEvent.HorizontalTextScrollUnits.NONE, 0,
                            ScrollEvent.VerticalTextScrollUnits.NONE, 0, 0, null));
                } else {
                    Event.fireEvent(canvas, mouse(MouseEvent.MOUSE_PRESSED, cx, cy));
                    Event.fireEvent(canvas, mouse(MouseEvent.MOUSE_DRAGGED, cx - 15, cy - 15));
                    Event.fireEvent(canvas, mouse(MouseEvent.MOUSE_RELEASED, cx - 15, cy - 15));
                }
                heatmap.snapshot(null, null);
                times[at] = System.nanoTime() - t0;
            });
        }
        return times;
    }

    private static MouseEvent mouse(javafx.event.EventType<MouseEvent> type, double x, double y) {
        return new MouseEvent(type, x, y, x, y, MouseButton.PRIMARY, 1, false, false, false, false, true, false, false,
                false, false, false, null);
    }

    private static double pct(long[] nanos, int p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int i = Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }
}
