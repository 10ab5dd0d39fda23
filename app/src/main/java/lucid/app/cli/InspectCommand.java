package lucid.app.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import lucid.engine.inference.Engine;
import lucid.engine.inference.GenerationResult;
import lucid.engine.inference.Generator;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.inspect.AttentionCapture;
import lucid.engine.inspect.Distribution;
import lucid.engine.inspect.LogitLens;
import lucid.engine.inspect.OcclusionAttribution;
import lucid.engine.inspect.TokenProbability;
import lucid.engine.model.Repacking;
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
        return "token probabilities, attention, logit lens or attribution for a prompt, as JSON (see docs/INSPECT.md)";
    }

    @Override
    public List<Option> options() {
        return List.of(CommonOptions.MODEL, CommonOptions.PROMPT,
                Option.required("what", "probs|attention|lens|attribution", "what to show"),
                Option.value("layer", "L", "attention: the layer (default 0)"),
                Option.value("head", "H|mean|max", "attention: one head, or the mean or maximum over heads (default mean)"),
                Option.value("method", "occlusion|rollout", "attribution: leave-one-out occlusion (default) or attention rollout"),
                Option.value("top", "K", "alternatives per token, at most 20 (default 10)"),
                Option.value("max-tokens", "N", "probs: also generate N tokens greedily (default 0)"),
                Option.value("target", "POS", "attribution: the position of the token to explain (default: the "
                        + "token the model predicts greedily after the prompt)"),
                Option.flag("stages", "probs: include the distribution after each sampler stage"),
                CommonOptions.THREADS, CommonOptions.EXACT, CommonOptions.REPACK, CommonOptions.NO_REPACK, Option.flag("json", "JSON output (the only format)"));
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
        String what = args.string("what", "").toLowerCase(Locale.ROOT);
        if (!List.of("probs", "attention", "lens", "attribution").contains(what)) {
            throw new UsageException("--what must be probs, attention, lens or attribution, got '" + what + "'");
        }
        int top = args.integer("top", 10);
        if (top < 0 || top > Distribution.MAX_TOP_K) {
            throw new UsageException("--top must be between 0 and " + Distribution.MAX_TOP_K);
        }
        try (Engine engine = CommonOptions.engine(args);
             LoadedModel model = CommonOptions.load(engine, args, Repacking.NONE)) {
            CommonOptions.warnAbout(model.tokenizer(), ctx.err());
            int[] prompt = model.tokenizer().encode(args.string("prompt", ""), true, false);
            if (prompt.length < 1) {
                throw new UsageException("the prompt has no tokens");
            }
            String json = switch (what) {
                case "probs" -> probs(model, prompt, top, args.integer("max-tokens", 0), args.flag("stages"));
                case "attention" -> attention(model, prompt, args);
                case "lens" -> {
                    int[] positions = new int[prompt.length];
                    java.util.Arrays.setAll(positions, i -> i);
                    yield InspectionJson.lens(model.tokenizer(), prompt,
                            LogitLens.compute(model, prompt, positions, Math.max(1, top), null));
                }
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

    private static String attention(LoadedModel model, int[] prompt, ParsedArgs args) {
        int layer = args.integer("layer", 0);
        if (layer < 0 || layer >= model.config().blockCount()) {
            throw new UsageException("--layer must be between 0 and " + (model.config().blockCount() - 1));
        }
        String head = args.string("head", "mean");
        AttentionCapture.LayerAttention captured =
                AttentionCapture.capture(model, prompt, new int[] {layer}, null)[0];
        float[][] weights;
        int kvHead = -1;
        switch (head) {
            case "mean" -> weights = captured.meanOverHeads();
            case "max" -> weights = captured.maxOverHeads();
            default -> {
                int h;
                try {
                    h = Integer.parseInt(head);
                } catch (NumberFormatException e) {
                    throw new UsageException("--head must be a head number, mean or max, got '" + head + "'");
                }
                if (h < 0 || h >= model.config().headCount()) {
                    throw new UsageException("--head must be between 0 and " + (model.config().headCount() - 1));
                }
                weights = captured.head(h);
                kvHead = AttentionCapture.kvHeadOf(model.config(), h);
            }
        }
        return InspectionJson.attention(model.tokenizer(), prompt, layer, head, kvHead, weights);
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
        String method = args.string("method", "occlusion");
        if (method.equals("rollout")) {
            int[] all = new int[model.config().blockCount()];
            java.util.Arrays.setAll(all, i -> i);
            int[] context = java.util.Arrays.copyOf(tokens, target);
            float[][] rollout = AttentionCapture.rollout(AttentionCapture.capture(model, context, all, null));
            return InspectionJson.rollout(model.tokenizer(), tokens, target, rollout[target - 1]);
        }
        if (!method.equals("occlusion")) {
            throw new UsageException("--method must be occlusion or rollout, got '" + method + "'");
        }
        OcclusionAttribution.Result r = OcclusionAttribution.compute(model, tokens, target, null);
        return InspectionJson.attribution(model.tokenizer(), tokens, r);
    }
}
