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
                new InspectCommand(), new EvalCommand(), new ChatTemplateCommand()));
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
                out.print(help(c));
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
        if (rest.contains("--help") || rest.contains("-h")) {
            out.print(help(command));
            return EXIT_OK;
        }
        try {
            ParsedArgs parsed = ParsedArgs.parse(command.name(), command.options(), rest);
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
        StringBuilder sb = new StringBuilder();
        sb.append("lucid ").append(c.name()).append(": ").append(c.summary()).append("\n\nOptions:\n");
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
