package lucid.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.util.List;

import lucid.engine.gguf.GgufMetadata;

/**
 * Text to token ids and back, with exactly llama.cpp's semantics so that ids match the goldens
 * and the model sees what it was trained on. One implementation per tokenizer algorithm, never
 * one per model: the GGUF metadata carries everything model-specific ({@link Vocabulary}).
 *
 * <p>Pieces and decoded text are bytes first: a token can hold part of a UTF-8 character
 * (byte-fallback tokens), so streaming output goes through {@link Utf8StreamDecoder}.
 */
public interface Tokenizer {

    /** The {@code tokenizer.ggml.model} values {@link #fromGguf} can run. */
    List<String> SUPPORTED_MODELS = List.of(Vocabulary.MODEL_SENTENCEPIECE, Vocabulary.MODEL_BYTE_LEVEL_BPE);

    /**
     * The tokenizer the file asks for.
     *
     * @throws UnsupportedTokenizerException for a model type not in {@link #SUPPORTED_MODELS}
     * @throws IllegalArgumentException when the metadata has no usable vocabulary
     */
    static Tokenizer fromGguf(GgufMetadata metadata) {
        String model = metadata.getString("tokenizer.ggml.model").orElseThrow(() -> new IllegalArgumentException(
                "the GGUF metadata has no tokenizer (tokenizer.ggml.model is missing)"));
        return switch (model) {
            case Vocabulary.MODEL_SENTENCEPIECE -> new SentencePieceTokenizer(Vocabulary.fromGguf(metadata));
            case Vocabulary.MODEL_BYTE_LEVEL_BPE -> ByteLevelBpeTokenizer.fromGguf(metadata);
            default -> throw new UnsupportedTokenizerException(model, SUPPORTED_MODELS);
        };
    }

    Vocabulary vocabulary();

    /**
     * Things about this file the tokenizer had to guess at, worded for a user (an unknown
     * pre-tokenizer, say): token ids may then differ from the model's own tokenizer. Empty when
     * everything was as expected.
     */
    default List<String> warnings() {
        return List.of();
    }

    /**
     * Token ids for {@code text} ({@code llama_tokenize}).
     *
     * @param addSpecial   add BOS / EOS as the vocabulary's add-BOS / add-EOS flags say
     * @param parseSpecial match control tokens written in the text ({@code "<s>"} becomes BOS);
     *                     user-defined tokens are matched either way
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /**
     * The bytes one token stands for ({@code llama_token_to_piece} with no space stripping). Control
     * and unknown tokens give their literal text when {@code special} is true and nothing otherwise.
     *
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    byte[] tokenPiece(int id, boolean special);

    /**
     * {@code decoder.feed(tokenPiece(id, special))}, without copying the piece where the tokenizer
     * keeps it ready: what the generation loop calls once per token.
     *
     * @throws IllegalArgumentException for an id outside the vocabulary
     */
    default String feedPiece(int id, boolean special, Utf8StreamDecoder decoder) {
        return decoder.feed(tokenPiece(id, special));
    }

    /**
     * The bytes of a token sequence ({@code llama_detokenize}): pieces joined, the space a
     * SentencePiece vocabulary put in front of the text removed again.
     *
     * @param removeSpecial   drop a leading BOS and a trailing EOS when the vocabulary adds them
     * @param unparseSpecial  render control tokens as their text instead of dropping them
     */
    default byte[] decodeBytes(int[] ids, boolean removeSpecial, boolean unparseSpecial) {
        Vocabulary v = vocabulary();
        int from = 0;
        int to = ids.length;
        // The space prefix lives in the first piece. llama.cpp keeps it when it has just dropped a
        // BOS: we follow it, so that our text equals its text byte for byte.
        boolean removeSpace = v.addSpacePrefix();
        if (removeSpecial && v.addBos() && to > 0 && v.bos().isPresent() && ids[0] == v.bos().getAsInt()) {
            removeSpace = false;
            from = 1;
        }
        if (removeSpecial && v.addEos() && to > from && v.eos().isPresent() && ids[to - 1] == v.eos().getAsInt()) {
            to--;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = from; i < to; i++) {
            byte[] piece = tokenPiece(ids[i], unparseSpecial);
            int skip = removeSpace && piece.length > 0 && piece[0] == ' ' ? 1 : 0;
            out.write(piece, skip, piece.length - skip);
            removeSpace = false;
        }
        return out.toByteArray();
    }

    /**
     * {@link #decodeBytes} as a string; bytes that are not valid UTF-8 (a sequence cut in the
     * middle of a character) become U+FFFD exactly as when the same tokens are streamed through
     * {@link Utf8StreamDecoder}.
     */
    default String decode(int[] ids, boolean removeSpecial, boolean unparseSpecial) {
        return Utf8StreamDecoder.decodeAll(decodeBytes(ids, removeSpecial, unparseSpecial));
    }
}
