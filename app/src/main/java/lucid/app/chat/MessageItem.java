package lucid.app.chat;

import javafx.beans.property.BooleanProperty;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

/** View-model of one message on the branch on screen; its text grows while it streams. */
public final class MessageItem {

    private final long id;
    private final long parentId;
    private final Role role;
    private final StringProperty content = new SimpleStringProperty(this, "content", "");
    private final ObjectProperty<MessageStats> stats = new SimpleObjectProperty<>(this, "stats");
    private final BooleanProperty streaming = new SimpleBooleanProperty(this, "streaming");
    private final IntegerProperty siblingIndex = new SimpleIntegerProperty(this, "siblingIndex");
    private final IntegerProperty siblingCount = new SimpleIntegerProperty(this, "siblingCount", 1);
    private final BooleanProperty interrupted = new SimpleBooleanProperty(this, "interrupted");
    private final ObjectProperty<ReplyProbabilities> probabilities = new SimpleObjectProperty<>(this, "probabilities");

    public MessageItem(StoredMessage m, int siblingIndex, int siblingCount) {
        this.id = m.id();
        this.parentId = m.parentId();
        this.role = m.role();
        content.set(m.content());
        stats.set(m.stats());
        this.siblingIndex.set(siblingIndex);
        this.siblingCount.set(siblingCount);
        // A reply left incomplete by a crash is shown as such, not as streaming forever.
        interrupted.set(!m.complete());
    }

    public long id() {
        return id;
    }

    public long parentId() {
        return parentId;
    }

    public Role role() {
        return role;
    }

    public StringProperty contentProperty() {
        return content;
    }

    public String content() {
        return content.get();
    }

    public ObjectProperty<MessageStats> statsProperty() {
        return stats;
    }

    public BooleanProperty streamingProperty() {
        return streaming;
    }

    public IntegerProperty siblingIndexProperty() {
        return siblingIndex;
    }

    public IntegerProperty siblingCountProperty() {
        return siblingCount;
    }

    public BooleanProperty interruptedProperty() {
        return interrupted;
    }

    /** The token probabilities recorded while this reply was generated; null when none were. */
    public ObjectProperty<ReplyProbabilities> probabilitiesProperty() {
        return probabilities;
    }
}
