package lucid.app.workbench;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.SelectionMode;
import javafx.scene.control.SplitPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

import org.fxmisc.richtext.StyleClassedTextArea;

import lucid.app.settings.Messages;

/**
 * Saved versions of the document: pick one to open it or re-run its tests, pick two to see their
 * line diff (removed lines red, added lines green).
 */
public final class VersionsView {

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    private final WorkbenchViewModel vm;
    private final ListView<WorkbenchStore.Version> list;
    private final StyleClassedTextArea diff = new StyleClassedTextArea();
    private final SplitPane root;
    private final Label diffTitle = new Label();
    private final Messages messages;

    VersionsView(WorkbenchViewModel vm, Messages messages) {
        this.vm = vm;
        this.messages = messages;
        list = new ListView<>(vm.versions());
        list.setId("wb-versions");
        list.getSelectionModel().setSelectionMode(SelectionMode.MULTIPLE);
        list.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(WorkbenchStore.Version v, boolean empty) {
                super.updateItem(v, empty);
                setText(empty || v == null ? null : "v" + v.id() + "  ·  " + TIME.format(Instant.ofEpochMilli(v.createdAt())));
            }
        });
        Label none = new Label();
        none.textProperty().bind(messages.bind("wb.versions.none"));
        list.setPlaceholder(none);
        Button showDiff = button("wb.versions.diff", this::showSelectedDiff);
        showDiff.setId("wb-diff");
        Button open = button("wb.versions.open", () -> {
            var v = list.getSelectionModel().getSelectedItem();
            if (v != null) {
                vm.open(v);
            }
        });
        Button rerun = button("wb.versions.rerun", () -> {
            var v = list.getSelectionModel().getSelectedItem();
            if (v != null) {
                vm.runTests(v);
            }
        });
        rerun.setId("wb-rerun");
        rerun.disableProperty().bind(vm.runningProperty());
        HBox buttons = new HBox(6, showDiff, open, rerun);
        buttons.setAlignment(Pos.CENTER_LEFT);
        VBox.setVgrow(list, Priority.ALWAYS);
        VBox left = new VBox(6, buttons, list);
        left.setPadding(new Insets(6));
        diff.setId("wb-diff-view");
        diff.setEditable(false);
        diff.getStyleClass().add("wb-diff");
        diffTitle.getStyleClass().add("wb-muted");
        VBox.setVgrow(diff, Priority.ALWAYS);
        VBox right = new VBox(6, diffTitle, diff);
        right.setPadding(new Insets(6));
        list.getSelectionModel().getSelectedItems().addListener(
                (javafx.collections.ListChangeListener<WorkbenchStore.Version>) c -> showSelectedDiff());
        root = new SplitPane(left, right);
        root.setDividerPositions(0.35);
    }

    public Node node() {
        return root;
    }

    public ListView<WorkbenchStore.Version> list() {
        return list;
    }

    public StyleClassedTextArea diffArea() {
        return diff;
    }

    /**
     * Diffs the two selected versions (older to newer), or the selected one against the one before it;
     * follows the selection.
     */
    public void showSelectedDiff() {
        List<WorkbenchStore.Version> selected = List.copyOf(list.getSelectionModel().getSelectedItems());
        WorkbenchStore.Version a;
        WorkbenchStore.Version b;
        if (selected.size() >= 2) {
            a = selected.get(0).id() < selected.get(1).id() ? selected.get(0) : selected.get(1);
            b = a == selected.get(0) ? selected.get(1) : selected.get(0);
        } else if (selected.size() == 1 && vm.versions().indexOf(selected.getFirst()) + 1 < vm.versions().size()) {
            b = selected.getFirst();
            a = vm.versions().get(vm.versions().indexOf(b) + 1);
        } else if (selected.size() == 1) {
            // The first version has nothing before it: show what it holds.
            diffTitle.setText("v" + selected.getFirst().id());
            diff.replaceText(selected.getFirst().content());
            return;
        } else {
            return;
        }
        show(a, b);
    }

    public void show(WorkbenchStore.Version older, WorkbenchStore.Version newer) {
        List<LineDiff.Line> lines = WorkbenchViewModel.diff(older, newer);
        diffTitle.setText(messages.get("wb.versions.diffTitle", "v" + older.id(), "v" + newer.id()));
        StringBuilder text = new StringBuilder();
        for (LineDiff.Line l : lines) {
            text.append(switch (l.kind()) {
                case SAME -> "  ";
                case ADDED -> "+ ";
                case REMOVED -> "- ";
            }).append(l.text()).append('\n');
        }
        diff.replaceText(text.toString());
        int at = 0;
        for (LineDiff.Line l : lines) {
            int length = l.text().length() + 3;
            if (l.kind() != LineDiff.Kind.SAME) {
                diff.setStyleClass(at, at + length - 1, l.kind() == LineDiff.Kind.ADDED ? "wb-diff-added" : "wb-diff-removed");
            }
            at += length;
        }
    }

    private Button button(String key, Runnable action) {
        Button b = new Button();
        b.textProperty().bind(messages.bind(key));
        b.setOnAction(e -> action.run());
        return b;
    }
}
