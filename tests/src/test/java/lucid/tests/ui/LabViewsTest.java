package lucid.tests.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import javafx.scene.Node;
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
import lucid.app.chat.ReplyProbabilities;
import lucid.app.visualize.AttentionHeatmap;
import lucid.app.visualize.AttentionViewModel;
import lucid.app.visualize.LabWindow;
import lucid.app.visualize.TokenProbabilityView;
import lucid.app.visualize.TokenProbabilityViewModel;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.inspect.AttentionCapture;
import lucid.engine.inspect.Distribution;
import lucid.engine.inspect.TokenProbability;

/**
 * The token probability overlay on a real reply of the story model: every token's probability,
 * rank and alternatives as the view shows them equal what the engine computes again from scratch,
 * and the view exports PNG, CSV and JSON; the attention heatmap shows AttentionCapture's weights.
 */
class LabViewsTest {

    @TempDir
    Path dir;

    private final FxRobot robot = new FxRobot();
    private DesktopApp app;
    private AppContext ctx;
    private ChatViewModel chat;

    @BeforeEach
    void start() throws Exception {
        app = StoryApp.start(dir.resolve("data"));
        ctx = app.context();
        chat = ctx.chat();
    }

    @AfterEach
    void stop() throws Exception {
        StoryApp.stop(app);
    }

    @Test
    void tooltipShowsTheEnginesProbabilityOfEachToken() throws Exception {
        robot.interact(() -> chat.applySettings(chat.settingsProperty().get()
                .withSampling(0.8f, 40, 0.95f, 0.05f, 1.1f, 7, 20, List.of(), "")));
        robot.clickOn("#chat-input").write("Once upon a time");
        robot.type(KeyCode.ENTER);
        waitFor(30, () -> chat.finishedRepliesProperty().get() == 1);
        MessageItem reply = chat.messages().get(1);
        ReplyProbabilities recorded = reply.probabilitiesProperty().get();
        assertNotNull(recorded, "probabilities were recorded while the reply was generated");
        assertEquals(20, recorded.tokens().size());

        // Recompute with the engine: a fresh session, the same prompt, then the reply token by token.
        LoadedModel model = ctx.models().chatEngineProperty().get().model();
        Distribution distribution = new Distribution(model.tokenizer(), 10);
        List<TokenProbability> expected = new java.util.ArrayList<>();
        try (InferenceSession session = model.newSession(256)) {
            float[] logits = session.prefill(recorded.prompt());
            for (TokenProbability t : recorded.tokens()) {
                expected.add(distribution.of(session.position(), logits, t.id(), true, null));
                logits = session.step(t.id());
            }
        }

        // The per-message action opens the overlay.
        Node button = robot.lookup(".message-cell").queryAll().stream()
                .filter(n -> ((javafx.scene.control.ListCell<?>) n).getItem() == reply)
                .map(n -> robot.from(n).lookup("#message-probabilities").queryButton()).findFirst().orElseThrow();
        robot.clickOn(button);
        waitFor(10, () -> robot.lookup("#token-probability-view").tryQuery().isPresent());
        TokenProbabilityView view = robot.lookup("#token-probability-view").queryAs(TokenProbabilityView.class);
        TokenProbabilityViewModel vm = view.model();

        for (int i = 0; i < expected.size(); i++) {
            TokenProbability want = expected.get(i);
            TokenProbability got = vm.tokens().get(i);
            assertEquals(want.id(), got.id());
            assertEquals(want.prob(), got.prob(), 1e-4, "probability of token " + i);
            assertEquals(want.rank(), got.rank(), "rank of token " + i);
            assertEquals(want.entropy(), got.entropy(), 1e-3, "entropy at token " + i);
            assertEquals(want.top().getFirst().id(), got.top().getFirst().id(), "top alternative at token " + i);
            Label run = robot.lookup("#token-" + i).queryAs(Label.class);
            String tip = run.getTooltip().getText();
            assertTrue(tip.contains(TokenProbabilityViewModel.percent(want.prob())),
                    "tooltip of token " + i + " shows " + TokenProbabilityViewModel.percent(want.prob()) + ": " + tip);
            assertTrue(tip.contains("rank " + (want.rank() + 1)), tip);
            assertEquals(want.top().size() + 5, tip.split("\n").length, "all alternatives listed: " + tip);
        }

        // Hovering a token marks it and shows its tooltip.
        robot.moveTo("#token-3");
        waitFor(5, () -> vm.hoveredProperty().get() == 3);
        Label third = robot.lookup("#token-3").queryAs(Label.class);
        waitFor(5, () -> third.getTooltip().isShowing());

        // Exports: PNG of the view, CSV with a row per token, the CLI's JSON.
        AtomicReference<LabWindow> window = new AtomicReference<>();
        robot.interact(() -> window.set(app.window().chat().openProbabilities(reply)));
        Path png = dir.resolve("probs.png");
        robot.interact(() -> {
            try {
                window.get().writePng(png);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] bytes = Files.readAllBytes(png);
        assertEquals((byte) 0x89, bytes[0]);
        assertEquals('P', bytes[1]);
        assertEquals(21, vm.csv().split("\n").length);
        assertTrue(vm.json().startsWith("{\"tokens\":["));
        assertFalse(vm.describe(0).isBlank());
    }

    @Test
    void attentionHeatmapShowsTheCapturedWeights() throws Exception {
        robot.interact(() -> chat.applySettings(chat.settingsProperty().get()
                .withSampling(0.8f, 40, 0.95f, 0.05f, 1.1f, 11, 20, List.of(), "")));
        robot.clickOn("#chat-input").write("Once upon a time");
        robot.type(KeyCode.ENTER);
        waitFor(30, () -> chat.finishedRepliesProperty().get() == 1);
        MessageItem reply = chat.messages().get(1);
        Node button = robot.lookup(".message-cell").queryAll().stream()
                .filter(n -> ((javafx.scene.control.ListCell<?>) n).getItem() == reply)
                .map(n -> robot.from(n).lookup("#message-attention").queryButton()).findFirst().orElseThrow();
        robot.clickOn(button);
        waitFor(10, () -> robot.lookup("#attention-heatmap").tryQuery().isPresent());
        AttentionHeatmap heatmap = robot.lookup("#attention-heatmap").queryAs(AttentionHeatmap.class);
        AttentionViewModel vm = heatmap.model();
        waitFor(30, () -> vm.matrixProperty().get() != null && !vm.runningProperty().get());
        assertEquals(0, vm.layerProperty().get());
        assertEquals(0, vm.headProperty().get());
        int[] tokens = reply.probabilitiesProperty().get().sequence();
        assertEquals(tokens.length, vm.size());

        // The engine's own capture of layer 0, head 0 over the same tokens.
        LoadedModel model = ctx.models().chatEngineProperty().get().model();
        float[][] want = AttentionCapture.capture(model, tokens, new int[] {0}, new int[] {0}, null)[0].head(0);
        for (int q = 0; q < tokens.length; q++) {
            double sum = 0;
            for (int k = 0; k < tokens.length; k++) {
                assertEquals(want[q][k], vm.weight(q, k), 0.0, "weight (" + q + ", " + k + ")");
                sum += vm.weight(q, k);
            }
            assertEquals(1.0, sum, 1e-4, "row " + q + " sums to 1");
        }

        // Hover the last query's cell on the first key: the line under the map names both and the weight.
        javafx.scene.canvas.Canvas canvas = heatmap.lookupAll("*").stream()
                .filter(n -> n instanceof javafx.scene.canvas.Canvas).map(n -> (javafx.scene.canvas.Canvas) n)
                .findFirst().orElseThrow();
        int n = tokens.length;
        double cell = Math.min(canvas.getWidth() - 110, canvas.getHeight() - 110 - 28) / n;
        robot.moveTo(canvas.localToScreen(110 + cell * 0.5, 110 + cell * (n - 0.5)));
        waitFor(5, () -> vm.hoverQueryProperty().get() == n - 1 && vm.hoverKeyProperty().get() == 0);
        Label hover = robot.lookup("#attention-hover").queryAs(Label.class);
        assertEquals(vm.describe(n - 1, 0), hover.getText());
        assertTrue(hover.getText().endsWith(String.format(java.util.Locale.ROOT, "%.4f", want[n - 1][0])), hover.getText());

        // Aggregates and another layer: mean over heads equals the capture's mean.
        robot.interact(() -> vm.headProperty().set(AttentionViewModel.MEAN));
        float[][] mean = AttentionCapture.capture(model, tokens, new int[] {0}, allHeads(model), null)[0].meanOverHeads();
        assertEquals(mean[n - 1][0], vm.weight(n - 1, 0), 1e-6);
        robot.interact(() -> vm.layerProperty().set(1));
        waitFor(30, () -> vm.matrixProperty().get() != null && !vm.runningProperty().get());
        float[][] layer1 = AttentionCapture.capture(model, tokens, new int[] {1}, allHeads(model), null)[0].meanOverHeads();
        assertEquals(layer1[n - 1][0], vm.weight(n - 1, 0), 1e-6);
        assertEquals(n + 1, vm.csv().split("\n").length);
        assertTrue(vm.json().contains("\"layer\":1"), vm.json().substring(0, 40));

        // Rollout through every layer: the picker's choice captures the layers not captured yet, and
        // the map equals the engine's rollout of a capture of all layers.
        javafx.scene.control.ComboBox<?> layerPicker = robot.lookup("#attention-layer").queryAs(javafx.scene.control.ComboBox.class);
        robot.interact(() -> vm.headProperty().set(AttentionViewModel.ROLLOUT));
        assertTrue(layerPicker.isDisabled(), "rollout has no layer to pick");
        waitFor(30, () -> vm.matrixProperty().get() != null && !vm.runningProperty().get());
        int[] all = new int[model.config().blockCount()];
        java.util.Arrays.setAll(all, i -> i);
        float[][] rollout = AttentionCapture.rollout(AttentionCapture.capture(model, tokens, all, allHeads(model), null));
        for (int q = 0; q < n; q++) {
            for (int k = 0; k <= q; k++) {
                assertEquals(rollout[q][k], vm.weight(q, k), 1e-5, "rollout (" + q + ", " + k + ")");
            }
        }
        assertEquals("rollout", vm.headName());
        assertTrue(vm.json().contains("\"head\":\"rollout\""), vm.json().substring(0, 60));
    }

    private static int[] allHeads(LoadedModel model) {
        int[] heads = new int[model.config().headCount()];
        for (int h = 0; h < heads.length; h++) {
            heads[h] = h;
        }
        return heads;
    }

    private static void waitFor(int seconds, Callable<Boolean> condition) throws Exception {
        WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, condition);
    }
}
