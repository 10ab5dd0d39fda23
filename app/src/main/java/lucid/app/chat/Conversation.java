package lucid.app.chat;

/**
 * A conversation as listed in the sidebar.
 *
 * @param activeLeaf the message whose path from the root is the branch on screen, 0 when empty
 */
public record Conversation(long id, String title, boolean pinned, long createdAt, long lastUsedAt, long activeLeaf,
                           ConversationSettings settings) {

    public Conversation withTitle(String value) {
        return new Conversation(id, value, pinned, createdAt, lastUsedAt, activeLeaf, settings);
    }

    public Conversation withSettings(ConversationSettings value) {
        return new Conversation(id, title, pinned, createdAt, lastUsedAt, activeLeaf, value);
    }
}
