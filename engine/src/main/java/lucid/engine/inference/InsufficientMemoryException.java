package lucid.engine.inference;

/** A model or session that does not fit in memory; the message says how much is needed and available. */
public final class InsufficientMemoryException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public InsufficientMemoryException(String message) {
        super(message);
    }
}
