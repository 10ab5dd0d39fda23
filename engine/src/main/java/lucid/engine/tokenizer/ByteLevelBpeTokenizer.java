package lucid.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import lucid.engine.gguf.GgufMetadata;

/**
 * Byte-level BPE as llama.cpp runs it ({@code tokenizer.ggml.model = gpt2}: GPT-2, Llama 3, Qwen,
 * SmolLM, DeepSeek, Phi-2, StarCoder, Falcon, Command-R, ...).
 *
 * <p>Per text fragment left by the {@link SpecialTokenPartitioner}:
 * <ol>
 *   <li>the {@link PreTokenizer} named by {@code tokenizer.ggml.pre} cuts the text into words;</li>
 *   <li>each word's UTF-8 bytes are spelled in the {@link ByteLevelAlphabet} and merged by
 *       {@link BpeMerges} (lowest merge rank first); with Llama 3's pre-tokenizer a word that is
 *       already a token skips the merges;</li>
 *   <li>BOS / EOS are added as the vocabulary says, which for byte-level BPE defaults to no BOS
 *       except for the Llama 3, Tekken and Chameleon pre-tokenizers.</li>
 * </ol>
 * Every byte of the input survives, so pieces joined give back the input exactly; decoding also
 * applies llama.cpp's clean-up of spaces before punctuation for the pre-tokenizers that ask for
 * it, so {@code decode} is not always the input (GPT-2: {@code "a ,b"} comes back as {@code "a,b"}).
 *
 * <p>A file naming a pre-tokenizer we do not know (or none) is tokenized with llama.cpp's default
 * split, and {@link #warnings()} says so: ids may then differ from the model's own tokenizer.
 *
 * <p>Immutable and thread-safe. Words seen before are served from a bounded cache.
 */
public final class ByteLevelBpeTokenizer implements Tokenizer {

    private static final int NONE = -1;
    /** Words longer than this (in chars) are not cached: they are rare and would crowd the cache. */
    private static final int MAX_CACHED_WORD = 64;
    /** Entries before the cache is emptied and starts over; a chat's vocabulary of words fits easily. */
    private static final int MAX_CACHE_ENTRIES = 1 << 16;

    private final Vocabulary vocabulary;
    private final PreTokenizer preTokenizer;
    private final BpeMerges merges;
    private final SpecialTokenPartitioner partitioner;
    private final List<String> warnings;
    /** Every token's piece as rendered with {@code special = true}, computed once like llama.cpp's cache. */
    private final TokenPieces pieces;
    private final Map<String, int[]> wordCache = new ConcurrentHashMap<>();

    /**
     * @param merges the {@code tokenizer.ggml.merges} lines, rank = position
     * @throws IllegalArgumentException when the vocabulary is not a byte-level BPE one
     */
    public ByteLevelBpeTokenizer(Vocabulary vocabulary, List<String> merges) {
        if (!Vocabulary.MODEL_BYTE_LEVEL_BPE.equals(vocabulary.model())) {
            throw new IllegalArgumentException("a byte-level BPE tokenizer needs a '" + Vocabulary.MODEL_BYTE_LEVEL_BPE
                    + "' vocabulary, not '" + vocabulary.model() + "'");
        }
        this.vocabulary = vocabulary;
        this.merges = new BpeMerges(vocabulary, merges.toArray(String[]::new));
        this.partitioner = new SpecialTokenPartitioner(vocabulary);
        List<String> notes = new ArrayList<>();
        String name = vocabulary.preTokenizer();
        this.preTokenizer = PreTokenizer.forName(name.isEmpty() ? PreTokenizer.DEFAULT_NAME : name).orElseGet(() -> {
            notes.add("unknown pre-tokenizer '" + name + "' (tokenizer.ggml.pre); splitting words with llama.cpp's '"
                    + PreTokenizer.DEFAULT_NAME + "' pre-tokenizer instead, so token ids may differ from the model's"
                    + " own tokenizer");
            return PreTokenizer.defaultPreTokenizer();
        });
        if (name.isEmpty()) {
            notes.add("the file names no pre-tokenizer (tokenizer.ggml.pre); using llama.cpp's '"
                    + PreTokenizer.DEFAULT_NAME + "' one, which may not split words as the model was trained");
        }
        this.warnings = List.copyOf(notes);
        this.pieces = new TokenPieces(vocabulary, this::renderPiece);
    }

    /**
     * The tokenizer of a GGUF file with {@code tokenizer.ggml.model = gpt2}.
     *
     * @throws IllegalArgumentException when the vocabulary or the merges are missing or malformed
     */
    public static ByteLevelBpeTokenizer fromGguf(GgufMetadata metadata) {
        String[] merges = metadata.getStringArray("tokenizer.ggml.merges").orElseThrow(() -> new IllegalArgumentException(
                "the byte-level BPE vocabulary has no merges (tokenizer.ggml.merges is missing or not a string array)"));
        return new ByteLevelBpeTokenizer(Vocabulary.fromGguf(metadata), Arrays.asList(merges));
    }

    @Override
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** The pre-tokenizer in use: the one the file names, or the default one (see {@link #warnings()}). */
    public PreTokenizer preTokenizer() {
        return preTokenizer;
    }

    /** Distinct merges in the merge table. */
    public int mergeCount() {
        return merges.size();
    }

    @Override
    public List<String> warnings() {
        return warnings;
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList(Math.max(8, text.length() / 3));
        if (addSpecial && vocabulary.addBos()) {
            out.add(vocabulary.bos().orElseThrow(() -> new IllegalStateException(
                    "the vocabulary asks for BOS (add_bos_token) but has no BOS token")));
        }
        for (SpecialTokenPartitioner.Fragment fragment : partitioner.partition(text, parseSpecial)) {
            switch (fragment) {
                case SpecialTokenPartitioner.Text(int start, int end) -> encodeText(text, start, end, out);
                case SpecialTokenPartitioner.Special(int id) -> out.add(id);
            }
        }
        if (addSpecial && vocabulary.addEos()) {
            out.add(vocabulary.eos().orElseThrow(() -> new IllegalStateException(
                    "the vocabulary asks for EOS (add_eos_token) but has no EOS token")));
        }
        return out.toArray();
    }

    private void encodeText(String text, int start, int end, IntList out) {
        byte[] utf8 = new byte[16];
        int wordStart = start;
        for (int wordEnd : preTokenizer.wordEnds(text, start, end)) {
            String word = text.substring(wordStart, wordEnd);
            int[] cached = word.length() <= MAX_CACHED_WORD ? wordCache.get(word) : null;
            if (cached == null) {
                if (utf8.length < 3 * word.length()) {
                    utf8 = new byte[3 * word.length()];
                }
                cached = encodeWord(utf8, utf8(word, utf8));
                if (word.length() <= MAX_CACHED_WORD) {
                    if (wordCache.size() >= MAX_CACHE_ENTRIES) {
                        wordCache.clear();
                    }
                    wordCache.put(word, cached);
                }
            }
            out.addAll(cached);
            wordStart = wordEnd;
        }
    }

    private int[] encodeWord(byte[] utf8, int length) {
        if (preTokenizer.ignoreMerges()) {
            int whole = vocabulary.idOrNone(ByteLevelAlphabet.spell(utf8, 0, length));
            if (whole != NONE) {
                return new int[] {whole};
            }
        }
        return merges.encodeWord(utf8, length);
    }

    /**
     * Writes the UTF-8 of {@code word} into {@code out} (at least 3 bytes per char) and returns the
     * length. An unpaired surrogate, which has no UTF-8 form, is written as U+FFFD.
     */
    private static int utf8(String word, byte[] out) {
        int n = 0;
        for (int i = 0; i < word.length(); ) {
            int cp = word.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isSurrogate((char) cp) && cp <= 0xFFFF) {
                cp = 0xFFFD;
            }
            if (cp < 0x80) {
                out[n++] = (byte) cp;
            } else if (cp < 0x800) {
                out[n++] = (byte) (0xC0 | cp >> 6);
                out[n++] = (byte) (0x80 | cp & 0x3F);
            } else if (cp < 0x10000) {
                out[n++] = (byte) (0xE0 | cp >> 12);
                out[n++] = (byte) (0x80 | cp >> 6 & 0x3F);
                out[n++] = (byte) (0x80 | cp & 0x3F);
            } else {
                out[n++] = (byte) (0xF0 | cp >> 18);
                out[n++] = (byte) (0x80 | cp >> 12 & 0x3F);
                out[n++] = (byte) (0x80 | cp >> 6 & 0x3F);
                out[n++] = (byte) (0x80 | cp & 0x3F);
            }
        }
        return n;
    }

    @Override
    public byte[] tokenPiece(int id, boolean special) {
        return pieces.piece(id, special);
    }

    @Override
    public String feedPiece(int id, boolean special, Utf8StreamDecoder decoder) {
        return pieces.feed(id, special, decoder);
    }

    /** llama.cpp's {@code token_to_piece} for BPE with {@code special = true}. */
    private byte[] renderPiece(int id) {
        String text = vocabulary.text(id);
        return switch (vocabulary.type(id)) {
            // Added and control tokens are stored as plain text, not in the byte alphabet.
            case CONTROL, UNKNOWN, USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
            case NORMAL -> ByteLevelAlphabet.unspell(text);
            // llama.cpp renders every other type (byte, unused, undefined) as nothing for BPE.
            case BYTE, UNUSED, UNDEFINED -> new byte[0];
        };
    }

    /** {@inheritDoc} With llama.cpp's space clean-up when the pre-tokenizer asks for it (GPT-2 does). */
    @Override
    public byte[] decodeBytes(int[] ids, boolean removeSpecial, boolean unparseSpecial) {
        byte[] joined = Tokenizer.super.decodeBytes(ids, removeSpecial, unparseSpecial);
        return preTokenizer.cleanSpaces() ? SpaceCleanup.clean(joined) : joined;
    }

    @Override
    public String toString() {
        return "ByteLevelBpeTokenizer[" + vocabulary.size() + " tokens, " + merges.size() + " merges, pre="
                + preTokenizer.name() + "]";
    }

    /** A growable int array, to collect ids without boxing. */
    private static final class IntList {
        private int[] values;
        private int size;

        IntList(int capacity) {
            values = new int[capacity];
        }

        void add(int value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        void addAll(int[] more) {
            if (size + more.length > values.length) {
                values = Arrays.copyOf(values, Math.max(size * 2, size + more.length));
            }
            System.arraycopy(more, 0, values, size, more.length);
            size += more.length;
        }

        int[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
