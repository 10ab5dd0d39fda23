package lucid.tests.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import javafx.geometry.Bounds;
import javafx.scene.control.Label;
import javafx.scene.input.KeyCode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.util.WaitForAsyncUtils;

import lucid.app.AppContext;
import lucid.app.DesktopApp;
import lucid.app.chat.ChatViewModel;
import lucid.app.chat.MessageItem;
import lucid.app.visualize.AttentionHeatmap;
import lucid.app.visualize.AttentionText;
import lucid.app.visualize.AttentionViewModel;
import lucid.app.visualize.LabWindow;
import lucid.app.visualize.ModelGrid;
import lucid.app.visualize.ModelGridViewModel;
import lucid.engine.inference.LoadedModel;
import lucid.engine.inspect.AttentionCapture;

/**
 * The attention text view and the model view on a real reply of the story model: the text view's
 * shading is AttentionCapture's weights from the chosen query; clicking a heatmap row shows that
 * row as bars; every thumbnail of the model view is the max-pooled capture of its layer and head,
 * and clicking one opens it in the heatmap.
 */
class LabAttentionViewsTest {

    @TempDir
    Path dir;

    private final FxRobot robot = new FxRobot();
    private DesktopApp app;
    private AppContext ctx;
    private ChatViewModel chat;
    private MessageItem reply;
    private int[] tokens;
    private LoadedModel model;

    @BeforeEach
    void start() throws Exception {
        app = StoryApp.start(dir.resolve("data"));
        ctx = app.context();
        chat = ctx.chat();
        robot.interact(() -> chat.applySettings(chat.settingsProperty().get()
                .withSampling(0.8f, 40, 0.95f, 0.05f, 1.1f, 3, 16, List.of(), "")));
        robot.clickOn("#chat-input").write("Once upon a time");
        robot.type(KeyCode.ENTER);
        waitFor(30, () -> chat.finishedRepliesProperty().get() == 1);
        reply = chat.messages().get(1);
        tokens = reply.probabilitiesProperty().get().sequence();
        model = ctx.models().chatEngineProperty().get().model();
    }

    @AfterEach
    void stop() throws Exception {
        StoryApp.stop(app);
    }

    @Test
    void textViewShadesEachKeyByTheQuerysAttention() throws Exception {
        AtomicReference<LabWindow> window = new AtomicReference<>();
        robot.interact(() -> window.set(app.window().chat().openAttentionText(reply)));
        waitFor(10, () -> robot.lookup("#attention-text").tryQuery().isPresent());
        AttentionText text = robot.lookup("#attention-text").queryAs(AttentionText.class);
        AttentionViewModel vm = text.model();
        waitFor(30, () -> window.get().readyProperty().get());
        int n = tokens.length;
        assertEquals(n - 1, text.shownQuery(), "opens on the reply's last token");

        float[][] head0 = AttentionCapture.capture(model, tokens, new int[] {0}, new int[] {0}, null)[0].head(0);
        assertShading(text, head0[n - 1], n - 1);

        // Clicking another token makes it the query; the shading follows the capture's row.
        int q = n / 2;
        robot.interact(() -> vm.selectedQueryProperty().set(-1));
        Bounds box = text.tokenBounds(q);
        assertNotNull(box);
        robot.moveTo(text.localToScreen(box.getCenterX(), box.getCenterY()));
        waitFor(5, () -> text.hoveredProperty().get() == q);
        assertEquals(q, text.shownQuery(), "the hovered token is the query while none is chosen");
        assertShading(text, head0[q], q);
        robot.clickOn(text.localToScreen(box.getCenterX(), box.getCenterY()));
        waitFor(5, () -> vm.selectedQueryProperty().get() == q);
        Bounds first = text.tokenBounds(0);
        robot.moveTo(text.localToScreen(first.getCenterX(), first.getCenterY()));
        waitFor(5, () -> text.hoveredProperty().get() == 0);
        assertEquals(q, text.shownQuery(), "a clicked query stays while the pointer moves on");
        Label hover = robot.lookup("#attention-text-hover").queryAs(Label.class);
        assertEquals(vm.describe(q, 0), hover.getText());

        // Another layer and the mean over heads.
        robot.interact(() -> {
            vm.layerProperty().set(1);
            vm.headProperty().set(AttentionViewModel.MEAN);
        });
        waitFor(30, () -> vm.matrixProperty().get() != null && !vm.runningProperty().get());
        float[][] mean1 = AttentionCapture.capture(model, tokens, new int[] {1}, null)[0].meanOverHeads();
        assertShading(text, mean1[q], q);
        assertEquals(q + 2, lucid.app.visualize.AttentionTextWindow.rowCsv(vm).split("\n").length, "CSV: a header and a row per key");
    }

    private static void assertShading(AttentionText text, float[] want, int q) {
        double max = 0;
        for (int k = 0; k <= q; k++) {
            max = Math.max(max, want[k]);
        }
        for (int k = 0; k < want.length; k++) {
            assertEquals(want[k], text.weight(k), 0.0, "weight of key " + k);
            assertEquals(want[k] / max, text.shade(k), 1e-6, "shade of key " + k);
        }
    }

    @Test
    void clickingAHeatmapRowShowsItAsBarsOverTheText() throws Exception {
        robot.interact(() -> app.window().chat().openAttention(reply));
        waitFor(10, () -> robot.lookup("#attention-heatmap").tryQuery().isPresent());
        AttentionHeatmap heatmap = robot.lookup("#attention-heatmap").queryAs(AttentionHeatmap.class);
        AttentionViewModel vm = heatmap.model();
        waitFor(30, () -> vm.matrixProperty().get() != null && !vm.runningProperty().get());
        AttentionText bars = robot.lookup("#attention-bars").queryAs(AttentionText.class);
        assertTrue(!bars.isVisible(), "no bars before a row is clicked");
        javafx.scene.canvas.Canvas canvas = heatmap.lookupAll("*").stream()
                .filter(c -> c instanceof javafx.scene.canvas.Canvas).map(c -> (javafx.scene.canvas.Canvas) c)
                .findFirst().orElseThrow();
        int n = tokens.length;
        double cell = Math.min(canvas.getWidth() - 110, canvas.getHeight() - 110 - 28) / n;
        int q = n - 3;
        robot.clickOn(canvas.localToScreen(110 + cell * 0.5, 110 + cell * (q + 0.5)));
        waitFor(5, () -> vm.selectedQueryProperty().get() == q && bars.isVisible());
        float[][] head0 = AttentionCapture.capture(model, tokens, new int[] {0}, new int[] {0}, null)[0].head(0);
        assertEquals(q, bars.shownQuery());
        for (int k = 0; k < n; k++) {
            assertEquals(head0[q][k], bars.weight(k), 0.0, "bar of key " + k);
        }
    }

    @Test
    void modelViewShowsEveryLayerAndHeadAndOpensOne() throws Exception {
        AtomicReference<LabWindow> window = new AtomicReference<>();
        robot.interact(() -> window.set(app.window().chat().openModelGrid(reply)));
        waitFor(10, () -> robot.lookup("#model-grid").tryQuery().isPresent());
        ModelGrid grid = robot.lookup("#model-grid").queryAs(ModelGrid.class);
        ModelGridViewModel vm = grid.model();
        waitFor(60, () -> window.get().readyProperty().get());
        ModelGridViewModel.Thumbnails t = vm.thumbnailsProperty().get();
        int layers = model.config().blockCount();
        int heads = model.config().headCount();
        assertEquals(layers, t.layers());
        assertEquals(heads, t.heads());
        AttentionCapture.LayerAttention[] all = AttentionCapture.capture(model, tokens, allLayers(layers), null);
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                float[][] want = ModelGridViewModel.maxPool(all[l].head(h), t.side());
                for (int r = 0; r < t.side(); r++) {
                    for (int c = 0; c < t.side(); c++) {
                        assertEquals(want[r][c], t.weights()[l][h][r][c], 0.0, "L" + l + " H" + h + " (" + r + "," + c + ")");
                    }
                }
            }
        }
        // Hover names the thumbnail with its KV head; a click opens it in the heatmap.
        javafx.scene.canvas.Canvas canvas = grid.lookupAll("*").stream()
                .filter(c -> c instanceof javafx.scene.canvas.Canvas).map(c -> (javafx.scene.canvas.Canvas) c)
                .findFirst().orElseThrow();
        double scale = Math.min((canvas.getWidth() - 64) / (heads * (t.side() + 1.0)),
                (canvas.getHeight() - 40) / (layers * (t.side() + 1.0)));
        double stride = (t.side() + 1) * scale;
        int layer = layers - 1;
        int head = heads - 1;
        javafx.geometry.Point2D at = canvas.localToScreen(64 + head * stride + stride / 2, 40 + layer * stride + stride / 2);
        robot.moveTo(at);
        waitFor(5, () -> vm.hoverLayerProperty().get() == layer && vm.hoverHeadProperty().get() == head);
        Label hover = robot.lookup("#model-grid-hover").queryAs(Label.class);
        assertEquals("L" + layer + " · H" + head + " · KV" + AttentionCapture.kvHeadOf(model.config(), head), hover.getText());
        robot.clickOn(at);
        waitFor(10, () -> robot.lookup("#attention-heatmap").tryQuery().isPresent());
        AttentionViewModel heat = robot.lookup("#attention-heatmap").queryAs(AttentionHeatmap.class).model();
        waitFor(30, () -> heat.matrixProperty().get() != null && !heat.runningProperty().get()
                && heat.layerProperty().get() == layer);
        assertEquals(head, heat.headProperty().get());
        assertEquals(all[layer].head(head)[tokens.length - 1][0], heat.weight(tokens.length - 1, 0), 0.0);
        assertTrue(vm.json().contains("\"pooling\":\"max\""));
        assertEquals(layers * heads + 1, vm.csv().split("\n").length);
    }

    private static int[] allLayers(int layers) {
        int[] all = new int[layers];
        for (int l = 0; l < layers; l++) {
            all[l] = l;
        }
        return all;
    }

    private static void waitFor(int seconds, Callable<Boolean> condition) throws Exception {
        WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, condition);
    }
}
