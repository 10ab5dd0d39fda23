package lucid.app;

import java.util.List;

/**
 * The app's command line (the CLI's commands are parsed elsewhere).
 *
 * @param model      a GGUF file to load at start
 * @param dataDir    overrides the OS's application-data folder
 * @param send       automation: type and send this text once the model is loaded
 * @param screenshot automation: write a PNG of the window once settled (after the reply with --send)
 * @param exit       automation: quit once done
 * @param theme      automation for screenshots: a theme name (e.g. primer-dark), saved like a user's choice
 * @param language   automation for screenshots: en or zh-CN, saved like a user's choice
 * @param openView   automation for screenshots: after the reply, open this lab view of it (probs, attention,
 *                   attention-text, model-grid, lens, or attribution, which explains the reply's last token) and
 *                   snapshot that window instead
 * @param openWorkbench automation: open the prompt workbench (snapshot it instead of the main window), with this
 *                      suite file imported; "" for the workbench as it starts
 * @param runMatrix     automation with --open-workbench: run the matrix, then the tests, before the snapshot
 * @param workbenchTab  automation with --open-workbench: the tab shown in the snapshot (matrix, tests or versions)
 */
public record AppOptions(String model, String dataDir, String send, String screenshot, boolean exit, String theme,
                         String language, String openView, String openWorkbench, boolean runMatrix, String workbenchTab) {

    public static AppOptions parse(List<String> args) {
        int wb = args.indexOf("--open-workbench");
        String workbench = wb < 0 ? null
                : wb + 1 < args.size() && !args.get(wb + 1).startsWith("--") ? args.get(wb + 1) : "";
        return new AppOptions(option(args, "--model"), option(args, "--data-dir"), option(args, "--send"),
                option(args, "--screenshot"), args.contains("--exit"), option(args, "--theme"),
                option(args, "--language"), option(args, "--open-view"), workbench, args.contains("--run-matrix"),
                option(args, "--workbench-tab"));
    }

    private static String option(List<String> args, String name) {
        int i = args.indexOf(name);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : null;
    }

    public boolean automated() {
        return send != null || screenshot != null || exit;
    }
}
