package lucid.app.cli;

import java.util.List;

import lucid.engine.inference.Engine;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.model.Repacking;

/**
 * {@code lucid logits}: the next-token logits at every prompt position, the prompt tokenized with BOS
 * as llama.cpp does ({@code add_special} on, {@code parse_special} off).
 */
final class LogitsCommand implements Command {

    @Override
    public String name() {
        return "logits";
    }

    @Override
    public String summary() {
        return "print the logits at every prompt position (JSON)";
    }

    @Override
    public List<Option> options() {
        return List.of(CommonOptions.MODEL, CommonOptions.PROMPT, CommonOptions.THREADS, CommonOptions.EXACT, CommonOptions.REPACK, CommonOptions.NO_REPACK,
                Option.flag("json", "JSON output (the only format)"));
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
        try (Engine engine = CommonOptions.engine(args);
             LoadedModel model = CommonOptions.load(engine, args, Repacking.NONE)) {
            CommonOptions.warnAbout(model.tokenizer(), ctx.err());
            int[] tokens = model.tokenizer().encode(args.string("prompt", ""), true, false);
            if (tokens.length == 0) {
                throw new UsageException("the prompt has no tokens");
            }
            Json json = new Json().beginObject().name("tokens").array(tokens).name("logits").beginArray();
            try (InferenceSession session = model.newSession(tokens.length)) {
                session.prefill(tokens, (pos, logits) -> json.array(logits));
            }
            ctx.out().println(json.endArray().endObject());
        }
        return Cli.EXIT_OK;
    }
}
