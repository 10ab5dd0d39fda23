package lucid.app.cli;

import java.util.List;

/** One {@code lucid <command>}: its options, and what it does with them. */
public interface Command {

    String name();

    /** One line for {@code lucid help}. */
    String summary();

    List<Option> options();

    /**
     * The subcommands of a command group ({@code lucid lab synth}): when there are any, the command line
     * names one after the group and the group itself never runs.
     */
    default List<Command> subcommands() {
        return List.of();
    }

    /** Runs the command; returns the exit code. Bad input throws {@link UsageException}. */
    int run(ParsedArgs args, CliContext context) throws Exception;
}
