package lucid.app.chat;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * The sidebar: conversations pinned first, then by last use, filtered by the search text (title and
 * content). Deleting hides a conversation until the undo offer is gone.
 */
public final class ConversationListViewModel {

    private final ConversationStore store;
    private final ObservableList<Conversation> conversations = FXCollections.observableArrayList();
    private final StringProperty query = new SimpleStringProperty(this, "query", "");
    private final ObjectProperty<Conversation> selected = new SimpleObjectProperty<>(this, "selected");
    private final ObjectProperty<Conversation> undoable = new SimpleObjectProperty<>(this, "undoable");

    public ConversationListViewModel(ConversationStore store) {
        this.store = store;
        store.purgeDeleted(); // undo offers do not survive a restart
        query.addListener((obs, old, q) -> refresh());
        refresh();
    }

    public ObservableList<Conversation> conversations() {
        return conversations;
    }

    public StringProperty queryProperty() {
        return query;
    }

    public ObjectProperty<Conversation> selectedProperty() {
        return selected;
    }

    /** The last deleted conversation while its undo is on offer. */
    public ObjectProperty<Conversation> undoableProperty() {
        return undoable;
    }

    public void refresh() {
        Conversation sel = selected.get();
        conversations.setAll(store.conversations(query.get()));
        if (sel != null) {
            // Keep the selection on the same conversation, with its fresh row.
            conversations.stream().filter(c -> c.id() == sel.id()).findFirst().ifPresent(selected::set);
        }
    }

    public Conversation create(String title, ConversationSettings settings) {
        Conversation c = store.createConversation(title, settings);
        query.set("");
        refresh();
        selected.set(c);
        return c;
    }

    /** Starts an empty chat: nothing is stored until the first message is sent. */
    public void newConversation() {
        selected.set(null);
    }

    public void rename(Conversation c, String title) {
        if (title != null && !title.isBlank()) {
            store.rename(c.id(), title.strip());
            refresh();
        }
    }

    public void togglePinned(Conversation c) {
        store.setPinned(c.id(), !c.pinned());
        refresh();
    }

    public void delete(Conversation c) {
        store.delete(c.id());
        undoable.set(c);
        if (selected.get() != null && selected.get().id() == c.id()) {
            selected.set(null);
        }
        refresh();
    }

    public void undoDelete() {
        Conversation c = undoable.get();
        if (c != null) {
            store.restore(c.id());
            undoable.set(null);
            refresh();
            conversations.stream().filter(x -> x.id() == c.id()).findFirst().ifPresent(selected::set);
        }
    }

    public void select(Conversation c) {
        selected.set(c);
    }
}
