package lucid.app;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import lucid.app.cli.Cli;

/**
 * Entry point of the {@code lucid} launcher: a command name runs the CLI; anything else (nothing,
 * or app options such as {@code --model}) opens the desktop app.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        Cli cli = Cli.standard();
        List<String> argv = Arrays.asList(args);
        SharedArchive archive = SharedArchive.fromSystemProperty();
        if (!argv.isEmpty() && cli.isCommand(argv.getFirst())) {
            if (archive != null) {
                archive.beforeCommandLine();
            }
            // UTF-8 whatever the platform's default, so Chinese text and emoji survive pipes.
            PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
            PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
            int code = cli.run(argv, out, err);
            out.flush();
            System.exit(code);
        }
        if (archive != null) {
            archive.beforeWindow();
        }
        OpenFileEvents.listen();
        DesktopApp.launchWith(openedFile(args));
    }

    /**
     * A desktop opens a double-clicked .gguf file by passing its path as the only argument (the
     * installers' file association): that is the app's {@code --model}.
     */
    public static String[] openedFile(String[] args) {
        if (args.length == 1 && !args[0].startsWith("-") && args[0].toLowerCase(java.util.Locale.ROOT).endsWith(".gguf")) {
            return new String[] {"--model", args[0]};
        }
        return args;
    }
}
