package lucid.engine.tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import lucid.engine.gguf.GgufArray;
import lucid.engine.gguf.GgufMetadata;
import lucid.engine.gguf.GgufValueType;

/**
 * Hand-made GGUF tokenizer metadata for unit tests: a few tokens whose scores and types make one
 * rule decide the outcome. Starts like a SentencePiece vocabulary: {@code <unk>}, {@code <s>},
 * {@code </s>}, then the 256 byte tokens (ids 3..258).
 */
final class TinyVocabulary {
    static final int UNK = 0;
    static final int BOS = 1;
    static final int EOS = 2;

    private final List<String> texts = new ArrayList<>();
    private final List<Float> scores = new ArrayList<>();
    private final List<Integer> types = new ArrayList<>();
    private final Map<String, GgufMetadata.Entry> extra = new LinkedHashMap<>();

    TinyVocabulary() {
        add("<unk>", 0, TokenType.UNKNOWN);
        add("<s>", 0, TokenType.CONTROL);
        add("</s>", 0, TokenType.CONTROL);
        for (int b = 0; b < 256; b++) {
            add(String.format("<0x%02X>", b), 0, TokenType.BYTE);
        }
    }

    static int byteToken(int b) {
        return 3 + b;
    }

    /** Adds a token; returns its id. */
    int add(String text, float score, TokenType type) {
        texts.add(text);
        scores.add(score);
        types.add(type.id());
        return texts.size() - 1;
    }

    int normal(String text, float score) {
        return add(text, score, TokenType.NORMAL);
    }

    TinyVocabulary set(String key, Object value) {
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

    GgufMetadata metadata() {
        Map<String, GgufMetadata.Entry> m = new LinkedHashMap<>();
        put(m, "tokenizer.ggml.model", GgufValueType.STRING, "llama");
        put(m, "tokenizer.ggml.tokens", GgufValueType.ARRAY,
                new GgufArray(GgufValueType.STRING, texts.toArray(String[]::new)));
        float[] s = new float[scores.size()];
        int[] t = new int[types.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
            t[i] = types.get(i);
        }
        put(m, "tokenizer.ggml.scores", GgufValueType.ARRAY, new GgufArray(GgufValueType.FLOAT32, s));
        put(m, "tokenizer.ggml.token_type", GgufValueType.ARRAY, new GgufArray(GgufValueType.INT32, t));
        m.putAll(extra);
        return GgufMetadata.of(m);
    }

    Tokenizer tokenizer() {
        return Tokenizer.fromGguf(metadata());
    }

    private static void put(Map<String, GgufMetadata.Entry> m, String key, GgufValueType type, Object value) {
        m.put(key, new GgufMetadata.Entry(key, type, value));
    }
}
