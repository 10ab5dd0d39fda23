package lucid.app.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import lucid.engine.lab.SyntheticArchitecture;
import lucid.engine.lab.SyntheticMix;
import lucid.engine.lab.SyntheticModel;
import lucid.engine.lab.SyntheticPreset;
import lucid.engine.tensor.GgmlType;

/**
 * {@code lucid lab synth}: writes a random-weight GGUF of a chosen architecture, shape and tensor
 * type, with a working tokenizer, to try the engine, the app or a quantization without downloading
 * a model. Progress goes to stderr, the summary line to stdout.
 */
final class SynthCommand implements Command {

    @Override
    public String name() {
        return "synth";
    }

    @Override
    public String summary() {
        return "write a random-weight GGUF of a chosen architecture, shape and tensor type";
    }

    @Override
    public List<Option> options() {
        return List.of(
                Option.required("arch", "A", "architecture: " + names(SyntheticArchitecture.ALL.stream()
                        .map(SyntheticArchitecture::name).toList())),
                Option.required("preset", "P", "shape: " + names(SyntheticPreset.ALL.stream().map(SyntheticPreset::name).toList())),
                Option.required("type", "T", "weight type: " + writableTypes() + "; or a mix of them as llama-quantize makes: "
                        + names(SyntheticMix.names())),
                Option.required("out", "FILE", "the GGUF file to write"),
                Option.value("seed", "S", "random seed (default 42); the same seed gives the same weights in every type"),
                Option.flag("force", "replace FILE if it exists"));
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
        SyntheticArchitecture arch = SyntheticArchitecture.named(args.string("arch").orElseThrow());
        SyntheticPreset preset = SyntheticPreset.named(args.string("preset").orElseThrow());
        String typeArg = args.string("type").orElseThrow();
        var mix = SyntheticMix.named(typeArg);
        Path out = Path.of(args.string("out").orElseThrow());
        if (Files.exists(out) && !args.flag("force")) {
            throw new UsageException(out + " exists; add --force to replace it");
        }
        if (out.getParent() != null && !Files.isDirectory(out.getParent())) {
            throw new UsageException("folder not found: " + out.getParent());
        }
        long seed = args.longValue("seed", 42);
        SyntheticModel model = mix.isPresent() ? SyntheticModel.plan(arch, preset, mix.get())
                : SyntheticModel.plan(arch, preset, parseType(typeArg));
        String type = model.typeName();
        long total = model.tensorBytes();
        ctx.err().printf("writing %s: %s, preset %s (%s), %s weights, %s parameters, %s%n", out.getFileName(),
                arch.name(), preset.name(), preset.description(), type, CommonOptions.humanCount(model.parameterCount()),
                CommonOptions.humanBytes(model.fileSize()));
        long start = System.nanoTime();
        int[] lastPercent = {-1};
        model.write(out, seed, written -> {
            int percent = (int) (100 * written / Math.max(1, total));
            if (percent / 10 != lastPercent[0] / 10) {
                lastPercent[0] = percent;
                ctx.err().printf("  %3d%%%n", percent);
            }
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        ctx.out().printf("wrote %s (%s %s %s, %,d parameters, %,d bytes) in %.1f s%n", out, arch.name(), preset.name(),
                type, model.parameterCount(), Files.size(out), seconds);
        return Cli.EXIT_OK;
    }

    private static GgmlType parseType(String name) {
        GgmlType type;
        try {
            type = GgmlType.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException("unknown tensor type '" + name + "' (writable: " + writableTypes() + "; mixes: "
                    + names(SyntheticMix.names()) + ")");
        }
        if (!SyntheticModel.canWrite(type)) {
            throw new UsageException("lab synth cannot write " + type + " weights (writable: " + writableTypes() + ")");
        }
        return type;
    }

    private static String writableTypes() {
        return names(Arrays.stream(GgmlType.values()).filter(SyntheticModel::canWrite).map(Enum::name).toList());
    }

    private static String names(List<String> names) {
        return String.join(", ", names);
    }
}
