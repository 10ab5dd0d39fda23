package lucid.app.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

import lucid.engine.inference.Engine;
import lucid.engine.inference.LoadedModel;
import lucid.engine.lab.Perplexity;
import lucid.engine.model.Repacking;

/** {@code lucid perplexity}: how well a model predicts a text, comparable with llama.cpp's numbers. */
final class PerplexityCommand implements Command {

    @Override
    public String name() {
        return "perplexity";
    }

    @Override
    public String summary() {
        return "perplexity of a text file (llama.cpp's method: chunks of --ctx tokens, second half scored)";
    }

    @Override
    public List<Option> options() {
        return List.of(CommonOptions.MODEL, Option.required("file", "TEXT_FILE", "UTF-8 text to score"),
                Option.value("ctx", "N", "chunk length in tokens (default 512)"), CommonOptions.THREADS, CommonOptions.EXACT, CommonOptions.REPACK, CommonOptions.NO_REPACK);
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
        String text = Files.readString(args.existingFile("file"), StandardCharsets.UTF_8);
        int n = args.integer("ctx", 512);
        try (Engine engine = CommonOptions.engine(args);
             LoadedModel model = CommonOptions.load(engine, args, Repacking.NONE)) {
            CommonOptions.warnAbout(model.tokenizer(), ctx.err());
            long start = System.nanoTime();
            Perplexity.Result r = Perplexity.compute(model, text, n,
                    done -> ctx.err().printf("chunk %d done%n", done));
            double seconds = (System.nanoTime() - start) / 1e9;
            double[] running = r.runningPerplexity();
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < running.length; i++) {
                sb.append(String.format("[%d]%.4f ", i + 1, running[i]));
            }
            ctx.out().println(sb.toString().strip());
            ctx.out().printf("chunks: %d, scored tokens: %d, ctx: %d, time: %.2f s%n", r.chunks(), r.scoredTokens(), n, seconds);
            ctx.out().printf("uncertainty: +/- %.5f%n", r.uncertainty());
            ctx.out().printf("perplexity: %.4f%n", r.perplexity());
        }
        return Cli.EXIT_OK;
    }
}
