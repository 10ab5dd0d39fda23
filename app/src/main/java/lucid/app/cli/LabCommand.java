package lucid.app.cli;

import java.util.List;

/** {@code lucid lab}: model-lab tools, one subcommand each. */
final class LabCommand implements Command {

    @Override
    public String name() {
        return "lab";
    }

    @Override
    public String summary() {
        return "model lab tools (synth: write a random-weight model of any architecture and shape)";
    }

    @Override
    public List<Option> options() {
        return List.of();
    }

    @Override
    public List<Command> subcommands() {
        return List.of(new SynthCommand());
    }

    @Override
    public int run(ParsedArgs args, CliContext context) {
        throw new UsageException("'lab' needs a subcommand (run 'lucid help lab')");
    }
}
