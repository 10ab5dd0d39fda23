package lucid.engine.inference;

/** Why a generation ended. */
public enum StopReason {
    /** The model produced an end-of-generation token (EOS, EOT, ...). */
    END_OF_GENERATION,
    /** The requested number of tokens was generated. */
    MAX_TOKENS,
    /** The text produced one of the stop strings. */
    STOP_STRING,
    /** The session's context has no room for another token. */
    CONTEXT_FULL,
    /** {@link InferenceSession#cancel()} was called. */
    CANCELLED
}
