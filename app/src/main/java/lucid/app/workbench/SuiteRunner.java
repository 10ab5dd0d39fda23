package lucid.app.workbench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import lucid.engine.inference.GenerationResult;
import lucid.engine.inference.Generator;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.inference.StopReason;
import lucid.engine.inspect.Distribution;
import lucid.engine.inspect.TokenProbability;
import lucid.engine.sampling.SamplingParams;

/**
 * Runs every prompt of a suite against every test case on a loaded model and checks the assertions.
 * Each run starts from an empty context, so runs do not influence each other; with temperature 0 or
 * a fixed seed the whole suite is deterministic.
 */
public final class SuiteRunner {

    /** Turns rendered chat messages into the model's prompt text (its chat template). */
    @FunctionalInterface
    public interface ChatRenderer {
        String render(List<RenderedMessage> messages);
    }

    public record RenderedMessage(String role, String content) {
    }

    public record AssertionResult(String type, boolean passed, String message) {
    }

    /**
     * One prompt × test case.
     *
     * @param tokens      generated tokens, an end-of-generation token not counted
     * @param meanLogprob mean natural-log probability of the generated tokens (NaN if none)
     */
    public record CaseResult(String promptId, int testIndex, String testDescription, Map<String, String> vars,
                             String prompt, String output, int tokens, double meanLogprob, double tokensPerSecond,
                             StopReason stopReason, List<AssertionResult> assertions) {
        public boolean passed() {
            return assertions.stream().allMatch(AssertionResult::passed);
        }
    }

    public record SuiteResult(List<CaseResult> cases) {
        public long passed() {
            return cases.stream().filter(CaseResult::passed).count();
        }

        public long failed() {
            return cases.size() - passed();
        }
    }

    private static final int DEFAULT_MAX_TOKENS = 256;

    private final LoadedModel model;
    private final ChatRenderer chat;

    /** @param chat renders chat prompts; null when the suite has only text prompts */
    public SuiteRunner(LoadedModel model, ChatRenderer chat) {
        this.model = model;
        this.chat = chat;
    }

    /** Sampling settings of a suite as the engine's parameters. */
    public static SamplingParams samplingParams(PromptSuite.Settings s) {
        SamplingParams p = SamplingParams.defaults().withMaxTokens(s.maxTokens() == null ? DEFAULT_MAX_TOKENS : s.maxTokens());
        if (s.temperature() != null) p = p.withTemperature(s.temperature());
        if (s.topK() != null) p = p.withTopK(s.topK());
        if (s.topP() != null) p = p.withTopP(s.topP());
        if (s.minP() != null) p = p.withMinP(s.minP());
        if (s.repeatPenalty() != null) p = p.withRepeatPenalty(s.repeatPenalty());
        if (s.seed() != null) p = p.withSeed(s.seed());
        return p.withStopStrings(s.stop());
    }

    /**
     * @param onCase    receives each result as it is ready (may be null)
     * @param cancelled polled between runs (may be null)
     * @throws IllegalArgumentException when a prompt uses a variable a test does not give
     */
    public SuiteResult run(PromptSuite suite, Consumer<CaseResult> onCase, BooleanSupplier cancelled) {
        SamplingParams params = samplingParams(suite.settings());
        List<PromptSuite.TestCase> tests = suite.tests().isEmpty()
                ? List.of(new PromptSuite.TestCase("", Map.of(), List.of())) : suite.tests();
        List<CaseResult> results = new ArrayList<>();
        for (PromptSuite.Prompt prompt : suite.prompts()) {
            for (int t = 0; t < tests.size(); t++) {
                if (cancelled != null && cancelled.getAsBoolean()) {
                    throw new CancellationException("suite run cancelled");
                }
                CaseResult r = runCase(prompt, t, tests.get(t), params);
                results.add(r);
                if (onCase != null) {
                    onCase.accept(r);
                }
            }
        }
        return new SuiteResult(results);
    }

    /** The exact text the model sees for one prompt and variable values. */
    public String promptText(PromptSuite.Prompt prompt, Map<String, String> vars) {
        return switch (prompt) {
            case PromptSuite.TextPrompt t -> t.template().render(vars);
            case PromptSuite.ChatPrompt c -> {
                if (chat == null) {
                    throw new IllegalArgumentException("prompt '" + c.id() + "' is a chat prompt, but no chat template "
                            + "is available for this model");
                }
                List<RenderedMessage> messages = new ArrayList<>();
                for (PromptSuite.Message m : c.messages()) {
                    messages.add(new RenderedMessage(m.role(), m.content().render(vars)));
                }
                yield chat.render(messages);
            }
        };
    }

    /** Chat templates usually write BOS themselves; adding another would double it. */
    private boolean startsWithBos(String text) {
        var vocabulary = model.tokenizer().vocabulary();
        return vocabulary.bos().isPresent() && text.startsWith(vocabulary.text(vocabulary.bos().getAsInt()));
    }

    private CaseResult runCase(PromptSuite.Prompt prompt, int testIndex, PromptSuite.TestCase test, SamplingParams params) {
        String text;
        try {
            text = promptText(prompt, test.vars());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("prompt '" + prompt.id() + "', test " + (testIndex + 1) + ": " + e.getMessage(), e);
        }
        int[] tokens = model.tokenizer().encode(text, !startsWithBos(text), true);
        int ctx = Math.min(model.config().contextLength(), tokens.length + Math.max(1, params.maxTokens()) + 1);
        List<TokenProbability> generated = new ArrayList<>();
        GenerationResult g;
        try (InferenceSession session = model.newSession(ctx)) {
            g = new Generator(session).recordGeneratedProbabilities(new Distribution(model.tokenizer(), 0), false, p -> {
                if (p.generated()) {
                    generated.add(p);
                }
            }).generate(tokens, params, null);
        }
        int count = g.tokens().length;
        if (g.reason() == StopReason.END_OF_GENERATION) {
            count--;
        }
        double mean = generated.stream().mapToDouble(TokenProbability::logprob).average().orElse(Double.NaN);
        float[][] firstLogits = new float[1][];
        Assertion.RunOutput output = new Assertion.RunOutput(g.text(), count, mean, token -> {
            if (firstLogits[0] == null) {
                try (InferenceSession s = model.newSession(tokens.length)) {
                    firstLogits[0] = s.prefill(tokens);
                }
            }
            int[] ids = model.tokenizer().encode(token, false, true);
            if (ids.length != 1) {
                throw new IllegalArgumentException("next-token-prob token \"" + token + "\" is " + ids.length
                        + " tokens for this model; it must be exactly one");
            }
            return Math.exp(Distribution.logSoftmax(firstLogits[0], ids[0]));
        });
        List<AssertionResult> checks = new ArrayList<>();
        for (Assertion a : test.assertions()) {
            Assertion.Verdict v;
            try {
                v = a.check(output);
            } catch (IllegalArgumentException e) {
                v = new Assertion.Verdict(false, e.getMessage());
            }
            checks.add(new AssertionResult(a.type(), v.passed(), v.message()));
        }
        return new CaseResult(prompt.id(), testIndex, test.description(), new LinkedHashMap<>(test.vars()), text, g.text(),
                count, mean, g.timings().generationTokensPerSecond(), g.reason(), checks);
    }
}
