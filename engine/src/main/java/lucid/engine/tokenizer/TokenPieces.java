package lucid.engine.tokenizer;

/**
 * The rendered bytes of every token, computed once per tokenizer, and llama.cpp's rule for which of
 * them {@code token_to_piece} shows without {@code special}: control-like tokens render as nothing.
 */
final class TokenPieces {

    private final Vocabulary vocabulary;
    private final byte[][] pieces; // (vocab) bytes of each token with special = true

    TokenPieces(Vocabulary vocabulary, java.util.function.IntFunction<byte[]> render) {
        this.vocabulary = vocabulary;
        this.pieces = new byte[vocabulary.size()][];
        for (int id = 0; id < pieces.length; id++) {
            pieces[id] = render.apply(id);
        }
    }

    /** The piece of {@code id}; a copy, so callers may keep or change it. */
    byte[] piece(int id, boolean special) {
        TokenType type = vocabulary.type(id); // also refuses an id outside the vocabulary
        if (!special && type.isHiddenUnlessSpecial()) {
            return new byte[0];
        }
        return pieces[id].clone();
    }

    /** {@code decoder.feed(piece(id, special))} from the stored bytes, no copy made. */
    String feed(int id, boolean special, Utf8StreamDecoder decoder) {
        TokenType type = vocabulary.type(id);
        byte[] piece = pieces[id];
        return decoder.feed(piece, 0, !special && type.isHiddenUnlessSpecial() ? 0 : piece.length);
    }
}
