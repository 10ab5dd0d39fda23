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
        String noDisplay = missingDisplay(System.getProperty("os.name", ""), System.getenv("DISPLAY"),
                System.getenv("WAYLAND_DISPLAY"), System.getProperty("glass.platform"));
        if (noDisplay != null) {
            System.err.println(noDisplay);
            System.exit(1);
        }
        OpenFileEvents.listen();
        DesktopApp.launchWith(openedFile(args));
    }

    /**
     * Why the window cannot open on this Linux session (neither X11 nor Wayland display, and not
     * JavaFX's headless platform), as one line for the terminal; null where it can, or elsewhere.
     * Without this check GTK fails inside JavaFX's launcher with a stack trace.
     */
    public static String missingDisplay(String osName, String display, String waylandDisplay, String glassPlatform) {
        boolean linux = osName.toLowerCase(java.util.Locale.ROOT).contains("linux");
        if (!linux || "headless".equalsIgnoreCase(glassPlatform)
                || (display != null && !display.isBlank()) || (waylandDisplay != null && !waylandDisplay.isBlank())) {
            return null;
        }
        return "lucid: cannot open the window: no display (neither DISPLAY nor WAYLAND_DISPLAY is set). "
                + "Start it from a desktop session, or use a command in the terminal (lucid help).";
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
