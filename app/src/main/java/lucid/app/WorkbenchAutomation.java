package lucid.app;

import java.nio.file.Path;
import java.util.function.Consumer;

import javafx.animation.PauseTransition;
import javafx.scene.Scene;
import javafx.util.Duration;

import lucid.app.workbench.WorkbenchWindow;

/**
 * {@code --open-workbench [suite.yaml] [--run-matrix]}: opens the workbench through the main window's
 * menu action, imports the suite, runs the matrix and then the tests as a person would press the
 * buttons, and hands the workbench's scene to the screenshot once everything has finished, showing
 * the tab {@code --workbench-tab} names (the run matrix unless it says tests or versions).
 */
final class WorkbenchAutomation {

    private WorkbenchAutomation() {
    }

    static void run(MainWindow window, AppOptions options, Consumer<Scene> done) {
        WorkbenchWindow wb = window.openWorkbench();
        if (!options.openWorkbench().isEmpty() && !wb.importSuite(Path.of(options.openWorkbench()))) {
            System.err.println("lucid: cannot import " + options.openWorkbench());
        }
        Runnable shoot = () -> {
            wb.showTab(switch (options.workbenchTab() == null ? "matrix" : options.workbenchTab()) {
                case "tests" -> 1;
                case "versions" -> 2;
                default -> 0;
            });
            PauseTransition drawn = new PauseTransition(Duration.millis(600));
            drawn.setOnFinished(e -> done.accept(wb.stage().getScene()));
            drawn.play();
        };
        if (!options.runMatrix()) {
            shoot.run();
            return;
        }
        var vm = wb.viewModel();
        int before = vm.finishedRunsProperty().get();
        vm.finishedRunsProperty().subscribe(n -> {
            if (n.intValue() == before + 1) {
                wb.showTab(1);
                wb.tests().table().getSelectionModel().selectFirst();
                if (vm.document().tests.isEmpty()) {
                    shoot.run();
                } else {
                    vm.runTests();
                }
            } else if (n.intValue() == before + 2) {
                shoot.run();
            }
        });
        wb.matrix().runButton().fire();
    }
}
