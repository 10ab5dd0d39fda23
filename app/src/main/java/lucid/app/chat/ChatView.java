package lucid.app.chat;

import javafx.beans.binding.Bindings;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.ButtonBar;
import javafx.scene.control.ButtonType;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.TextArea;
import javafx.scene.input.Clipboard;
import javafx.scene.input.ClipboardContent;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyEvent;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.stage.Window;

import org.kordamp.ikonli.feather.Feather;
import org.kordamp.ikonli.javafx.FontIcon;

import lucid.app.common.DialogButtons;
import lucid.app.settings.Messages;
import lucid.app.visualize.AttentionWindow;
import lucid.app.visualize.AttributionWindow;
import lucid.app.visualize.LabWindow;
import lucid.app.visualize.LogitLensWindow;
import lucid.app.visualize.TokenProbabilityWindow;

/**
 * The conversation pane: messages (a virtualized list), the context bar and the input. Enter sends,
 * Shift+Enter starts a new line; the send button turns into stop while a reply streams.
 */
public final class ChatView {

    private final ChatViewModel vm;
    private final java.util.concurrent.Executor inspection;
    private final Messages messages;
    private final ListView<MessageItem> list = new ListView<>();
    private final TextArea input = new TextArea();
    private final Button send = new Button();
    private final ContextBar contextBar;
    private final BorderPane root = new BorderPane();

    /** @param inspection runs lab captures (attention), off the FX thread and beside generation */
    public ChatView(ChatViewModel vm, Messages messages, java.util.concurrent.Executor inspection) {
        this.vm = vm;
        this.inspection = inspection;
        this.messages = messages;
        this.contextBar = new ContextBar(vm, messages);
        createView();
        initListeners();
    }

    /** Opens the token probability overlay of a reply that has them recorded; null otherwise. */
    public LabWindow openProbabilities(MessageItem item) {
        ReplyProbabilities p = item.probabilitiesProperty().get();
        if (p == null) {
            return null;
        }
        return TokenProbabilityWindow.open(root.getScene() == null ? null : root.getScene().getWindow(), messages, p,
                (index, tokenId) -> vm.branchFrom(item, index, tokenId));
    }

    /**
     * Opens the attention heatmap over a reply and the prompt before it (for replies whose tokens were
     * recorded in this run); null otherwise.
     */
    public LabWindow openAttention(MessageItem item) {
        ReplyProbabilities p = item.probabilitiesProperty().get();
        ChatEngine e = vm.engineProperty().get();
        if (p == null || e == null) {
            return null;
        }
        return AttentionWindow.open(root.getScene() == null ? null : root.getScene().getWindow(), messages, e.model(),
                p.sequence(), inspection, javafx.application.Platform::runLater);
    }

    /** Opens the text view of attention over a reply and its prompt, from the reply's last token. */
    public LabWindow openAttentionText(MessageItem item) {
        ReplyProbabilities p = item.probabilitiesProperty().get();
        ChatEngine e = vm.engineProperty().get();
        if (p == null || e == null) {
            return null;
        }
        int[] tokens = p.sequence();
        return lucid.app.visualize.AttentionTextWindow.open(root.getScene() == null ? null : root.getScene().getWindow(),
                messages, e.model(), tokens, tokens.length - 1, inspection, javafx.application.Platform::runLater);
    }

    /** Opens the model view (every layer × head) over a reply and its prompt. */
    public LabWindow openModelGrid(MessageItem item) {
        ReplyProbabilities p = item.probabilitiesProperty().get();
        ChatEngine e = vm.engineProperty().get();
        if (p == null || e == null) {
            return null;
        }
        return lucid.app.visualize.ModelGridWindow.open(root.getScene() == null ? null : root.getScene().getWindow(),
                messages, e.model(), p.sequence(), inspection, javafx.application.Platform::runLater, null);
    }

    /**
     * Opens the logit lens over a reply and the prompt before it (for replies whose tokens were
     * recorded in this run); null otherwise.
     */
    public LabWindow openLens(MessageItem item) {
        ReplyProbabilities p = item.probabilitiesProperty().get();
        ChatEngine e = vm.engineProperty().get();
        if (p == null || e == null) {
            return null;
        }
        return LogitLensWindow.open(root.getScene() == null ? null : root.getScene().getWindow(),
                messages, e.model(), p.sequence(), inspection, javafx.application.Platform::runLater);
    }

    /** Opens the attribution view of a reply with nothing selected yet; null as for {@link #openLens}. */
    public LabWindow openAttribution(MessageItem item) {
        return openAttribution(item, -1);
    }

    /**
     * Opens the attribution view of a reply, explaining the reply token at {@code target} (a position
     * in the prompt-and-reply sequence) right away, or nothing yet for -1.
     */
    public LabWindow openAttribution(MessageItem item, int target) {
        ReplyProbabilities p = item.probabilitiesProperty().get();
        ChatEngine e = vm.engineProperty().get();
        if (p == null || e == null) {
            return null;
        }
        return AttributionWindow.open(root.getScene() == null ? null : root.getScene().getWindow(),
                messages, e.model(), p.sequence(), p.prompt().length, target, inspection,
                javafx.application.Platform::runLater);
    }

    public Node node() {
        return root;
    }

    public TextArea input() {
        return input;
    }

    public Button sendButton() {
        return send;
    }

    private void createView() {
        root.getStyleClass().add("chat-view");
        list.setId("messages");
        list.getStyleClass().add("messages");
        list.setItems(vm.messages());
        list.setFocusTraversable(false);
        list.setCellFactory(l -> new MessageCell(l, messages, new MessageCell.Actions() {
            @Override
            public void copy(String text) {
                ClipboardContent c = new ClipboardContent();
                c.putString(text);
                Clipboard.getSystemClipboard().setContent(c);
            }

            @Override
            public void edit(MessageItem item) {
                editDialog(item);
            }

            @Override
            public void regenerate(MessageItem item) {
                vm.regenerate(item);
            }

            @Override
            public void delete(MessageItem item) {
                vm.delete(item);
            }

            @Override
            public void switchBranch(MessageItem item, int delta) {
                vm.switchBranch(item, delta);
            }

            @Override
            public void showProbabilities(MessageItem item) {
                openProbabilities(item);
            }

            @Override
            public void showAttention(MessageItem item) {
                openAttention(item);
            }

            @Override
            public void showLens(MessageItem item) {
                openLens(item);
            }

            @Override
            public void showAttribution(MessageItem item) {
                openAttribution(item);
            }
        }));
        Label empty = new Label();
        // Without a model the first step is loading one; with one, typing.
        javafx.beans.binding.StringBinding noModel = messages.bind("chat.empty");
        javafx.beans.binding.StringBinding ready = messages.bind("chat.empty.ready");
        empty.textProperty().bind(javafx.beans.binding.Bindings.when(vm.engineProperty().isNull())
                .then(noModel).otherwise(ready));
        empty.getStyleClass().add("chat-empty");
        list.setPlaceholder(empty);

        input.setId("chat-input");
        input.getStyleClass().add("chat-input");
        input.setWrapText(true);
        input.setPrefRowCount(3);
        input.promptTextProperty().bind(messages.bind("chat.input.prompt"));
        input.textProperty().bindBidirectional(vm.inputProperty());
        HBox.setHgrow(input, Priority.ALWAYS);
        send.setId("send");
        send.getStyleClass().add("accent");
        send.setMinWidth(88);
        send.setDefaultButton(false);
        HBox inputRow = new HBox(8, input, send);
        inputRow.setAlignment(Pos.BOTTOM_RIGHT);
        // After a message delete: "Message deleted. Undo" until the next delete or another conversation.
        Label deletedText = new Label();
        deletedText.textProperty().bind(messages.bind("chat.message.deleted"));
        Button undo = new Button();
        undo.setId("undo-message-delete");
        undo.textProperty().bind(messages.bind("sidebar.undo"));
        undo.getStyleClass().add("flat");
        undo.setOnAction(e -> vm.undoDelete());
        HBox undoBar = new HBox(6, deletedText, undo);
        undoBar.setAlignment(Pos.CENTER_LEFT);
        undoBar.getStyleClass().add("chat-undo-bar");
        undoBar.visibleProperty().bind(vm.undoableDeleteProperty().isNotNull());
        undoBar.managedProperty().bind(undoBar.visibleProperty());
        VBox bottom = new VBox(6, undoBar, contextBar.node(), inputRow);
        bottom.setPadding(new Insets(8, 12, 12, 12));
        bottom.getStyleClass().add("chat-bottom");
        root.setCenter(new StackPane(list));
        root.setBottom(bottom);
    }

    private void initListeners() {
        send.textProperty().bind(Bindings.when(vm.generatingProperty())
                .then(messages.bind("chat.stop")).otherwise(messages.bind("chat.send")));
        send.graphicProperty().bind(Bindings.when(vm.generatingProperty())
                .then((Node) new FontIcon(Feather.SQUARE)).otherwise((Node) new FontIcon(Feather.SEND)));
        send.setOnAction(e -> {
            if (vm.generatingProperty().get()) {
                vm.stop();
            } else {
                vm.send();
            }
        });
        input.addEventFilter(KeyEvent.KEY_PRESSED, e -> {
            if (e.getCode() == KeyCode.ENTER) {
                e.consume();
                if (e.isShiftDown()) {
                    input.replaceSelection("\n");
                } else if (!vm.generatingProperty().get()) {
                    vm.send();
                }
            }
        });
        // Follow a growing reply and every new message to the bottom.
        vm.messages().subscribe(() -> {
            if (!vm.messages().isEmpty()) {
                list.scrollTo(vm.messages().size() - 1);
            }
        });
        vm.replyTokensProperty().subscribe(n -> {
            if (vm.generatingProperty().get() && !vm.messages().isEmpty()) {
                list.scrollTo(vm.messages().size() - 1);
            }
        });
    }

    public void focusInput() {
        input.requestFocus();
    }

    private void editDialog(MessageItem item) {
        Dialog<String> d = new Dialog<>();
        Window owner = root.getScene() == null ? null : root.getScene().getWindow();
        d.initOwner(owner);
        d.setTitle(messages.get("edit.title"));
        d.setHeaderText(messages.get(item.role() == Role.USER ? "edit.header.user" : "edit.header.assistant"));
        MarkdownEditor area = new MarkdownEditor(item.content());
        area.setId("edit-area");
        area.setPrefSize(560, 240);
        d.getDialogPane().setContent(area);
        ButtonType save = new ButtonType(messages.get("edit.save"), ButtonBar.ButtonData.OK_DONE);
        d.getDialogPane().getButtonTypes().addAll(save, DialogButtons.cancel(messages));
        d.getDialogPane().lookupButton(save).setId("edit-save");
        d.setResultConverter(b -> b == save ? area.getText() : null);
        d.setOnShown(e -> area.requestFocus());
        d.showAndWait().ifPresent(text -> vm.edit(item, text));
    }
}
