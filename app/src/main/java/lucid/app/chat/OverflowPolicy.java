package lucid.app.chat;

/** What to do when a conversation no longer fits in the context window. */
public enum OverflowPolicy {
    /** Warn and let the user choose each time. */
    ASK,
    /** Leave the oldest messages out of the prompt (they stay in the conversation). */
    TRUNCATE_OLDEST,
    /** Do not send; the user shortens or starts a new conversation. */
    REFUSE
}
