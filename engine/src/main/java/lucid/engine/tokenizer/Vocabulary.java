package lucid.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.IntStream;

import lucid.engine.gguf.GgufMetadata;

/**
 * The token table of a model, read from the {@code tokenizer.ggml.*} metadata of a GGUF file,
 * with the special-token facts every tokenizer type shares.
 *
 * <p>It reproduces what llama.cpp's vocabulary loader derives beyond the raw arrays, because those
 * derived facts change token ids: per-model defaults for BOS/EOS/UNK and the add-BOS/space-prefix
 * flags, special ids that are out of range being ignored, tokens that look like end-of-turn or
 * fill-in-the-middle markers being forced to {@link TokenType#CONTROL}, the end-of-generation set,
 * and the whitespace-stripping attributes it sets by model name (Phi-3). Immutable.
 */
public final class Vocabulary {

    /** Model types whose defaults we know; see {@link Tokenizer#fromGguf} for the ones we can run. */
    public static final String MODEL_SENTENCEPIECE = "llama";
    public static final String MODEL_BYTE_LEVEL_BPE = "gpt2";

    private static final String PREFIX = "tokenizer.ggml.";

    /**
     * Marker texts llama.cpp treats as end of generation even when no key names them. A token with
     * one of these texts also becomes a control token, whatever the file says.
     */
    private static final Set<String> END_OF_GENERATION_TEXTS = Set.of(
            "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>");

    /**
     * Roles found by key or, failing that, by text. The texts are llama.cpp's lists; a token found
     * by text is forced to control type, one named by a key keeps its type. Later keys win (the
     * deprecated FIM keys come after the current ones, as llama.cpp reads them). When several texts
     * are present, llama.cpp takes whichever its hash map yields first; we take the first in list
     * order, which makes Phi-3's EOT {@code <|end|>} and Qwen's {@code <|im_end|>}, not
     * {@code <|endoftext|>}. DeepSeek's markers are spelled with U+FF5C (fullwidth bar) and U+2581.
     */
    private enum Role {
        EOT(List.of("eot_token_id"),
                List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<EOT>",
                        "<\uff5cend\u2581of\u2581sentence\uff5c>")),
        EOM(List.of("eom_token_id"), List.of("<|eom_id|>")),
        FIM_PRE(List.of("fim_pre_token_id", "prefix_token_id"),
                List.of("<|fim_prefix|>", "<fim-prefix>", "<\uff5cfim\u2581begin\uff5c>", "<PRE>")),
        FIM_SUF(List.of("fim_suf_token_id", "suffix_token_id"),
                List.of("<|fim_suffix|>", "<fim-suffix>", "<\uff5cfim\u2581hole\uff5c>", "<SUF>")),
        FIM_MID(List.of("fim_mid_token_id", "middle_token_id"),
                List.of("<|fim_middle|>", "<fim-middle>", "<\uff5cfim\u2581end\uff5c>", "<MID>")),
        FIM_PAD(List.of("fim_pad_token_id"), List.of("<|fim_pad|>", "<fim-pad>", "<PAD>")),
        FIM_REP(List.of("fim_rep_token_id"), List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>")),
        FIM_SEP(List.of("fim_sep_token_id"), List.of("<|file_sep|>"));

        final List<String> keys;
        final List<String> texts;

        Role(List<String> keys, List<String> texts) {
            this.keys = keys;
            this.texts = texts;
        }
    }

    private static final int NONE = -1;

    private final String model;
    private final String preTokenizer;
    private final String[] texts;
    private final float[] scores;
    private final TokenType[] types;
    private final BitSet lstrip;
    private final BitSet rstrip;
    private final Map<String, Integer> idsByText;
    private final int bos;
    private final int eos;
    private final int eot;
    private final int eom;
    private final int unknown;
    private final int padding;
    private final boolean addBos;
    private final boolean addEos;
    private final boolean addSpacePrefix;
    private final BitSet endOfGeneration;
    private final int[] specialTokensLongestFirst;

    private Vocabulary(Loader b) {
        this.model = b.model;
        this.preTokenizer = b.preTokenizer;
        this.texts = b.texts;
        this.scores = b.scores;
        this.types = b.types;
        this.lstrip = b.lstrip;
        this.rstrip = b.rstrip;
        this.idsByText = b.idsByText;
        this.bos = b.bos;
        this.eos = b.eos;
        this.eot = b.roles.getOrDefault(Role.EOT, NONE);
        this.eom = b.roles.getOrDefault(Role.EOM, NONE);
        this.unknown = b.unknown;
        this.padding = b.padding;
        this.addBos = b.addBos;
        this.addEos = b.addEos;
        this.addSpacePrefix = b.addSpacePrefix;
        this.endOfGeneration = b.endOfGeneration;
        this.specialTokensLongestFirst = b.specialTokensLongestFirst;
    }

    /**
     * Reads the vocabulary of any tokenizer model type. Fails with {@link IllegalArgumentException}
     * when the token list is missing or the parallel arrays disagree in length.
     */
    public static Vocabulary fromGguf(GgufMetadata metadata) {
        return new Loader(metadata).load();
    }

    /** {@code tokenizer.ggml.model}: {@code llama} (SentencePiece), {@code gpt2} (byte-level BPE), ... */
    public String model() {
        return model;
    }

    /** {@code tokenizer.ggml.pre}, the pre-tokenizer name of BPE vocabularies; empty when absent. */
    public String preTokenizer() {
        return preTokenizer;
    }

    public int size() {
        return texts.length;
    }

    /** The token's text as stored (SentencePiece writes a space as {@code ▁}). */
    public String text(int id) {
        return texts[checkId(id)];
    }

    public float score(int id) {
        return scores[checkId(id)];
    }

    public TokenType type(int id) {
        return types[checkId(id)];
    }

    /** When this special token is cut out of text, whitespace just before it is dropped too. */
    public boolean lstrip(int id) {
        return lstrip.get(checkId(id));
    }

    /** When this special token is cut out of text, whitespace just after it is dropped too. */
    public boolean rstrip(int id) {
        return rstrip.get(checkId(id));
    }

    /** The id of the token with exactly this text. */
    public OptionalInt id(String text) {
        Integer id = idsByText.get(text);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** Like {@link #id(String)} without the boxing, for the tokenizers' inner loops: -1 when absent. */
    int idOrNone(String text) {
        Integer id = idsByText.get(text);
        return id == null ? NONE : id;
    }

    public OptionalInt bos() {
        return optional(bos);
    }

    public OptionalInt eos() {
        return optional(eos);
    }

    /** End of turn ({@code <|eot_id|>}, {@code <|im_end|>}, ...), by key or found by its text. */
    public OptionalInt eot() {
        return optional(eot);
    }

    /** End of message ({@code <|eom_id|>}). */
    public OptionalInt eom() {
        return optional(eom);
    }

    public OptionalInt unknown() {
        return optional(unknown);
    }

    public OptionalInt padding() {
        return optional(padding);
    }

    /** Whether {@code encode(..., addSpecial = true, ...)} puts BOS first. */
    public boolean addBos() {
        return addBos;
    }

    /** Whether {@code encode(..., addSpecial = true, ...)} puts EOS last. */
    public boolean addEos() {
        return addEos;
    }

    /** Whether SentencePiece text gets a leading space (and decoding drops it again). */
    public boolean addSpacePrefix() {
        return addSpacePrefix;
    }

    /** Whether generation should stop at this token: EOS, EOT, EOM and the marker tokens llama.cpp knows. */
    public boolean isEndOfGeneration(int id) {
        return id >= 0 && endOfGeneration.get(id);
    }

    /** All end-of-generation ids, ascending. */
    public int[] endOfGenerationIds() {
        return endOfGeneration.stream().toArray();
    }

    /**
     * Control, user-defined and unknown tokens, longest text (in UTF-8 bytes) first: the order in
     * which the partitioner cuts them out of text, so that a long marker wins over a shorter one
     * inside it. Equal lengths keep id order.
     */
    int[] specialTokensLongestFirst() {
        return specialTokensLongestFirst;
    }

    private int checkId(int id) {
        if (id < 0 || id >= texts.length) {
            throw new IllegalArgumentException(
                    "token id " + id + " is outside the vocabulary (0.." + (texts.length - 1) + ")");
        }
        return id;
    }

    private static OptionalInt optional(int id) {
        return id == NONE ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public String toString() {
        return "Vocabulary[" + model + ", " + texts.length + " tokens, bos=" + bos + ", eos=" + eos + "]";
    }

    /** The loading steps, in llama.cpp's order (each step can depend on the ones before it). */
    private static final class Loader {
        private final GgufMetadata metadata;
        private final String model;
        private final String preTokenizer;
        private String[] texts;
        private float[] scores;
        private TokenType[] types;
        private final BitSet lstrip = new BitSet();
        private final BitSet rstrip = new BitSet();
        private final Map<String, Integer> idsByText = new HashMap<>();
        private int bos = NONE;
        private int eos = NONE;
        private int unknown = NONE;
        private int padding = NONE;
        private boolean addBos;
        private boolean addEos;
        private boolean addSpacePrefix;
        private final Map<Role, Integer> roles = new EnumMap<>(Role.class);
        private final BitSet endOfGeneration = new BitSet();
        private int[] specialTokensLongestFirst;

        Loader(GgufMetadata metadata) {
            this.metadata = metadata;
            this.model = metadata.getString(PREFIX + "model").orElseThrow(() -> new IllegalArgumentException(
                    "the GGUF metadata has no tokenizer (" + PREFIX + "model is missing)"));
            this.preTokenizer = metadata.getString(PREFIX + "pre", "");
        }

        Vocabulary load() {
            applyModelDefaults();
            readTokens();
            readSpecialIds();
            findRolesAndEndOfGeneration();
            collectSpecialTokens();
            applyNameBasedStripping();
            return new Vocabulary(this);
        }

        /** What llama.cpp assumes when a file leaves a key out; the keys read afterwards override it. */
        private void applyModelDefaults() {
            switch (model) {
                case MODEL_SENTENCEPIECE -> {
                    bos = 1;
                    eos = 2;
                    unknown = 0;
                    addBos = true;
                    addSpacePrefix = true;
                }
                case MODEL_BYTE_LEVEL_BPE -> {
                    bos = 11;
                    eos = 11;
                    // llama.cpp ties a BOS default to some pre-tokenizer names (Llama 3 adds one).
                    addBos = PreTokenizer.forName(preTokenizer).map(PreTokenizer::addBos).orElse(false);
                    if (preTokenizer.equals("chatglm-bpe")) {
                        bos = NONE;
                    }
                }
                default -> {
                    // No defaults we can vouch for: only what the file states.
                }
            }
            addSpacePrefix = metadata.getBoolean(PREFIX + "add_space_prefix", addSpacePrefix);
        }

        private void readTokens() {
            String[] raw = metadata.getStringArray(PREFIX + "tokens").orElseThrow(() -> new IllegalArgumentException(
                    "the GGUF metadata has no token list (" + PREFIX + "tokens)"));
            int n = raw.length;
            texts = new String[n];
            scores = metadata.getFloatArray(PREFIX + "scores").orElse(new float[n]);
            int[] typeIds = metadata.getIntArray(PREFIX + "token_type").orElse(null);
            checkLength("scores", scores.length, n);
            if (typeIds != null) {
                checkLength("token_type", typeIds.length, n);
            }
            types = new TokenType[n];
            for (int i = 0; i < n; i++) {
                // llama.cpp renames empty tokens so that the text-to-id map stays one-to-one.
                texts[i] = raw[i].isEmpty() ? "[EMPTY_" + i + "]" : raw[i];
                idsByText.put(texts[i], i);
                types[i] = typeIds == null ? TokenType.NORMAL : TokenType.fromId(typeIds[i]);
            }
        }

        private static void checkLength(String what, int actual, int expected) {
            if (actual != expected) {
                throw new IllegalArgumentException(PREFIX + what + " has " + actual + " entries but "
                        + PREFIX + "tokens has " + expected);
            }
        }

        private void readSpecialIds() {
            bos = specialId("bos_token_id", bos);
            eos = specialId("eos_token_id", eos);
            unknown = specialId("unknown_token_id", unknown);
            padding = specialId("padding_token_id", padding);
            addBos = metadata.getBoolean(PREFIX + "add_bos_token", addBos);
            addEos = metadata.getBoolean(PREFIX + "add_eos_token", addEos);
        }

        /**
         * An id key, ignored when it lies outside the vocabulary: converters write -1 as UINT32
         * 4294967295 for "none" (stories260k's padding id), and llama.cpp keeps its default then.
         */
        private int specialId(String key, int fallback) {
            long v = metadata.getLong(PREFIX + key, NONE);
            return v >= 0 && v < texts.length ? (int) v : fallback;
        }

        private void findRolesAndEndOfGeneration() {
            for (Role role : Role.values()) {
                int id = NONE;
                for (String key : role.keys) {
                    id = specialId(key, id);
                }
                if (id == NONE) {
                    id = firstIdWithText(role.texts);
                    if (id != NONE) {
                        types[id] = TokenType.CONTROL;
                    }
                }
                if (id != NONE) {
                    roles.put(role, id);
                }
            }
            for (Role role : List.of(Role.FIM_PAD, Role.FIM_REP, Role.FIM_SEP)) {
                setIfPresent(endOfGeneration, roles.getOrDefault(role, NONE));
            }
            for (String text : END_OF_GENERATION_TEXTS) {
                Integer id = idsByText.get(text);
                if (id != null) {
                    endOfGeneration.set(id);
                    types[id] = TokenType.CONTROL;
                }
            }
            setIfPresent(endOfGeneration, eos);
            setIfPresent(endOfGeneration, roles.getOrDefault(Role.EOT, NONE));
            setIfPresent(endOfGeneration, roles.getOrDefault(Role.EOM, NONE));
        }

        private int firstIdWithText(List<String> candidates) {
            for (String text : candidates) {
                Integer id = idsByText.get(text);
                if (id != null) {
                    return id;
                }
            }
            return NONE;
        }

        private static void setIfPresent(BitSet set, int id) {
            if (id != NONE) {
                set.set(id);
            }
        }

        private void collectSpecialTokens() {
            List<Integer> ids = new ArrayList<>();
            int[] byteLength = new int[texts.length];
            for (int id = 0; id < texts.length; id++) {
                if (types[id].isSpecialCandidate()) {
                    ids.add(id);
                    byteLength[id] = texts[id].getBytes(StandardCharsets.UTF_8).length;
                }
            }
            // llama.cpp's std::sort is not stable, so its order among equal lengths is unspecified;
            // it only matters when two equally long specials overlap in the text.
            ids.sort(Comparator.comparingInt((Integer id) -> -byteLength[id]).thenComparingInt(id -> id));
            specialTokensLongestFirst = ids.stream().mapToInt(Integer::intValue).toArray();
        }

        /**
         * Attributes llama.cpp sets by model or pre-tokenizer name because GGUF files do not carry
         * them. For Phi-3 this is what makes {@code </s>} swallow the whitespace after it.
         */
        private void applyNameBasedStripping() {
            String name = asciiLowerCase(metadata.getString("general.name", ""));
            if (preTokenizer.contains("jina-v2-de") || preTokenizer.contains("jina-v2-es")
                    || preTokenizer.contains("jina-v2-code")) {
                setByText(lstrip, "<mask>", true);
            } else if (name.contains("phi-3") || name.contains("phi3")) {
                IntStream.of(specialTokensLongestFirst).forEach(rstrip::set);
                setByText(rstrip, "</s>", true);
                for (String text : List.of("<unk>", "<s>", "<|endoftext|>")) {
                    setByText(rstrip, text, false);
                }
            }
        }

        private void setByText(BitSet set, String text, boolean value) {
            Integer id = idsByText.get(text);
            if (id != null) {
                set.set(id, value);
            }
        }

        /** llama.cpp lowercases byte by byte with tolower, which touches ASCII only. */
        private static String asciiLowerCase(String s) {
            StringBuilder sb = new StringBuilder(s.length());
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                sb.append(c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c);
            }
            return sb.toString();
        }
    }
}
