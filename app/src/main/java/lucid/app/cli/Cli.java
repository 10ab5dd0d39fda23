package lucid.app.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;

import lucid.engine.chat.ChatTemplateException;
import lucid.engine.gguf.GgufFormatException;
import lucid.engine.inference.ContextFullException;
import lucid.engine.inference.InsufficientMemoryException;
import lucid.engine.model.UnsupportedModelException;

/**
 * The {@code lucid} command line: finds the command, parses its options and turns failures into one
 * line on stderr. Bad input (bad options, missing or invalid files, unsupported models) exits 2;
 * an unexpected failure exits 1. {@code --debug} anywhere adds the stack trace.
 */
public final class Cli {

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_BAD_INPUT = 2;

    private final List<Command> commands;

    public Cli(List<Command> commands) {
        this.commands = List.copyOf(commands);
    }

    public static Cli standard() {
        return new Cli(List.of(new InfoCommand(), new TokenizeCommand(), new DetokenizeCommand(),
                new GenerateCommand(), new LogitsCommand(), new PerplexityCommand(), new BenchCommand(),
                new InspectCommand(), new EvalCommand(), new ChatTemplateCommand(), new LabCommand()));
    }

    public boolean isCommand(String name) {
        return name.equals("help") || name.equals("--help") || name.equals("-h") || name.equals("version")
                || name.equals("--version") || find(name) != null;
    }

    public int run(List<String> argv, PrintStream out, PrintStream err) {
        List<String> args = new ArrayList<>(argv);
        boolean debug = args.remove("--debug");
        if (args.isEmpty() || List.of("help", "--help", "-h").contains(args.getFirst())) {
            if (args.size() > 1) {
                Command c = find(args.get(1));
                if (c == null) {
                    err.println("lucid: unknown command '" + args.get(1) + "'");
                    return EXIT_BAD_INPUT;
                }
                String qualified = c.name();
                if (args.size() > 2 && !c.subcommands().isEmpty()) {
                    Command sub = find(c.subcommands(), args.get(2));
                    if (sub == null) {
                        err.println(unknownSubcommand(qualified, c, args.get(2)));
                        return EXIT_BAD_INPUT;
                    }
                    c = sub;
                    qualified += " " + sub.name();
                }
                out.print(help(qualified, c));
            } else {
                out.print(overview());
            }
            return EXIT_OK;
        }
        if (List.of("version", "--version").contains(args.getFirst())) {
            out.println("lucid " + version());
            return EXIT_OK;
        }
        Command command = find(args.getFirst());
        if (command == null) {
            err.println("lucid: unknown command '" + args.getFirst() + "' (run 'lucid help' for the list)");
            return EXIT_BAD_INPUT;
        }
        List<String> rest = args.subList(1, args.size());
        String qualified = command.name();
        while (!command.subcommands().isEmpty()) {
            if (rest.isEmpty() || rest.getFirst().startsWith("-")) {
                if (rest.contains("--help") || rest.contains("-h")) {
                    out.print(help(qualified, command));
                    return EXIT_OK;
                }
                err.println("lucid: '" + qualified + "' needs a subcommand: " + subcommandNames(command)
                        + " (run 'lucid help " + qualified + "')");
                return EXIT_BAD_INPUT;
            }
            Command sub = find(command.subcommands(), rest.getFirst());
            if (sub == null) {
                err.println(unknownSubcommand(qualified, command, rest.getFirst()));
                return EXIT_BAD_INPUT;
            }
            qualified += " " + sub.name();
            command = sub;
            rest = rest.subList(1, rest.size());
        }
        if (rest.contains("--help") || rest.contains("-h")) {
            out.print(help(qualified, command));
            return EXIT_OK;
        }
        try {
            ParsedArgs parsed = ParsedArgs.parse(qualified, command.options(), rest);
            int code = command.run(parsed, new CliContext(out, err));
            out.flush();
            return code;
        } catch (Throwable t) {
            out.flush();
            Throwable cause = t instanceof UncheckedIOException u ? u.getCause() : t;
            boolean badInput = isBadInput(cause);
            err.println("lucid: error: " + describe(cause));
            if (debug) {
                cause.printStackTrace(err);
            } else if (!badInput) {
                err.println("lucid: (run again with --debug for details)");
            }
            return badInput ? EXIT_BAD_INPUT : EXIT_FAILURE;
        }
    }

    private static boolean isBadInput(Throwable t) {
        return t instanceof UsageException || t instanceof GgufFormatException || t instanceof NoSuchFileException
                || t instanceof UnsupportedModelException || t instanceof InsufficientMemoryException
                || t instanceof ContextFullException || t instanceof IllegalArgumentException
                || t instanceof CancellationException || t instanceof ChatTemplateException;
    }

    private static String describe(Throwable t) {
        if (t instanceof NoSuchFileException e) {
            return "file not found: " + e.getFile();
        }
        if (t instanceof IOException && t.getMessage() != null) {
            return t.getMessage();
        }
        String msg = t.getMessage();
        return msg == null || msg.isBlank() ? t.getClass().getSimpleName() : msg;
    }

    private static Command find(List<Command> among, String name) {
        for (Command c : among) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        return null;
    }

    private static String subcommandNames(Command group) {
        return String.join(", ", group.subcommands().stream().map(Command::name).toList());
    }

    private static String unknownSubcommand(String qualified, Command group, String name) {
        return "lucid: unknown subcommand '" + name + "' of '" + qualified + "' (subcommands: " + subcommandNames(group) + ")";
    }

    private Command find(String name) {
        for (Command c : commands) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        return null;
    }

    private String overview() {
        StringBuilder sb = new StringBuilder();
        sb.append("Lucid ").append(version()).append(": private local LLM chat and model lab\n\n");
        sb.append("Usage:\n");
        sb.append("  lucid                          open the desktop app\n");
        sb.append("  lucid --model FILE.gguf        open the desktop app with a model loaded\n");
        sb.append("  lucid <command> [options]      run a command\n\n");
        sb.append("Commands:\n");
        for (Command c : commands) {
            sb.append(String.format("  %-14s %s%n", c.name(), c.summary()));
        }
        sb.append(String.format("  %-14s %s%n", "help CMD", "options of one command"));
        sb.append("\nAdd --debug to any command to see the stack trace of an error.\n");
        return sb.toString();
    }

    static String help(Command c) {
        return help(c.name(), c);
    }

    static String help(String qualifiedName, Command c) {
        StringBuilder sb = new StringBuilder();
        sb.append("lucid ").append(qualifiedName).append(": ").append(c.summary()).append("\n");
        if (!c.subcommands().isEmpty()) {
            sb.append("\nSubcommands:\n");
            for (Command sub : c.subcommands()) {
                sb.append(String.format("  %-12s %s%n", sub.name(), sub.summary()));
            }
            return sb.append("\nRun 'lucid help ").append(qualifiedName).append(" SUBCOMMAND' for its options.\n").toString();
        }
        sb.append("\nOptions:\n");
        for (Option o : c.options()) {
            sb.append(String.format("  %-24s %s%s%n", o.usage(), o.description(), o.required() ? " (required)" : ""));
        }
        return sb.toString();
    }

    static String version() {
        String v = Cli.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
