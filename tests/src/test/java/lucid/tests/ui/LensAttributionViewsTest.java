package lucid.tests.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import javafx.application.Platform;
import javafx.geometry.Point2D;
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
import lucid.app.visualize.AttributionView;
import lucid.app.visualize.AttributionViewModel;
import lucid.app.visualize.AttributionWindow;
import lucid.app.visualize.LabWindow;
import lucid.app.visualize.LogitLensGrid;
import lucid.app.visualize.LogitLensViewModel;
import lucid.app.visualize.LogitLensWindow;
import lucid.app.visualize.TokenProbabilityViewModel;
import lucid.engine.inference.LoadedModel;
import lucid.engine.inspect.Alternative;
import lucid.engine.inspect.LogitLens;
import lucid.engine.inspect.OcclusionAttribution;

/**
 * The logit lens and attribution views on a real reply of the story model: the numbers they show
 * (hover line, side panel, tooltips, exports) are the engine's LogitLens and OcclusionAttribution
 * results for the same tokens, a span's scores are the sum of its tokens' scores, and Cancel stops
 * both computations.
 */
class LensAttributionViewsTest {

    private static final double TOLERANCE = 1e-5;

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

    private MessageItem reply(int maxTokens) throws Exception {
        robot.interact(() -> chat.applySettings(chat.settingsProperty().get()
                .withSampling(0.8f, 40, 0.95f, 0.05f, 1.1f, 5, maxTokens, List.of(), "")));
        robot.clickOn("#chat-input").write("Once upon a time");
        robot.type(KeyCode.ENTER);
        waitFor(60, () -> chat.finishedRepliesProperty().get() == 1);
        MessageItem reply = chat.messages().get(1);
        assertNotNull(reply.probabilitiesProperty().get(), "the reply's tokens were recorded");
        return reply;
    }

    private void clickAction(MessageItem reply, String id) {
        Node button = robot.lookup(".message-cell").queryAll().stream()
                .filter(n -> ((javafx.scene.control.ListCell<?>) n).getItem() == reply)
                .map(n -> robot.from(n).lookup(id).queryButton()).findFirst().orElseThrow();
        robot.clickOn(button);
    }

    private LoadedModel model() {
        return ctx.models().chatEngineProperty().get().model();
    }

    @Test
    void logitLensShowsTheEnginesTopTokensAfterEveryLayer() throws Exception {
        MessageItem reply = reply(12);
        int[] tokens = reply.probabilitiesProperty().get().sequence();
        clickAction(reply, "#message-lens");
        waitFor(10, () -> robot.lookup("#lens-grid").tryQuery().isPresent());
        LogitLensGrid grid = robot.lookup("#lens-grid").queryAs(LogitLensGrid.class);
        LogitLensViewModel vm = grid.model();
        waitFor(60, () -> vm.resultProperty().get() != null && !vm.runningProperty().get());
        assertEquals(tokens.length, vm.size());

        // The engine's own lens over the same tokens, every position.
        int n = tokens.length;
        int[] positions = new int[n];
        java.util.Arrays.setAll(positions, i -> i);
        LogitLens.Result want = LogitLens.compute(model(), tokens, positions, LogitLensViewModel.TOP_K, null);
        int layers = want.top().size();
        assertEquals(model().config().blockCount(), layers);
        assertEquals(layers, vm.layers());
        for (int l = 0; l < layers; l++) {
            for (int p = 0; p < n; p++) {
                List<Alternative> w = want.top().get(l).get(p);
                List<Alternative> got = vm.top(l, p);
                assertEquals(w.size(), got.size());
                for (int k = 0; k < w.size(); k++) {
                    assertEquals(w.get(k).prob(), got.get(k).prob(), TOLERANCE, "prob (" + l + ", " + p + ", " + k + ")");
                    // Near-ties may swap places between two runs; anything else keeps its rank.
                    boolean tie = k > 0 && w.get(k - 1).prob() - w.get(k).prob() < TOLERANCE
                            || k + 1 < w.size() && w.get(k).prob() - w.get(k + 1).prob() < TOLERANCE;
                    if (!tie) {
                        assertEquals(w.get(k).id(), got.get(k).id(), "token (" + l + ", " + p + ", " + k + ")");
                    }
                }
            }
        }
        // Emergence: the first layer whose top token is the last layer's (in the view's own run).
        for (int p = 0; p < n; p++) {
            int finalId = vm.top(layers - 1, p).getFirst().id();
            int first = 0;
            while (vm.top(first, p).getFirst().id() != finalId) {
                first++;
            }
            assertEquals(first, vm.emergesAt(p), "emergence at position " + p);
        }

        // Hover a cell: the line under the grid names it and shows the engine's probability.
        Label hover = robot.lookup("#lens-hover").queryAs(Label.class);
        int hl = layers / 2;
        int hp = n - 2;
        robot.moveTo(grid.localToScreen(grid.cellCenter(hl, hp)));
        waitFor(5, () -> vm.hoverLayerProperty().get() == hl && vm.hoverPositionProperty().get() == hp);
        Alternative top = want.top().get(hl).get(hp).getFirst();
        assertEquals(vm.describe(hl, hp), hover.getText());
        assertTrue(hover.getText().contains(TokenProbabilityViewModel.percent(vm.top(hl, hp).getFirst().prob())),
                hover.getText());
        assertEquals(top.prob(), vm.top(hl, hp).getFirst().prob(), TOLERANCE);

        // Click another cell: the side panel lists its top 10 with the engine's probabilities.
        int cl = 1;
        int cp = n - 3;
        Point2D at = grid.localToScreen(grid.cellCenter(cl, cp));
        robot.moveTo(at).clickOn(at);
        waitFor(5, () -> vm.selectedLayerProperty().get() == cl && vm.selectedPositionProperty().get() == cp);
        List<Alternative> clicked = want.top().get(cl).get(cp);
        for (int k = 0; k < clicked.size(); k++) {
            Label item = robot.lookup("#lens-top-" + k).queryAs(Label.class);
            Alternative shown = vm.top(cl, cp).get(k);
            assertEquals(clicked.get(k).prob(), shown.prob(), TOLERANCE);
            assertTrue(item.getText().contains(TokenProbabilityViewModel.visible(shown.piece())), item.getText());
            assertTrue(item.getText().endsWith(TokenProbabilityViewModel.percent(shown.prob())), item.getText());
        }
        assertTrue(robot.lookup("#lens-selected").queryAs(Label.class).getText().contains("" + vm.emergesAt(cp)));

        // Exports: every cell's top probability in the CSV equals the engine's; the CLI's JSON; a PNG.
        String[] rows = vm.csv().split("\n");
        assertEquals(layers * n + 1, rows.length);
        for (int r = 1; r < rows.length; r++) {
            String row = rows[r];
            int l = Integer.parseInt(row.substring(0, row.indexOf(',')));
            String rest = row.substring(row.indexOf(',') + 1);
            int p = Integer.parseInt(rest.substring(0, rest.indexOf(',')));
            String[] tail = row.substring(row.lastIndexOf(',', row.lastIndexOf(',') - 1) + 1).split(",");
            assertEquals(want.top().get(l).get(p).getFirst().prob(), Double.parseDouble(tail[0]), TOLERANCE, row);
            assertEquals(vm.emergesAt(p), Integer.parseInt(tail[1]), row);
        }
        assertTrue(vm.json().startsWith("{\"tokens\":["), vm.json().substring(0, 20));
        assertEquals(layers, vm.json().split("\"layer\":").length - 1);
        AtomicReference<LabWindow> window = new AtomicReference<>();
        robot.interact(() -> window.set(app.window().chat().openLens(reply)));
        waitFor(60, () -> window.get().readyProperty().get());
        Path png = dir.resolve("lens.png");
        robot.interact(() -> {
            try {
                window.get().writePng(png);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertEquals((byte) 0x89, Files.readAllBytes(png)[0]);
    }

    @Test
    void attributionShadesInputsByTheEnginesOcclusionScores() throws Exception {
        MessageItem reply = reply(12);
        ReplyProbabilities recorded = reply.probabilitiesProperty().get();
        int[] tokens = recorded.sequence();
        int n = tokens.length;
        clickAction(reply, "#message-attribution");
        waitFor(10, () -> robot.lookup("#attribution-view").tryQuery().isPresent());
        AttributionViewModel vm = robot.lookup("#attribution-view").queryAs(AttributionView.class).model();
        assertNull(vm.attributionProperty().get(), "nothing is explained before a token is picked");

        // Click the reply's last token.
        robot.clickOn("#attribution-token-" + (n - 1));
        waitFor(60, () -> vm.attributionProperty().get() != null && !vm.runningProperty().get());
        assertEquals(n - 1, vm.startProperty().get());
        assertEquals(n - 1, vm.endProperty().get());
        OcclusionAttribution.Result want = OcclusionAttribution.compute(model(), tokens, n - 1, null);
        assertEquals(want.baseLogprob(), vm.attributionProperty().get().logprob(), TOLERANCE);
        double[] ws = want.scores();
        for (int j = 0; j < n - 1; j++) {
            if (Double.isNaN(ws[j])) {
                assertTrue(Double.isNaN(vm.score(j)), "no score at " + j);
            } else {
                assertEquals(ws[j], vm.score(j), TOLERANCE, "score of input " + j);
            }
        }

        // Hover the input that mattered most: its tooltip carries the score.
        int best = 0;
        for (int j = 0; j < n - 1; j++) {
            if (Double.isFinite(ws[j]) && Math.abs(ws[j]) > Math.abs(ws[best])) {
                best = j;
            }
        }
        Label run = robot.lookup("#attribution-token-" + best).queryAs(Label.class);
        robot.moveTo(run);
        waitFor(5, () -> run.getTooltip() != null && run.getTooltip().isShowing());
        String tip = run.getTooltip().getText();
        assertEquals(vm.describe(best), tip);
        java.util.regex.Matcher number = java.util.regex.Pattern.compile("([+-]\\d+\\.\\d{4}) nats").matcher(tip);
        assertTrue(number.find(), tip);
        assertEquals(ws[best], Double.parseDouble(number.group(1)), 1e-4, tip);
        assertTrue(run.getStyle().contains("-fx-background-color"), "the input is shaded");
        assertTrue(vm.json().startsWith("{\"target\":{\"position\":" + (n - 1)), vm.json());
        assertEquals(n, vm.csv().split("\n").length);

        // Drag from three tokens back to the last: the span's scores are the sum of its tokens' scores.
        robot.drag("#attribution-token-" + (n - 3)).dropTo("#attribution-token-" + (n - 1));
        waitFor(60, () -> vm.startProperty().get() == n - 3 && vm.attributionProperty().get() != null
                && !vm.runningProperty().get());
        assertEquals(n - 1, vm.endProperty().get());
        double[] sum = new double[n - 3];
        for (int t = n - 3; t < n; t++) {
            double[] s = OcclusionAttribution.compute(model(), tokens, t, null).scores();
            for (int j = 0; j < n - 3; j++) {
                sum[j] += s[j];
            }
        }
        for (int j = 0; j < n - 3; j++) {
            assertEquals(sum[j], vm.score(j), TOLERANCE * 3, "span score of input " + j);
        }
        assertTrue(vm.json().contains("\"span\":{\"start\":" + (n - 3)), vm.json().substring(0, 60));

        // Click one token, shift-click a later one: the span between them, ends included.
        robot.clickOn("#attribution-token-" + (n - 5));
        waitFor(60, () -> vm.startProperty().get() == n - 5 && vm.endProperty().get() == n - 5
                && vm.attributionProperty().get() != null && !vm.runningProperty().get());
        // The headless robot's clicks carry no keyboard modifiers, so the shift-click is the pair of
        // events a shift-click delivers, fired at the token.
        Label later = robot.lookup("#attribution-token-" + (n - 4)).queryAs(Label.class);
        robot.interact(() -> {
            for (var type : List.of(javafx.scene.input.MouseEvent.MOUSE_PRESSED,
                    javafx.scene.input.MouseEvent.MOUSE_RELEASED)) {
                javafx.event.Event.fireEvent(later, new javafx.scene.input.MouseEvent(type, 2, 2, 0, 0,
                        javafx.scene.input.MouseButton.PRIMARY, 1, true, false, false, false, true, false, false,
                        true, false, true, null));
            }
        });
        waitFor(60, () -> vm.endProperty().get() == n - 4 && vm.attributionProperty().get() != null
                && !vm.runningProperty().get());
        assertEquals(n - 5, vm.startProperty().get(), "shift-click keeps the first end");
        assertEquals(2, vm.attributionProperty().get().targets().size());
    }

    @Test
    void cancelStopsTheLensAndTheAttribution() throws Exception {
        MessageItem reply = reply(40);
        ReplyProbabilities recorded = reply.probabilitiesProperty().get();
        int[] tokens = recorded.sequence();
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try {
            // Hold the computation at its first progress report until Cancel has been clicked.
            CountDownLatch reported = new CountDownLatch(1);
            CountDownLatch clicked = new CountDownLatch(1);
            Executor gatedFx = gate(reported, clicked);
            AtomicReference<LabWindow> lens = new AtomicReference<>();
            robot.interact(() -> lens.set(LogitLensWindow.open(null, ctx.settings().messages(), model(), tokens, worker,
                    gatedFx)));
            Node lensRoot = lens.get().stage().getScene().getRoot();
            LogitLensViewModel lvm = robot.from(lensRoot).lookup("#lens-grid").queryAs(LogitLensGrid.class).model();
            // What an observer of "running" sees when it turns false (the window's ready flag is one).
            CompletableFuture<String> lensProblemAtEnd = new CompletableFuture<>();
            robot.interact(() -> lvm.runningProperty().addListener((o, was, now) -> {
                if (!now) {
                    lensProblemAtEnd.complete(lvm.problemProperty().get());
                }
            }));
            assertTrue(reported.await(30, TimeUnit.SECONDS));
            assertTrue(lvm.runningProperty().get());
            robot.clickOn(robot.from(lensRoot).lookup("#lens-cancel").queryButton());
            clicked.countDown();
            waitFor(30, () -> !lvm.runningProperty().get());
            assertNull(lvm.resultProperty().get(), "a cancelled lens shows nothing");
            assertEquals(ctx.settings().messages().get("lab.cancelled"), lvm.problemProperty().get());
            assertEquals(lvm.problemProperty().get(), lensProblemAtEnd.get(30, TimeUnit.SECONDS),
                    "the problem is set before running ends");
            robot.interact(() -> lens.get().stage().close());

            CountDownLatch reported2 = new CountDownLatch(1);
            CountDownLatch clicked2 = new CountDownLatch(1);
            AtomicReference<LabWindow> explained = new AtomicReference<>();
            robot.interact(() -> explained.set(AttributionWindow.open(null, ctx.settings().messages(), model(), tokens,
                    recorded.prompt().length, tokens.length - 1, worker, gate(reported2, clicked2))));
            // Looked up in this window: another test's attribution window may still be on screen.
            Node root = explained.get().stage().getScene().getRoot();
            AttributionViewModel avm = robot.from(root).lookup("#attribution-view").queryAs(AttributionView.class).model();
            CompletableFuture<String> problemAtEnd = new CompletableFuture<>();
            robot.interact(() -> avm.runningProperty().addListener((o, was, now) -> {
                if (!now) {
                    problemAtEnd.complete(avm.problemProperty().get());
                }
            }));
            assertTrue(reported2.await(30, TimeUnit.SECONDS));
            robot.clickOn(robot.from(root).lookup("#attribution-cancel").queryButton());
            clicked2.countDown();
            waitFor(30, () -> !avm.runningProperty().get());
            assertNull(avm.attributionProperty().get(), "a cancelled attribution shows no scores");
            assertEquals(ctx.settings().messages().get("lab.cancelled"), avm.problemProperty().get());
            assertEquals(avm.problemProperty().get(), problemAtEnd.get(30, TimeUnit.SECONDS),
                    "the problem is set before running ends");

            // The view still works after a cancel: another token is explained in full.
            int t = tokens.length - 2;
            robot.interact(() -> avm.select(t, t));
            waitFor(60, () -> avm.attributionProperty().get() != null && !avm.runningProperty().get());
            assertEquals(OcclusionAttribution.compute(model(), tokens, t, null).scores()[t - 1], avm.score(t - 1),
                    TOLERANCE);
        } finally {
            worker.shutdownNow();
        }
    }

    /** The FX executor, except that the first call from a worker waits for {@code release}. */
    private static Executor gate(CountDownLatch reported, CountDownLatch release) {
        AtomicBoolean first = new AtomicBoolean(true);
        return r -> {
            if (!Platform.isFxApplicationThread() && first.getAndSet(false)) {
                reported.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Platform.runLater(r);
        };
    }

    private static void waitFor(int seconds, Callable<Boolean> condition) throws Exception {
        WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, condition);
    }
}
