package lucid.engine.model;

/** A GGUF file that is valid but describes a model the engine cannot run; the message says why. */
public final class UnsupportedModelException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public UnsupportedModelException(String message) {
        super(message);
    }
}
