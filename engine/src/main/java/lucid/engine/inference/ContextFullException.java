package lucid.engine.inference;

/** Thrown when a session has no room left for another token; rewind or start a new session. */
public final class ContextFullException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public ContextFullException(int contextLength) {
        super("the context of " + contextLength + " tokens is full");
    }
}
