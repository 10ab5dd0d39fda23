package lucid.app.cli;

import java.util.List;

import lucid.engine.inference.Engine;
import lucid.engine.inference.GenerationEvent;
import lucid.engine.inference.GenerationResult;
import lucid.engine.inference.Generator;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.inference.Warmup;
import lucid.engine.model.Repacking;
import lucid.engine.sampling.SamplingParams;

/**
 * {@code lucid generate}: continues a prompt, streaming only the new text to stdout; timings go to
 * stderr so the output can be piped.
 */
final class GenerateCommand implements Command {

    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String summary() {
        return "continue a prompt (streams the new text; --temp 0 is greedy)";
    }

    @Override
    public List<Option> options() {
        SamplingParams d = SamplingParams.defaults();
        return List.of(CommonOptions.MODEL, CommonOptions.PROMPT,
                Option.value("temp", "T", "temperature; 0 = greedy (default " + d.temperature() + ")"),
                Option.value("top-k", "K", "keep the K most likely tokens; 0 = off (default " + d.topK() + ")"),
                Option.value("top-p", "P", "nucleus: smallest set with probability >= P; 1 = off (default " + d.topP() + ")"),
                Option.value("min-p", "P", "drop tokens below P x the top probability; 0 = off (default " + d.minP() + ")"),
                Option.value("repeat-penalty", "X", "penalize recent tokens; 1 = off (default " + d.repeatPenalty() + ")"),
                Option.value("repeat-last-n", "N", "how many recent tokens the penalties see (default " + d.penaltyLastN() + ")"),
                Option.value("frequency-penalty", "X", "subtract X per occurrence (default " + d.frequencyPenalty() + ")"),
                Option.value("presence-penalty", "X", "subtract X once per seen token (default " + d.presencePenalty() + ")"),
                Option.value("seed", "S", "random seed; -1 = random (default)"),
                Option.value("max-tokens", "N", "generate at most N tokens; -1 = until end of text or full context (default)"),
                Option.value("stop", "STR", "stop when the text produces STR (repeatable); STR is not printed"),
                Option.value("ctx", "N", "context length (default: the model's, at most 4096)"),
                Option.flag("no-bos", "do not add the BOS token in front of the prompt"),
                Option.flag("warm-up", "before the prompt, run a throwaway one so the JIT compiles the kernels, as the"
                        + " app does after loading a model (its time goes to stderr; for measuring)"),
                CommonOptions.THREADS, CommonOptions.EXACT, CommonOptions.REPACK, CommonOptions.NO_REPACK);
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
        SamplingParams d = SamplingParams.defaults();
        SamplingParams params;
        try {
            params = new SamplingParams(
                    args.decimal("temp", d.temperature()),
                    args.integer("top-k", d.topK()),
                    args.decimal("top-p", d.topP()),
                    args.decimal("min-p", d.minP()),
                    args.decimal("repeat-penalty", d.repeatPenalty()),
                    args.decimal("frequency-penalty", d.frequencyPenalty()),
                    args.decimal("presence-penalty", d.presencePenalty()),
                    args.integer("repeat-last-n", d.penaltyLastN()),
                    args.longValue("seed", SamplingParams.RANDOM_SEED),
                    args.integer("max-tokens", SamplingParams.UNLIMITED),
                    args.all("stop"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        try (Engine engine = CommonOptions.engine(args);
             LoadedModel model = CommonOptions.load(engine, args, Repacking.IN_BACKGROUND)) {
            CommonOptions.warnAbout(model.tokenizer(), ctx.err());
            int ctxLen = args.integer("ctx", Math.min(4096, model.config().contextLength()));
            if (ctxLen < 1) {
                throw new UsageException("--ctx must be positive");
            }
            int[] prompt = model.tokenizer().encode(args.string("prompt", ""), !args.flag("no-bos"), true);
            if (prompt.length == 0) {
                throw new UsageException("the prompt is empty; give some text or drop --no-bos");
            }
            if (prompt.length >= Math.min(ctxLen, model.config().contextLength())) {
                throw new UsageException("the prompt has " + prompt.length + " tokens, which leaves no room in a context of "
                        + Math.min(ctxLen, model.config().contextLength()) + "; raise --ctx or shorten it");
            }
            if (args.flag("warm-up")) {
                long start = System.nanoTime();
                new Warmup(model).run();
                ctx.err().printf("[warm-up: %.0f ms]%n", (System.nanoTime() - start) / 1e6);
            }
            GenerationResult result;
            try (InferenceSession session = model.newSession(ctxLen)) {
                result = new Generator(session).generate(prompt, params, event -> {
                    switch (event) {
                        case GenerationEvent.TokenGenerated t -> print(ctx, t.text());
                        case GenerationEvent.TrailingText t -> print(ctx, t.text());
                        default -> { }
                    }
                });
            }
            ctx.out().println();
            ctx.out().flush();
            ctx.err().printf("%n[%s | stop: %s | load %.0f ms]%n", result.timings(),
                    result.reason().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '), model.loadNanos() / 1e6);
        }
        return Cli.EXIT_OK;
    }

    private static void print(CliContext ctx, String text) {
        if (!text.isEmpty()) {
            ctx.out().print(text);
            ctx.out().flush();
        }
    }
}
