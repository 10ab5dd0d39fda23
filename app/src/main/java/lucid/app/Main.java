package lucid.app;

/**
 * Entry point of the {@code lucid} launcher: no command opens the desktop app, a command runs the CLI.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.out.println("Lucid");
    }
}
