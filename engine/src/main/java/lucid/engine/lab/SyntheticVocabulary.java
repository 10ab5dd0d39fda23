package lucid.engine.lab;

import java.util.ArrayList;
import java.util.List;

import lucid.engine.tokenizer.TokenType;

/**
 * A self-contained SentencePiece-style vocabulary for synthetic models, so that a generated file
 * tokenizes and detokenizes any text without borrowing a real model's vocabulary:
 * <pre>
 *   0          &lt;unk&gt;   UNKNOWN
 *   1          &lt;s&gt;     CONTROL (BOS)
 *   2          &lt;/s&gt;    CONTROL (EOS)
 *   3 .. 258   &lt;0x00&gt; .. &lt;0xFF&gt;   BYTE: byte fallback, so every text can be encoded
 *   259 ..     NORMAL pieces: every string over {@link #ALPHABET} of length 1, then 2, then 3 ...,
 *              in alphabet order, until the vocabulary is full
 * </pre>
 * Scores fall with the id (piece {@code i} scores {@code -i}), so the tokenizer prefers the shorter,
 * earlier pieces' merges first, as SentencePiece's BPE does with a trained vocabulary. The pieces
 * mean nothing, but every merge they allow is valid, so the tokenizer runs exactly as on a real model.
 */
public final class SyntheticVocabulary {

    /** Characters normal pieces are made of; U+2581 ("▁") is SentencePiece's space. */
    public static final String ALPHABET = "\u2581etaoinshrdlucmfwypvbgkqjxzETAOINSHRDLUCMFWYPVBGKQJXZ0123456789.,!?'\"-:;()";

    /** Control, unknown and byte tokens: the smallest vocabulary that can encode any text. */
    public static final int FIXED_TOKENS = 3 + 256;

    /**
     * @param tokens (size) texts
     * @param scores (size) merge priorities
     * @param types  (size) {@link TokenType} ids as GGUF stores them
     */
    public record Tokens(String[] tokens, float[] scores, int[] types) {
    }

    private SyntheticVocabulary() {
    }

    public static Tokens generate(int size) {
        if (size < FIXED_TOKENS + ALPHABET.length()) {
            throw new IllegalArgumentException("a synthetic vocabulary needs at least " + (FIXED_TOKENS + ALPHABET.length())
                    + " tokens (control, 256 bytes and the alphabet), got " + size);
        }
        String[] tokens = new String[size];
        float[] scores = new float[size];
        int[] types = new int[size];
        tokens[0] = "<unk>";
        types[0] = TokenType.UNKNOWN.id();
        tokens[1] = "<s>";
        types[1] = TokenType.CONTROL.id();
        tokens[2] = "</s>";
        types[2] = TokenType.CONTROL.id();
        for (int b = 0; b < 256; b++) {
            tokens[3 + b] = String.format("<0x%02X>", b);
            types[3 + b] = TokenType.BYTE.id();
        }
        int id = FIXED_TOKENS;
        List<String> previous = List.of("");
        while (id < size) {
            List<String> longer = new ArrayList<>();
            for (String prefix : previous) {
                for (int i = 0; i < ALPHABET.length() && id < size; i++) {
                    String piece = prefix + ALPHABET.charAt(i);
                    longer.add(piece);
                    tokens[id] = piece;
                    types[id] = TokenType.NORMAL.id();
                    id++;
                }
                if (id >= size) {
                    break;
                }
            }
            previous = longer;
        }
        for (int i = 0; i < size; i++) {
            scores[i] = i < FIXED_TOKENS ? 0f : -i;
        }
        return new Tokens(tokens, scores, types);
    }
}
