package lucid.app.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import lucid.engine.inference.Engine;
import lucid.engine.inference.GenerationResult;
import lucid.engine.inference.Generator;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.inspect.Distribution;
import lucid.engine.inspect.OcclusionAttribution;
import lucid.engine.inspect.TokenProbability;
import lucid.engine.sampling.SamplingParams;

/**
 * {@code lucid inspect}: what the model did with a prompt, as JSON (schema in docs/INSPECT.md).
 */
final class InspectCommand implements Command {

    @Override
    public String name() {
        return "inspect";
    }

    @Override
    public String summary() {
        return "token probabilities or attribution for a prompt, as JSON (see docs/INSPECT.md)";
    }

    @Override
    public List<Option> options() {
        return List.of(CommonOptions.MODEL, CommonOptions.PROMPT,
                Option.required("what", "probs|attribution", "what to show"),
                Option.value("top", "K", "alternatives per token, at most 20 (default 10)"),
                Option.value("max-tokens", "N", "probs: also generate N tokens greedily (default 0)"),
                Option.value("target", "POS", "attribution: the position of the token to explain (default: the "
                        + "token the model predicts greedily after the prompt)"),
                Option.flag("stages", "probs: include the distribution after each sampler stage"),
                CommonOptions.THREADS, Option.flag("json", "JSON output (the only format)"));
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
        String what = args.string("what", "").toLowerCase(Locale.ROOT);
        if (!List.of("probs", "attribution").contains(what)) {
            throw new UsageException("--what must be probs or attribution, got '" + what + "'");
        }
        int top = args.integer("top", 10);
        if (top < 0 || top > Distribution.MAX_TOP_K) {
            throw new UsageException("--top must be between 0 and " + Distribution.MAX_TOP_K);
        }
        try (Engine engine = Engine.create(CommonOptions.threads(args));
             LoadedModel model = engine.load(args.existingFile("model"))) {
            int[] prompt = model.tokenizer().encode(args.string("prompt", ""), true, false);
            if (prompt.length < 1) {
                throw new UsageException("the prompt has no tokens");
            }
            String json = switch (what) {
                case "probs" -> probs(model, prompt, top, args.integer("max-tokens", 0), args.flag("stages"));
                default -> attribution(model, prompt, args);
            };
            ctx.out().println(json);
        }
        return Cli.EXIT_OK;
    }

    private static String probs(LoadedModel model, int[] prompt, int top, int maxTokens, boolean stages) {
        if (maxTokens < 0) {
            throw new UsageException("--max-tokens must not be negative");
        }
        List<TokenProbability> recorded = new ArrayList<>();
        try (InferenceSession session = model.newSession(Math.min(model.config().contextLength(), prompt.length + maxTokens + 1))) {
            Generator generator = new Generator(session)
                    .recordProbabilities(new Distribution(model.tokenizer(), top), stages, recorded::add);
            if (maxTokens > 0) {
                generator.generate(prompt, SamplingParams.greedy().withMaxTokens(maxTokens), null);
            } else if (prompt.length > 1) {
                // Only the prompt: one greedy token is the cheapest way through the same recording path;
                // its entry is dropped.
                generator.generate(prompt, SamplingParams.greedy().withMaxTokens(1), null);
                recorded.removeIf(TokenProbability::generated);
            }
        }
        return InspectionJson.probabilities(recorded);
    }

    private static String attribution(LoadedModel model, int[] prompt, ParsedArgs args) {
        int[] tokens = prompt;
        int target;
        if (args.string("target").isPresent()) {
            target = args.integer("target", -1);
            if (target < 1 || target >= prompt.length) {
                throw new UsageException("--target must be a prompt position between 1 and " + (prompt.length - 1));
            }
        } else {
            GenerationResult next;
            try (InferenceSession session = model.newSession(prompt.length + 1)) {
                next = new Generator(session).generate(prompt, SamplingParams.greedy().withMaxTokens(1), null);
            }
            tokens = java.util.Arrays.copyOf(prompt, prompt.length + 1);
            tokens[prompt.length] = next.tokens()[0];
            target = prompt.length;
        }
        OcclusionAttribution.Result r = OcclusionAttribution.compute(model, tokens, target, null);
        return InspectionJson.attribution(model.tokenizer(), tokens, r);
    }
}
