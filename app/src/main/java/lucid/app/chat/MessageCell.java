package lucid.app.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ContentDisplay;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressIndicator;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.util.Subscription;

import org.kordamp.ikonli.feather.Feather;
import org.kordamp.ikonli.javafx.FontIcon;

import lucid.app.settings.Messages;

/**
 * One message on screen: who wrote it, its Markdown, live stats under a reply, the {@code ‹ 2/3 ›}
 * branch switcher and the message actions. Cells are reused by the list as it scrolls, so every
 * binding to an item is dropped when the cell moves to another.
 */
final class MessageCell extends ListCell<MessageItem> {

    /** What the cell's buttons ask of the chat. */
    interface Actions {
        void copy(String text);

        void edit(MessageItem item);

        void regenerate(MessageItem item);

        void delete(MessageItem item);

        void switchBranch(MessageItem item, int delta);

        void showProbabilities(MessageItem item);

        void showAttention(MessageItem item);

        void showLens(MessageItem item);

        void showAttribution(MessageItem item);
    }

    private final Messages messages;
    private final Actions actions;
    private final Label role = new Label();
    private final MarkdownView body = new MarkdownView();
    private final Label stats = new Label();
    private final ProgressIndicator streaming = new ProgressIndicator();
    private final Label branch = new Label();
    private final Button previous;
    private final Button next;
    private final Button copy;
    private final Button edit;
    private final Button regenerate;
    private final Button delete;
    private final Button probabilities;
    private final Button attention;
    private final Button lens;
    private final Button attribution;
    private final HBox branchBox;
    private final VBox root;
    private final List<Subscription> bindings = new ArrayList<>();

    MessageCell(ListView<MessageItem> list, Messages messages, Actions actions) {
        this.messages = messages;
        this.actions = actions;
        previous = iconButton(Feather.CHEVRON_LEFT, "message.previous");
        next = iconButton(Feather.CHEVRON_RIGHT, "message.next");
        copy = iconButton(Feather.COPY, "message.copy");
        edit = iconButton(Feather.EDIT_2, "message.edit");
        regenerate = iconButton(Feather.REFRESH_CW, "message.regenerate");
        delete = iconButton(Feather.TRASH_2, "message.delete");
        probabilities = iconButton(Feather.BAR_CHART_2, "message.probabilities");
        attention = iconButton(Feather.GRID, "message.attention");
        lens = iconButton(Feather.LAYERS, "message.lens");
        attribution = iconButton(Feather.CROSSHAIR, "message.attribution");
        branchBox = new HBox(2, previous, branch, next);
        getStyleClass().add("message-cell");
        setContentDisplay(ContentDisplay.GRAPHIC_ONLY);
        role.getStyleClass().add("message-role");
        stats.getStyleClass().add("message-stats");
        streaming.setPrefSize(14, 14);
        branch.getStyleClass().add("message-branch");
        branchBox.setAlignment(Pos.CENTER_LEFT);
        body.setOnCopy(this.actions::copy);
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        HBox footer = new HBox(6, branchBox, stats, streaming, spacer, probabilities, attention, lens, attribution,
                copy, edit, regenerate, delete);
        footer.setAlignment(Pos.CENTER_LEFT);
        footer.getStyleClass().add("message-footer");
        root = new VBox(4, role, body, footer);
        root.getStyleClass().add("message");
        // Wrap text at the list's width instead of growing the cell sideways.
        root.prefWidthProperty().bind(list.widthProperty().subtract(40));
        root.setMaxWidth(Region.USE_PREF_SIZE);
        previous.setOnAction(e -> actions.switchBranch(getItem(), -1));
        next.setOnAction(e -> actions.switchBranch(getItem(), 1));
        copy.setOnAction(e -> actions.copy(getItem().content()));
        edit.setOnAction(e -> actions.edit(getItem()));
        regenerate.setOnAction(e -> actions.regenerate(getItem()));
        delete.setOnAction(e -> actions.delete(getItem()));
        probabilities.setOnAction(e -> actions.showProbabilities(getItem()));
        attention.setOnAction(e -> actions.showAttention(getItem()));
        lens.setOnAction(e -> actions.showLens(getItem()));
        attribution.setOnAction(e -> actions.showAttribution(getItem()));
    }

    private Button iconButton(Feather icon, String tooltipKey) {
        Button b = new Button(null, new FontIcon(icon));
        b.getStyleClass().addAll("flat", "message-action");
        b.setId(tooltipKey.replace('.', '-'));
        Tooltip t = new Tooltip();
        t.textProperty().bind(messages.bind(tooltipKey));
        b.setTooltip(t);
        return b;
    }

    /** The list asks for a height without a width; the message's width is known, so use it. */
    @Override
    protected double computePrefHeight(double width) {
        if (getGraphic() == null) {
            return super.computePrefHeight(width);
        }
        return snappedTopInset() + root.prefHeight(root.getPrefWidth()) + snappedBottomInset();
    }

    @Override
    protected void updateItem(MessageItem item, boolean empty) {
        super.updateItem(item, empty);
        bindings.forEach(Subscription::unsubscribe);
        bindings.clear();
        if (empty || item == null) {
            setGraphic(null);
            return;
        }
        root.getStyleClass().removeAll("message-user", "message-assistant", "message-system");
        root.getStyleClass().add("message-" + item.role().id());
        role.textProperty().unbind();
        role.textProperty().bind(messages.bind("role." + item.role().id()));
        bindings.add(item.contentProperty().subscribe(body.markdownProperty()::set));
        bindings.add(item.statsProperty().subscribe(s -> updateStats(item)));
        bindings.add(item.interruptedProperty().subscribe(s -> updateStats(item)));
        bindings.add(messages.localeProperty().subscribe(l -> updateStats(item)));
        streaming.visibleProperty().unbind();
        streaming.visibleProperty().bind(item.streamingProperty());
        streaming.managedProperty().bind(streaming.visibleProperty());
        bindings.add(Subscription.combine(
                item.siblingIndexProperty().subscribe(i -> updateBranch(item)),
                item.siblingCountProperty().subscribe(i -> updateBranch(item))));
        for (Button b : List.of(edit, regenerate, delete)) {
            b.disableProperty().unbind();
            b.disableProperty().bind(item.streamingProperty());
        }
        regenerate.setVisible(item.role() != Role.SYSTEM);
        probabilities.visibleProperty().unbind();
        probabilities.visibleProperty().bind(item.probabilitiesProperty().isNotNull());
        probabilities.managedProperty().bind(probabilities.visibleProperty());
        attention.visibleProperty().unbind();
        attention.visibleProperty().bind(item.probabilitiesProperty().isNotNull());
        attention.managedProperty().bind(attention.visibleProperty());
        for (Button b : List.of(lens, attribution)) {
            b.visibleProperty().unbind();
            b.visibleProperty().bind(item.probabilitiesProperty().isNotNull());
            b.managedProperty().bind(b.visibleProperty());
        }
        setGraphic(root);
    }

    private void updateBranch(MessageItem item) {
        int count = item.siblingCountProperty().get();
        branchBox.setVisible(count > 1);
        branchBox.setManaged(count > 1);
        branch.setText((item.siblingIndexProperty().get() + 1) + "/" + count);
        previous.setDisable(item.siblingIndexProperty().get() == 0);
        next.setDisable(item.siblingIndexProperty().get() >= count - 1);
    }

    private void updateStats(MessageItem item) {
        MessageStats s = item.statsProperty().get();
        if (s == null) {
            boolean interrupted = item.interruptedProperty().get() && item.role() == Role.ASSISTANT;
            stats.setText(interrupted ? messages.get("stats.interrupted") : "");
            return;
        }
        stats.setText(messages.get("stats.line", s.tokens(),
                String.format(Locale.ROOT, "%.1f", s.tokensPerSecond()), s.firstTokenMillis(),
                messages.get(s.stopReason() == null ? "stop.streaming"
                        : "stop." + s.stopReason().name().toLowerCase(Locale.ROOT))));
    }
}
