package lucid.app.chat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A conversation's messages as a tree: the branch on screen is the path from the root to the active
 * leaf; siblings (same parent) are the alternatives an edit or a regeneration created.
 */
public final class ConversationTree {

    private final Map<Long, StoredMessage> byId = new HashMap<>();
    private final Map<Long, List<StoredMessage>> children = new HashMap<>();

    public ConversationTree(List<StoredMessage> messages) {
        for (StoredMessage m : messages) {
            byId.put(m.id(), m);
        }
        for (StoredMessage m : messages) { // ids grow with time, so children come out oldest first
            children.computeIfAbsent(m.parentId(), k -> new ArrayList<>()).add(m);
        }
    }

    public StoredMessage get(long id) {
        return byId.get(id);
    }

    public boolean isEmpty() {
        return byId.isEmpty();
    }

    public List<StoredMessage> children(long parentId) {
        return children.getOrDefault(parentId, List.of());
    }

    /** The message and its siblings, oldest first (the message itself included). */
    public List<StoredMessage> siblings(StoredMessage m) {
        return children(m.parentId());
    }

    /** Root first, ending at {@code leaf}; empty when the leaf is unknown. */
    public List<StoredMessage> path(long leaf) {
        List<StoredMessage> out = new ArrayList<>();
        StoredMessage m = byId.get(leaf);
        while (m != null) {
            out.add(m);
            m = byId.get(m.parentId());
        }
        Collections.reverse(out);
        return out;
    }

    /** Follows the newest child down from {@code id} to a leaf: where switching to a branch lands. */
    public long newestLeafUnder(long id) {
        long at = id;
        while (!children(at).isEmpty()) {
            at = children(at).getLast().id();
        }
        return at;
    }

    /** The message and everything below it, for deletion. */
    public List<Long> subtree(long id) {
        List<Long> out = new ArrayList<>();
        List<Long> stack = new ArrayList<>(List.of(id));
        while (!stack.isEmpty()) {
            long at = stack.removeLast();
            out.add(at);
            for (StoredMessage c : children(at)) {
                stack.add(c.id());
            }
        }
        return out;
    }

    public List<StoredMessage> all() {
        return byId.values().stream().sorted(java.util.Comparator.comparingLong(StoredMessage::id)).toList();
    }
}
