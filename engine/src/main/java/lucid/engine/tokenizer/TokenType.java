package lucid.engine.tokenizer;

/**
 * The kind of a vocabulary entry, as stored in {@code tokenizer.ggml.token_type}. The numbers are
 * the ones the GGUF converters write (SentencePiece's piece types); anything else reads as
 * {@link #UNDEFINED}, which llama.cpp also does, and such tokens render as nothing.
 */
public enum TokenType {
    UNDEFINED(0),
    /** An ordinary piece of text; {@code ▁} in it stands for a space. */
    NORMAL(1),
    /** The {@code <unk>} token: matched in text only when parsing specials, rendered only when asked. */
    UNKNOWN(2),
    /** BOS, EOS, chat markers: matched in text only when parsing specials, rendered only when asked. */
    CONTROL(3),
    /** Added tokens that are always matched in text and always rendered literally. */
    USER_DEFINED(4),
    UNUSED(5),
    /** {@code <0xXX>}: one raw byte, the fallback for text no piece covers. */
    BYTE(6);

    private final int id;

    TokenType(int id) {
        this.id = id;
    }

    /** The number GGUF stores for this type. */
    public int id() {
        return id;
    }

    public static TokenType fromId(int id) {
        return switch (id) {
            case 1 -> NORMAL;
            case 2 -> UNKNOWN;
            case 3 -> CONTROL;
            case 4 -> USER_DEFINED;
            case 5 -> UNUSED;
            case 6 -> BYTE;
            default -> UNDEFINED;
        };
    }

    /**
     * Whether tokens of this type are cut out of the text before the subword algorithm runs
     * (llama.cpp's special-token cache: control, user-defined and unknown tokens).
     */
    boolean isSpecialCandidate() {
        return this == CONTROL || this == USER_DEFINED || this == UNKNOWN;
    }

    /** Whether the piece is hidden unless special tokens are asked for (llama.cpp: unknown and control). */
    boolean isHiddenUnlessSpecial() {
        return this == CONTROL || this == UNKNOWN;
    }
}
