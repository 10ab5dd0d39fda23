package lucid.app.cli;

import java.util.List;

import lucid.engine.backend.ProductPrecision;
import lucid.engine.inference.Engine;
import lucid.engine.inference.LoadedModel;
import lucid.engine.lab.Benchmark;
import lucid.engine.model.Repacking;

/**
 * {@code lucid bench}: prompt and generation speed, and generation speed as a fraction of the
 * memory-bandwidth ceiling measured in the same run.
 */
final class BenchCommand implements Command {

    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "measure prompt/generation speed against this machine's memory-bandwidth ceiling";
    }

    @Override
    public List<Option> options() {
        return List.of(CommonOptions.MODEL, CommonOptions.THREADS, CommonOptions.EXACT, CommonOptions.REPACK, CommonOptions.NO_REPACK,
                Option.value("prompt-tokens", "N", "prompt length for prompt processing (default 128)").withShortName("p"),
                Option.value("gen-tokens", "N", "tokens generated per repetition (default 64)").withShortName("n"),
                Option.value("reps", "N", "repetitions; medians are reported (default 3)"),
                Option.value("bandwidth-mib", "MIB",
                        "buffer size of the bandwidth probe (default 1024; 0 skips it and the compute probe)"),
                Option.value("probe", "probs", "also time generation with top-20 token probabilities recorded"),
                CommonOptions.JSON);
    }

    private static boolean probe(ParsedArgs args) {
        String p = args.string("probe", "");
        if (!p.isEmpty() && !p.equals("probs")) {
            throw new UsageException("--probe must be probs, got '" + p + "'");
        }
        return !p.isEmpty();
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
        long bandwidthMib = args.longValue("bandwidth-mib", 1024);
        if (bandwidthMib < 0) {
            throw new UsageException("--bandwidth-mib must not be negative");
        }
        Benchmark.Settings settings;
        try {
            settings = new Benchmark.Settings(args.integer("prompt-tokens", 128), args.integer("gen-tokens", 64),
                    args.integer("reps", 3), bandwidthMib << 20, probe(args));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        try (Engine engine = CommonOptions.engine(args);
             LoadedModel model = CommonOptions.load(engine, args, Repacking.IN_BACKGROUND)) {
            CommonOptions.warnAbout(model.tokenizer(), ctx.err());
            // Background copies first: generation is timed on the copies it reads from then on.
            model.repacking().awaitCopies(java.time.Duration.ofDays(1));
            Benchmark.Result r = Benchmark.run(model, settings);
            if (args.flag("json")) {
                ctx.out().println(new Json().beginObject()
                        .field("model", model.path().getFileName().toString())
                        .field("threads", r.threads())
                        .field("precision", engine.backend().precision().name().toLowerCase(java.util.Locale.ROOT))
                        .field("prompt_tokens", r.promptTokens())
                        .field("gen_tokens", r.generateTokens())
                        .field("reps", r.repetitions())
                        .field("pp_tps", r.promptTps())
                        .field("tg_tps", r.generateTps())
                        .field("tg_tps_min", r.generateTpsMin())
                        .field("tg_tps_max", r.generateTpsMax())
                        .field("load_ms", r.loadMillis())
                        .field("repacking", model.repacking().mode().name().toLowerCase(java.util.Locale.ROOT))
                        .field("repacked_bytes", model.repackedBytes())
                        .field("repack_ms", model.repacking().copyNanos() / 1e6)
                        .field("bandwidth_gbs", r.bandwidth() / 1e9)
                        .field("bytes_per_token", r.bytesPerToken())
                        .field("ceiling_tps", r.ceilingTps())
                        .field("ceiling_fraction", r.ceilingFraction())
                        .field("compute_gflops", r.computeFlops() / 1e9)
                        .field("pp_flops_per_token", r.promptFlopsPerToken())
                        .field("pp_ceiling_tps", r.promptCeilingTps())
                        .field("pp_ceiling_fraction", r.promptCeilingFraction())
                        .field("tg_tps_probe", r.probedTps())
                        .field("probe_overhead", r.probeOverhead())
                        .endObject());
            } else {
                var out = ctx.out();
                out.printf("model:             %s (%s weights read per token)%n", model.path().getFileName(),
                        CommonOptions.humanBytes(r.bytesPerToken()));
                out.printf("threads:           %d%n", r.threads());
                out.printf("products:          %s%n", engine.backend().precision() == ProductPrecision.FAST
                        ? "fast (8-bit activations where the integer kernel is faster)"
                        : "exact (float activations)");
                out.printf("load:              %.1f ms%n", r.loadMillis());
                if (model.repackedBytes() > 0) {
                    out.printf("repacked:          %s of weights copied %s%n", CommonOptions.humanBytes(model.repackedBytes()),
                            model.repacking().mode() == Repacking.AT_LOAD ? "during the load (--repack)"
                                    : String.format(java.util.Locale.ROOT, "in the background after the load, in %.1f ms",
                                            model.repacking().copyNanos() / 1e6));
                }
                if (model.repacking().notMade() != null) {
                    out.printf("repacked:          no copies: %s%n", model.repacking().notMade());
                }
                out.printf("prompt (pp%d):     %.1f tokens/s (median of %d)%n", r.promptTokens(), r.promptTps(),
                        r.repetitions());
                out.printf("generation (tg%d): %.1f tokens/s (median; min %.1f, max %.1f)%n", r.generateTokens(),
                        r.generateTps(), r.generateTpsMin(), r.generateTpsMax());
                if (r.bandwidth() > 0) {
                    out.printf("memory bandwidth:  %.2f GB/s (measured now, %d threads)%n", r.bandwidth() / 1e9, r.threads());
                    out.printf("ceiling:           %.1f tokens/s; generation reaches %.1f%% of it%n", r.ceilingTps(),
                            100 * r.ceilingFraction());
                }
                if (r.computeFlops() > 0) {
                    out.printf("compute:           %.1f GFLOP/s of float multiply-adds (measured now, %d threads)%n",
                            r.computeFlops() / 1e9, r.threads());
                    out.printf("prompt ceiling:    %.1f tokens/s at %.2f GFLOP a prompt token; "
                            + "prompt processing reaches %.1f%% of it%n",
                            r.promptCeilingTps(), r.promptFlopsPerToken() / 1e9, 100 * r.promptCeilingFraction());
                    if (r.promptCeilingFraction() > 1) {
                        // Q4_0, Q4_1, Q4_K and the 5-bit types multiply prompts in 16-bit integer lanes (AVX-512).
                        out.printf("                   (past the float peak: this model's weight types multiply prompts "
                                + "as 16-bit integers)%n");
                    }
                }
                if (r.probedTps() > 0) {
                    out.printf("with probe:        %.1f tokens/s with top-20 probabilities (%.1f%% overhead)%n",
                            r.probedTps(), 100 * r.probeOverhead());
                }
            }
        }
        return Cli.EXIT_OK;
    }
}
