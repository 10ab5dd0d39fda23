package lucid.app.cli;

import java.nio.charset.StandardCharsets;

import lucid.engine.backend.ProductPrecision;
import lucid.engine.inference.Engine;
import lucid.engine.model.Repacking;

/** Options and small helpers several commands share. */
final class CommonOptions {
    private CommonOptions() {
    }

    static final Option MODEL = Option.required("model", "FILE", "GGUF model file");
    static final Option THREADS = Option.value("threads", "N", "worker threads (default: one per physical core)");
    static final Option EXACT = Option.flag("exact",
            "float activations in every product: slower, equal to a run on dequantized weights");
    static final Option REPACK = Option.flag("repack",
            "copy Q4_0, Q4_K, Q5_K and Q6_K weights during the load into the layout that generates faster (1.0x to 1.25x their size "
                    + "in extra memory); generate and bench make these copies in the background after the load unless "
                    + "--no-repack");
    static final Option NO_REPACK = Option.flag("no-repack",
            "make no copies of the weights: generation reads the file mapping only");
    static final Option JSON = Option.flag("json", "print JSON instead of text");
    static final Option PROMPT = Option.required("prompt", "TEXT", "prompt text");

    static int threads(ParsedArgs args) {
        int n = args.integer("threads", Engine.defaultThreads());
        if (n < 1 || n > 1024) {
            throw new UsageException("--threads must be between 1 and 1024, got " + n);
        }
        return n;
    }

    /** An engine with the --threads and --exact the user gave. */
    static Engine engine(ParsedArgs args) {
        return Engine.create(threads(args), args.flag("exact") ? ProductPrecision.EXACT : ProductPrecision.FAST);
    }

    /**
     * Loads --model on {@code engine}: with copies made during the load for --repack, none for
     * --no-repack, else as {@code otherwise} says (commands that generate copy in the background;
     * the ones that only process prompts, which read the mapping, copy nothing).
     */
    static lucid.engine.inference.LoadedModel load(Engine engine, ParsedArgs args, Repacking otherwise)
            throws java.io.IOException {
        if (args.flag("repack") && args.flag("no-repack")) {
            throw new UsageException("--repack and --no-repack cannot both be given");
        }
        Repacking repacking = args.flag("repack") ? Repacking.AT_LOAD
                : args.flag("no-repack") ? Repacking.NONE : otherwise;
        return engine.load(args.existingFile("model"), repacking);
    }

    /**
     * Says on stderr what the tokenizer could not do as the model's own would (an unknown
     * pre-tokenizer, say): the ids, and so everything after them, may then differ from llama.cpp's.
     */
    static void warnAbout(lucid.engine.tokenizer.Tokenizer tokenizer, java.io.PrintStream err) {
        for (String w : tokenizer.warnings()) {
            err.println("lucid: warning: " + w);
        }
    }

    /** A token's bytes as text; a piece that is part of a multi-byte character shows as U+FFFD. */
    static String pieceText(byte[] piece) {
        return new String(piece, StandardCharsets.UTF_8);
    }

    static String humanBytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.2f %s", v, units[u]);
    }

    static String humanCount(long n) {
        if (n >= 1_000_000_000L) {
            return String.format("%.2f B", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return String.format("%.2f M", n / 1e6);
        }
        if (n >= 1_000L) {
            return String.format("%.1f K", n / 1e3);
        }
        return Long.toString(n);
    }
}
