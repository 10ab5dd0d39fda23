package lucid.app.chat;

import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;

import lucid.app.settings.Messages;

/**
 * How much of the context window the system prompt, the history and the reply take: three coloured
 * segments over a track, and the numbers beside it. Turns to a warning colour past 90%.
 */
final class ContextBar {

    private final ChatViewModel vm;
    private final Messages messages;
    private final Region system = segment("context-system");
    private final Region history = segment("context-history");
    private final Region reply = segment("context-reply");
    private final HBox segments = new HBox(system, history, reply);
    private final Label label = new Label();
    private final HBox root;

    ContextBar(ChatViewModel vm, Messages messages) {
        this.vm = vm;
        this.messages = messages;
        Region track = new Region();
        track.getStyleClass().add("context-track");
        StackPane bar = new StackPane(track, segments);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.getStyleClass().add("context-bar");
        bar.setMinHeight(8);
        bar.setMaxHeight(8);
        HBox.setHgrow(bar, Priority.ALWAYS);
        label.setId("context-label");
        label.getStyleClass().add("context-label");
        label.setMinWidth(Region.USE_PREF_SIZE);
        Tooltip tip = new Tooltip();
        tip.textProperty().bind(messages.bind("context.tooltip"));
        label.setTooltip(tip);
        root = new HBox(8, bar, label);
        root.setAlignment(Pos.CENTER_LEFT);
        segments.setMaxHeight(8);
        bar.widthProperty().subscribe(w -> update());
        vm.contextLengthProperty().subscribe(v -> update());
        vm.systemTokensProperty().subscribe(v -> update());
        vm.historyTokensProperty().subscribe(v -> update());
        vm.replyTokensProperty().subscribe(v -> update());
        messages.localeProperty().subscribe(l -> update());
    }

    Node node() {
        return root;
    }

    private static Region segment(String style) {
        Region r = new Region();
        r.getStyleClass().addAll("context-segment", style);
        r.setMinHeight(8);
        return r;
    }

    private void update() {
        int ctx = vm.contextLengthProperty().get();
        int sys = vm.systemTokensProperty().get();
        int hist = vm.historyTokensProperty().get();
        int rep = vm.replyTokensProperty().get();
        double width = segments.getParent() == null ? 0 : ((Region) segments.getParent()).getWidth();
        double scale = ctx == 0 ? 0 : width / ctx;
        system.setPrefWidth(Math.min(width, sys * scale));
        history.setPrefWidth(Math.min(width, hist * scale));
        reply.setPrefWidth(Math.min(width, rep * scale));
        for (Region r : new Region[] {system, history, reply}) {
            r.setMinWidth(Region.USE_PREF_SIZE);
            r.setMaxWidth(Region.USE_PREF_SIZE);
        }
        int used = sys + hist + rep;
        boolean full = ctx > 0 && used > ctx * 0.9;
        root.pseudoClassStateChanged(javafx.css.PseudoClass.getPseudoClass("full"), full);
        label.setText(ctx == 0 ? messages.get("context.none")
                : messages.get("context.label", used, ctx, sys, hist, rep));
    }
}
