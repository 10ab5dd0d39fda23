package lucid.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import lucid.engine.gguf.GgufArray;
import lucid.engine.gguf.GgufMetadata;
import lucid.engine.gguf.GgufValueType;

/**
 * Hand-made byte-level BPE metadata for unit tests ({@code tokenizer.ggml.model = gpt2}): tokens
 * 0..255 are the byte alphabet in byte order (token {@code b} is byte {@code b}), then whatever a
 * test adds. Merges are written in plain text and spelled into the alphabet here, as a GGUF
 * converter spells them, so {@code merge(" t", "he")} stores the line {@code "Ġt he"}.
 */
final class TinyBpeVocabulary {

    private final List<String> texts = new ArrayList<>();
    private final List<Integer> types = new ArrayList<>();
    private final List<String> merges = new ArrayList<>();
    private final Map<String, GgufMetadata.Entry> extra = new LinkedHashMap<>();
    private boolean writeMerges = true;

    /** @param preTokenizer the {@code tokenizer.ggml.pre} value, or null for none */
    TinyBpeVocabulary(String preTokenizer) {
        for (int b = 0; b < 256; b++) {
            add(spell(new byte[] {(byte) b}), TokenType.NORMAL);
        }
        if (preTokenizer != null) {
            set("tokenizer.ggml.pre", preTokenizer);
        }
    }

    /** Plain text in the byte alphabet (the form token texts and merges use). */
    static String spell(String plain) {
        return spell(plain.getBytes(StandardCharsets.UTF_8));
    }

    private static String spell(byte[] bytes) {
        return ByteLevelAlphabet.spell(bytes, 0, bytes.length);
    }

    /** Adds a token with this exact (already spelled, or special) text; returns its id. */
    int add(String text, TokenType type) {
        texts.add(text);
        types.add(type.id());
        return texts.size() - 1;
    }

    /** Adds a normal token for a plain text; returns its id. */
    int token(String plain) {
        return add(spell(plain), TokenType.NORMAL);
    }

    /**
     * Appends the merge of two plain texts (rank = merges so far) and, when it is not a token yet,
     * the token it makes; returns that token's id.
     */
    int merge(String left, String right) {
        mergeOnly(left, right);
        int existing = texts.indexOf(spell(left + right));
        return existing >= 0 ? existing : token(left + right);
    }

    /** As {@link #merge} for texts already spelled in the byte alphabet (parts of a character, say). */
    int mergeSpelled(String left, String right) {
        merges.add(left + " " + right);
        int existing = texts.indexOf(left + right);
        return existing >= 0 ? existing : add(left + right, TokenType.NORMAL);
    }

    /** Appends a merge line without adding its result as a token. */
    void mergeOnly(String left, String right) {
        merges.add(spell(left) + " " + spell(right));
    }

    /** Appends a raw merge line, for malformed-input tests. */
    void mergeLine(String line) {
        merges.add(line);
    }

    TinyBpeVocabulary set(String key, Object value) {
        GgufValueType type = switch (value) {
            case Boolean b -> GgufValueType.BOOL;
            case String s -> GgufValueType.STRING;
            case Long l -> GgufValueType.UINT32;
            case Integer i -> GgufValueType.INT32;
            default -> throw new IllegalArgumentException(value.getClass().toString());
        };
        extra.put(key, new GgufMetadata.Entry(key, type, value));
        return this;
    }

    TinyBpeVocabulary withoutMerges() {
        writeMerges = false;
        return this;
    }

    GgufMetadata metadata() {
        Map<String, GgufMetadata.Entry> m = new LinkedHashMap<>();
        put(m, "tokenizer.ggml.model", GgufValueType.STRING, "gpt2");
        put(m, "tokenizer.ggml.tokens", GgufValueType.ARRAY,
                new GgufArray(GgufValueType.STRING, texts.toArray(String[]::new)));
        int[] t = types.stream().mapToInt(Integer::intValue).toArray();
        put(m, "tokenizer.ggml.token_type", GgufValueType.ARRAY, new GgufArray(GgufValueType.INT32, t));
        if (writeMerges) {
            put(m, "tokenizer.ggml.merges", GgufValueType.ARRAY,
                    new GgufArray(GgufValueType.STRING, merges.toArray(String[]::new)));
        }
        m.putAll(extra);
        return GgufMetadata.of(m);
    }

    private static void put(Map<String, GgufMetadata.Entry> m, String key, GgufValueType type, Object value) {
        m.put(key, new GgufMetadata.Entry(key, type, value));
    }

    ByteLevelBpeTokenizer tokenizer() {
        return (ByteLevelBpeTokenizer) Tokenizer.fromGguf(metadata());
    }
}
