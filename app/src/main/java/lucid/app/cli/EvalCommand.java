package lucid.app.cli;

import java.util.List;

import lucid.app.workbench.PromptSuite;
import lucid.app.workbench.SuiteRunner;
import lucid.app.workbench.SuiteYaml;
import lucid.engine.inference.Engine;
import lucid.engine.inference.LoadedModel;
import lucid.engine.model.Repacking;

/**
 * {@code lucid eval}: runs a prompt suite headless and exits 1 when an assertion fails, so suites can
 * guard prompts in CI the way promptfoo does.
 */
final class EvalCommand implements Command {

    static final int EXIT_ASSERTION_FAILED = 1;

    @Override
    public String name() {
        return "eval";
    }

    @Override
    public String summary() {
        return "run a prompt suite (YAML) against a model; exit 1 when an assertion fails";
    }

    @Override
    public List<Option> options() {
        return List.of(CommonOptions.MODEL, Option.required("suite", "FILE.yaml", "the suite to run"),
                CommonOptions.THREADS, CommonOptions.EXACT, CommonOptions.REPACK, CommonOptions.NO_REPACK, CommonOptions.JSON);
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
        PromptSuite suite = SuiteYaml.read(args.existingFile("suite"));
        try (Engine engine = CommonOptions.engine(args);
             LoadedModel model = CommonOptions.load(engine, args, Repacking.NONE)) {
            CommonOptions.warnAbout(model.tokenizer(), ctx.err());
            boolean json = args.flag("json");
            SuiteRunner.SuiteResult result = new SuiteRunner(model, ChatPrompts.renderer(model, ctx.err()))
                    .run(suite, json ? null : r -> printCase(ctx, r), null);
            if (json) {
                ctx.out().println(toJson(suite, result));
            } else {
                ctx.out().printf("%n%d passed, %d failed%n", result.passed(), result.failed());
            }
            return result.failed() == 0 ? Cli.EXIT_OK : EXIT_ASSERTION_FAILED;
        }
    }

    private static void printCase(CliContext ctx, SuiteRunner.CaseResult r) {
        String label = r.promptId() + " × test " + (r.testIndex() + 1)
                + (r.testDescription().isEmpty() ? "" : " (" + r.testDescription() + ")");
        ctx.out().printf("%s %s: %d tokens, %.1f tok/s, mean logprob %.3f%n", r.passed() ? "PASS" : "FAIL", label,
                r.tokens(), r.tokensPerSecond(), r.meanLogprob());
        for (SuiteRunner.AssertionResult a : r.assertions()) {
            if (!a.passed()) {
                ctx.out().printf("     %s: %s%n", a.type(), a.message());
            }
        }
        ctx.out().flush();
    }

    private static String toJson(PromptSuite suite, SuiteRunner.SuiteResult result) {
        Json j = new Json().beginObject().field("description", suite.description())
                .field("passed", result.passed()).field("failed", result.failed()).name("results").beginArray();
        for (SuiteRunner.CaseResult r : result.cases()) {
            j.beginObject().field("prompt", r.promptId()).field("test", r.testIndex())
                    .field("description", r.testDescription()).name("vars").beginObject();
            r.vars().forEach(j::field);
            j.endObject().field("rendered_prompt", r.prompt()).field("output", r.output()).field("tokens", r.tokens())
                    .field("mean_logprob", r.meanLogprob()).field("tokens_per_second", r.tokensPerSecond())
                    .field("stop_reason", r.stopReason().name().toLowerCase(java.util.Locale.ROOT))
                    .field("passed", r.passed()).name("assertions").beginArray();
            for (SuiteRunner.AssertionResult a : r.assertions()) {
                j.beginObject().field("type", a.type()).field("passed", a.passed()).field("message", a.message()).endObject();
            }
            j.endArray().endObject();
        }
        return j.endArray().endObject().toString();
    }
}
