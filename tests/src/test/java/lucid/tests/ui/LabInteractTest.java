package lucid.tests.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.Node;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.BackgroundFill;
import javafx.scene.paint.Color;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;
import org.testfx.util.WaitForAsyncUtils;

import lucid.app.AppContext;
import lucid.app.DesktopApp;
import lucid.app.chat.ChatViewModel;
import lucid.app.chat.MessageItem;
import lucid.app.chat.ReplyProbabilities;
import lucid.app.visualize.ColorScale;
import lucid.app.visualize.TokenProbabilityView;
import lucid.app.visualize.TokenProbabilityViewModel;
import lucid.engine.gguf.SharedFixtures;
import lucid.engine.inference.Generator;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.inspect.Alternative;
import lucid.engine.inspect.Distribution;
import lucid.engine.inspect.SamplerStage;
import lucid.engine.inspect.TokenProbability;
import lucid.engine.sampling.SamplingParams;

/**
 * The interactive side of the lab views on real replies of the story model: clicking an alternative
 * in the probability overlay continues the reply from exactly that token as a new branch; the
 * recorded probabilities survive a restart; the sampler-stage picker shows the engine's stage values.
 */
class LabInteractTest {

    @TempDir
    Path dir;

    private final FxRobot robot = new FxRobot();
    private DesktopApp app;
    private AppContext ctx;
    private ChatViewModel chat;

    private void startApp() throws Exception {
        FxToolkit.registerPrimaryStage();
        app = (DesktopApp) FxToolkit.setupApplication(DesktopApp.class, "--data-dir", dir.resolve("data").toString(),
                "--model", SharedFixtures.file("models/stories260k.gguf").toString());
        ctx = app.context();
        chat = ctx.chat();
        waitFor(30, () -> ctx.models().chatEngineProperty().get() != null && !ctx.models().loadingProperty().get());
    }

    private void stopApp() throws Exception {
        if (app != null) {
            FxToolkit.cleanupApplication(app);
            FxToolkit.cleanupStages();
            app = null;
        }
    }

    @AfterEach
    void stop() throws Exception {
        stopApp();
        Platform.runLater(() -> Application.setUserAgentStylesheet(null));
    }

    /** Sends the story prompt with sampling settings that make every stage do something. */
    private MessageItem reply(long seed) throws Exception {
        robot.interact(() -> chat.applySettings(chat.settingsProperty().get()
                .withSampling(0.8f, 40, 0.95f, 0.05f, 1.1f, seed, 20, List.of(), "")));
        int before = chat.finishedRepliesProperty().get();
        robot.clickOn("#chat-input").write("Once upon a time");
        robot.type(KeyCode.ENTER);
        waitFor(30, () -> chat.finishedRepliesProperty().get() == before + 1);
        return chat.messages().get(1);
    }

    private TokenProbabilityViewModel openOverlay(MessageItem reply) throws Exception {
        Node button = robot.lookup(".message-cell").queryAll().stream()
                .filter(n -> ((javafx.scene.control.ListCell<?>) n).getItem() == reply)
                .map(n -> robot.from(n).lookup("#message-probabilities").queryButton()).findFirst().orElseThrow();
        robot.clickOn(button);
        waitFor(10, () -> robot.lookup("#token-probability-view").tryQuery().isPresent());
        return robot.lookup("#token-probability-view").queryAs(TokenProbabilityView.class).model();
    }

    @Test
    void clickingAnAlternativeContinuesTheReplyFromItAsABranch() throws Exception {
        startApp();
        MessageItem reply = reply(7);
        ReplyProbabilities original = reply.probabilitiesProperty().get();
        TokenProbabilityViewModel vm = openOverlay(reply);

        int at = 5;
        TokenProbability there = original.tokens().get(at);
        int k = 0;
        while (vm.alternatives(at).get(k).id() == there.id()) {
            k++;
        }
        Alternative pick = vm.alternatives(at).get(k);
        robot.clickOn("#token-" + at);
        waitFor(5, () -> robot.lookup("#alternative-" + 0).tryQuery().isPresent());
        robot.clickOn("#alternative-" + k);
        waitFor(30, () -> chat.finishedRepliesProperty().get() == 2);

        MessageItem branch = chat.messages().get(1);
        assertNotEquals(reply.id(), branch.id());
        assertEquals(reply.parentId(), branch.parentId(), "a sibling of the reply");
        assertEquals(2, branch.siblingCountProperty().get());
        assertEquals(1, branch.siblingIndexProperty().get());
        ReplyProbabilities p = branch.probabilitiesProperty().get();
        assertNotNull(p);
        assertEquals(java.util.Arrays.toString(original.prompt()), java.util.Arrays.toString(p.prompt()));
        for (int i = 0; i < at; i++) {
            assertEquals(original.tokens().get(i).id(), p.tokens().get(i).id(), "kept token " + i);
        }
        TokenProbability first = p.tokens().get(at);
        assertEquals(pick.id(), first.id(), "the branch's first new token is the alternative clicked");
        assertFalse(first.generated(), "picked, not sampled");
        assertEquals(pick.prob(), first.prob(), 1e-5, "the picked token's probability in the same context");
        assertTrue(p.tokens().size() > at + 1, "the model continued after the picked token");
        assertTrue(p.tokens().subList(at + 1, p.tokens().size()).stream().allMatch(TokenProbability::generated));

        // The text is the kept tokens, the picked one, then the continuation, all from the token ids.
        LoadedModel model = ctx.models().chatEngineProperty().get().model();
        StringBuilder expected = new StringBuilder();
        var decoder = new lucid.engine.tokenizer.Utf8StreamDecoder();
        for (TokenProbability t : p.tokens()) {
            if (!model.tokenizer().vocabulary().isEndOfGeneration(t.id())) {
                expected.append(decoder.feed(model.tokenizer().tokenPiece(t.id(), false)));
            }
        }
        expected.append(decoder.flush());
        assertEquals(expected.toString(), branch.content());

        // The engine agrees on what followed: a fresh session over prompt + kept + picked tokens.
        int[] sequence = p.sequence();
        Distribution distribution = new Distribution(model.tokenizer(), 10);
        try (InferenceSession session = model.newSession(256)) {
            float[] logits = session.prefill(java.util.Arrays.copyOf(sequence, original.prompt().length + at + 1));
            TokenProbability next = p.tokens().get(at + 1);
            assertEquals(distribution.of(session.position(), logits, next.id(), true, null).prob(), next.prob(), 1e-4);
        }

        // The original is still there: ‹ 1/2 › goes back to it.
        robot.interact(() -> chat.switchBranch(branch, -1));
        assertEquals(reply.id(), chat.messages().get(1).id());
    }

    @Test
    void probabilitiesAreKeptWithTheConversation() throws Exception {
        startApp();
        MessageItem reply = reply(11);
        ReplyProbabilities recorded = reply.probabilitiesProperty().get();
        long id = reply.id();
        stopApp();

        startApp(); // a new AppContext on the same data directory
        robot.interact(() -> ctx.conversations().select(ctx.conversations().conversations().getFirst()));
        waitFor(5, () -> chat.messages().size() == 2);
        MessageItem again = chat.messages().get(1);
        assertEquals(id, again.id());
        ReplyProbabilities loaded = again.probabilitiesProperty().get();
        assertNotNull(loaded, "probabilities reload with the message");
        assertEquals(java.util.Arrays.toString(recorded.prompt()), java.util.Arrays.toString(loaded.prompt()));
        assertEquals(recorded.tokens(), loaded.tokens(), "every recorded value, stages included, reloads exactly");

        TokenProbabilityViewModel vm = openOverlay(again);
        assertEquals(recorded.tokens().size(), vm.tokens().size());
        Label run = robot.lookup("#token-2").queryAs(Label.class);
        assertTrue(run.getTooltip().getText().contains(TokenProbabilityViewModel.percent(recorded.tokens().get(2).prob())));
        robot.interact(() -> app.window().chat().openAttention(again));
        waitFor(10, () -> robot.lookup("#attention-heatmap").tryQuery().isPresent());
    }

    @Test
    void stagePickerShowsTheEnginesStageValues() throws Exception {
        startApp();
        MessageItem reply = reply(5);
        ReplyProbabilities recorded = reply.probabilitiesProperty().get();

        // The engine on its own: the same prompt and settings in a fresh session, every stage recorded.
        LoadedModel model = ctx.models().chatEngineProperty().get().model();
        SamplingParams params = chat.settingsProperty().get().sampling();
        List<TokenProbability> engine = new ArrayList<>();
        try (InferenceSession session = model.newSession(256)) {
            new Generator(session).recordGeneratedProbabilities(new Distribution(model.tokenizer(), 10), true, engine::add)
                    .generate(recorded.prompt(), params, null);
        }
        assertEquals(recorded.tokens().size(), engine.size());

        TokenProbabilityViewModel vm = openOverlay(reply);
        @SuppressWarnings("unchecked")
        ComboBox<String> picker = robot.lookup("#probs-stage").queryAs(ComboBox.class);
        List<String> names = engine.getFirst().sampled().stages().stream().map(SamplerStage::name).toList();
        assertEquals(names, vm.stages());
        assertTrue(names.containsAll(List.of("logits", "penalties", "top-k", "top-p", "min-p", "temp", "dist")), names.toString());
        for (String name : List.of("top-k", "temp", "dist")) {
            robot.interact(() -> picker.setValue(name));
            assertEquals(name, vm.stageProperty().get());
            for (int i = 0; i < engine.size(); i++) {
                TokenProbability want = engine.get(i);
                assertEquals(want.id(), recorded.tokens().get(i).id());
                SamplerStage stage = want.sampled().stages().get(names.indexOf(name));
                assertEquals(stage.prob(), vm.probability(i), 1e-5, name + " probability of token " + i);
                Label run = robot.lookup("#token-" + i).queryAs(Label.class);
                String tip = run.getTooltip().getText();
                assertTrue(tip.contains(TokenProbabilityViewModel.percent(vm.probability(i))), tip);
                assertTrue(tip.contains(name), tip);
                BackgroundFill fill = run.getBackground().getFills().getFirst();
                assertEquals(ColorScale.viridis(vm.probability(i)), (Color) fill.getFill(), "tint of token " + i);
                assertEquals(stage.top().getFirst().id(), vm.alternatives(i).getFirst().id());
            }
        }
        // The last stage is the distribution the token was drawn from.
        for (int i = 0; i < engine.size(); i++) {
            assertEquals(recorded.tokens().get(i).sampled().prob(), vm.probability(i), 0.0);
        }
        robot.interact(() -> picker.setValue(picker.getItems().getFirst()));
        assertEquals(null, vm.stageProperty().get());
        assertEquals(recorded.tokens().get(0).prob(), vm.probability(0), 0.0);
    }

    private static void waitFor(int seconds, Callable<Boolean> condition) throws Exception {
        WaitForAsyncUtils.waitFor(seconds, TimeUnit.SECONDS, condition);
    }
}
