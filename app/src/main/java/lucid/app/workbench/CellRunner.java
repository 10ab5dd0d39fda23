package lucid.app.workbench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import lucid.app.chat.ChatEngine;
import lucid.app.chat.PromptFormat;
import lucid.app.chat.ReplyProbabilities;
import lucid.app.chat.Role;
import lucid.engine.inference.GenerationEvent;
import lucid.engine.inference.GenerationResult;
import lucid.engine.inference.Generator;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.inference.StopReason;
import lucid.engine.inspect.Distribution;
import lucid.engine.inspect.TokenProbability;
import lucid.engine.sampling.SamplingParams;

/**
 * Runs one cell of the run matrix: one prompt text with one sampling setting, from an empty
 * context, streaming its text and recording each generated token's probability and alternatives
 * for the token probability overlay. Prompts are tokenized and counted as {@link SuiteRunner} does,
 * so a cell and the same suite case see the same tokens. Runs on the caller's thread (a worker).
 */
public final class CellRunner {

    /**
     * What a cell produced.
     *
     * @param tokens      generated tokens, an end-of-generation token not counted (as in suite results)
     * @param meanLogprob mean natural-log probability of the generated tokens (NaN if none)
     */
    public record CellResult(String output, int tokens, double meanLogprob, double tokensPerSecond,
                             StopReason reason, ReplyProbabilities probabilities) {
        /** exp(−mean log-probability): how many choices the model was, on average, torn between. */
        public double perplexity() {
            return Math.exp(-meanLogprob);
        }
    }

    private final LoadedModel model;
    private final SuiteRunner suite;
    private volatile InferenceSession running;
    /** Set by {@link #cancel}: this run and every later one on this runner stop at once. */
    private volatile boolean cancelled;

    public CellRunner(LoadedModel model, SuiteRunner.ChatRenderer chat) {
        this.model = model;
        this.suite = new SuiteRunner(model, chat);
    }

    /** The app's chat format as the suite runner's renderer: what the chat would send for the same messages. */
    public static SuiteRunner.ChatRenderer renderer(PromptFormat format) {
        return messages -> format.render(messages.stream()
                .map(m -> new PromptFormat.Turn(Role.of(m.role()), m.content())).toList(), true);
    }

    public static CellRunner of(ChatEngine engine) {
        return new CellRunner(engine.model(), renderer(engine.format()));
    }

    public LoadedModel model() {
        return model;
    }

    /** The suite runner with the same chat format, for test runs. */
    public SuiteRunner suiteRunner() {
        return suite;
    }

    /** The exact text the model sees. */
    public String promptText(PromptSuite.Prompt prompt, java.util.Map<String, String> values) {
        return suite.promptText(prompt, values);
    }

    /** The prompt's tokens as the runner feeds them (BOS added unless the text writes it). */
    public int[] promptTokens(String text) {
        var vocabulary = model.tokenizer().vocabulary();
        boolean writesBos = vocabulary.bos().isPresent() && text.startsWith(vocabulary.text(vocabulary.bos().getAsInt()));
        return model.tokenizer().encode(text, !writesBos, true);
    }

    /**
     * @param onText receives text as it is generated, on this thread
     */
    public CellResult run(String promptText, SamplingParams params, Consumer<String> onText) {
        int[] tokens = promptTokens(promptText);
        int ctx = Math.min(model.config().contextLength(), tokens.length + Math.max(1, params.maxTokens()) + 1);
        List<TokenProbability> generated = new ArrayList<>();
        GenerationResult g;
        try (InferenceSession session = model.newSession(ctx)) {
            running = session;
            if (cancelled) { // a cancel that came before the session existed still stops this cell
                session.cancel();
            }
            g = new Generator(session).recordGeneratedProbabilities(
                    new Distribution(model.tokenizer(), ChatEngine.RECORDED_ALTERNATIVES), false, p -> {
                        if (p.generated()) {
                            generated.add(p);
                        }
                    }).generate(tokens, params, e -> {
                        switch (e) {
                            case GenerationEvent.TokenGenerated t -> onText.accept(t.text());
                            case GenerationEvent.TrailingText t -> onText.accept(t.text());
                            default -> { }
                        }
                    });
        } finally {
            running = null;
        }
        int count = g.tokens().length;
        if (g.reason() == StopReason.END_OF_GENERATION) {
            count--;
        }
        double mean = generated.stream().mapToDouble(TokenProbability::logprob).average().orElse(Double.NaN);
        return new CellResult(g.text(), count, mean, g.timings().generationTokensPerSecond(), g.reason(),
                new ReplyProbabilities(tokens, generated));
    }

    /**
     * Stops the running cell where it is, and makes any later {@link #run} on this runner stop
     * before its first token; safe from any thread. A cancel that arrives while a cell's prompt is
     * still being prepared stops that cell too.
     */
    public void cancel() {
        cancelled = true;
        InferenceSession s = running;
        if (s != null) {
            s.cancel();
        }
    }
}
