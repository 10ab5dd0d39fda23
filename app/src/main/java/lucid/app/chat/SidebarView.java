package lucid.app.chat;

import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.ContextMenu;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.MenuItem;
import javafx.scene.control.TextField;
import javafx.scene.control.TextInputDialog;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

import org.kordamp.ikonli.feather.Feather;
import org.kordamp.ikonli.javafx.FontIcon;

import lucid.app.settings.Messages;

/** The conversation list: search, new chat, pinned first; rename, pin and delete (with undo). */
public final class SidebarView {

    private final ConversationListViewModel vm;
    private final Messages messages;
    private final TextField search = new TextField();
    private final ListView<Conversation> list = new ListView<>();
    private final VBox root = new VBox(8);

    public SidebarView(ConversationListViewModel vm, Messages messages) {
        this.vm = vm;
        this.messages = messages;
        createView();
        initListeners();
    }

    public Node node() {
        return root;
    }

    public void focusSearch() {
        search.requestFocus();
        search.selectAll();
    }

    private void createView() {
        root.getStyleClass().add("sidebar");
        root.setPadding(new Insets(10));
        root.setPrefWidth(250);
        root.setMinWidth(180);
        search.setId("search");
        search.promptTextProperty().bind(messages.bind("sidebar.search"));
        Button newChat = new Button(null, new FontIcon(Feather.PLUS));
        newChat.setId("new-chat");
        newChat.textProperty().bind(messages.bind("sidebar.new"));
        newChat.setMaxWidth(Double.MAX_VALUE);
        newChat.setOnAction(e -> vm.newConversation());
        list.setId("conversations");
        list.setItems(vm.conversations());
        list.setCellFactory(l -> new ConversationCell());
        Label empty = new Label();
        empty.textProperty().bind(messages.bind("sidebar.empty"));
        empty.setWrapText(true);
        list.setPlaceholder(empty);
        VBox.setVgrow(list, Priority.ALWAYS);

        Label undoText = new Label();
        undoText.textProperty().bind(messages.bind("sidebar.deleted"));
        Button undo = new Button();
        undo.setId("undo-delete");
        undo.textProperty().bind(messages.bind("sidebar.undo"));
        undo.getStyleClass().add("flat");
        undo.setOnAction(e -> vm.undoDelete());
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        HBox undoBar = new HBox(6, undoText, spacer, undo);
        undoBar.setAlignment(Pos.CENTER_LEFT);
        undoBar.getStyleClass().add("undo-bar");
        undoBar.visibleProperty().bind(vm.undoableProperty().isNotNull());
        undoBar.managedProperty().bind(undoBar.visibleProperty());
        root.getChildren().setAll(newChat, search, list, undoBar);
    }

    private void initListeners() {
        search.textProperty().bindBidirectional(vm.queryProperty());
        list.getSelectionModel().selectedItemProperty().subscribe(c -> {
            if (c != null && (vm.selectedProperty().get() == null || vm.selectedProperty().get().id() != c.id())) {
                vm.select(c);
            }
        });
        vm.selectedProperty().subscribe(c -> {
            if (c == null) {
                list.getSelectionModel().clearSelection();
            } else if (list.getSelectionModel().getSelectedItem() != c) {
                list.getSelectionModel().select(c);
            }
        });
    }

    public void rename(Conversation c) {
        if (c == null) {
            return;
        }
        TextInputDialog d = new TextInputDialog(c.title());
        d.initOwner(root.getScene().getWindow());
        d.setTitle(messages.get("sidebar.rename"));
        d.setHeaderText(null);
        d.getEditor().setId("rename-field");
        d.showAndWait().ifPresent(t -> vm.rename(c, t));
    }

    private final class ConversationCell extends ListCell<Conversation> {
        private final Label title = new Label();
        private final FontIcon pin = new FontIcon(Feather.STAR);
        private final HBox box = new HBox(6, pin, title);

        ConversationCell() {
            box.setAlignment(Pos.CENTER_LEFT);
            title.setMaxWidth(Double.MAX_VALUE);
            title.getStyleClass().add("conversation-title");
            pin.getStyleClass().add("pin-icon");
            MenuItem rename = new MenuItem();
            rename.textProperty().bind(messages.bind("sidebar.rename"));
            rename.setOnAction(e -> rename(getItem()));
            MenuItem pinItem = new MenuItem();
            pinItem.textProperty().bind(messages.bind("sidebar.pin"));
            pinItem.setOnAction(e -> vm.togglePinned(getItem()));
            MenuItem delete = new MenuItem();
            delete.textProperty().bind(messages.bind("sidebar.delete"));
            delete.setOnAction(e -> vm.delete(getItem()));
            setContextMenu(new ContextMenu(rename, pinItem, delete));
        }

        @Override
        protected void updateItem(Conversation c, boolean empty) {
            super.updateItem(c, empty);
            if (empty || c == null) {
                setGraphic(null);
                return;
            }
            title.setText(c.title());
            pin.setVisible(c.pinned());
            pin.setManaged(c.pinned());
            setGraphic(box);
        }
    }
}
