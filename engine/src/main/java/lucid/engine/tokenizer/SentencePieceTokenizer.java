package lucid.engine.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.PriorityQueue;
import java.util.stream.IntStream;

/**
 * SentencePiece BPE as llama.cpp runs it ({@code tokenizer.ggml.model = llama}: Llama 1/2,
 * Mistral, Phi-3, Gemma, TinyStories).
 *
 * <p>Per text fragment left by the {@link SpecialTokenPartitioner}:
 * <ol>
 *   <li>a space goes in front when the vocabulary adds a space prefix and the fragment starts the
 *       input or follows a special token;</li>
 *   <li>every space becomes {@code ▁} (U+2581), the vocabulary's word marker;</li>
 *   <li>the text is split into characters, and the adjacent pair whose concatenation is the
 *       best-scoring vocabulary entry is merged, again and again, until no pair is in the
 *       vocabulary; ties go to the leftmost pair;</li>
 *   <li>each remaining symbol becomes its token, or its UTF-8 bytes as {@code <0xXX>} tokens.</li>
 * </ol>
 * Immutable and thread-safe.
 */
public final class SentencePieceTokenizer implements Tokenizer {

    private static final char WORD_MARKER = '\u2581';
    private static final int NONE = -1;

    private final Vocabulary vocabulary;
    private final SpecialTokenPartitioner partitioner;
    /** The token for each byte value: {@code <0xXX>}, else the one-character token, else {@link #NONE}. */
    private final int[] byteTokens = new int[256];
    /** Every token's piece as rendered with {@code special = true}, computed once like llama.cpp's cache. */
    private final TokenPieces pieces;

    public SentencePieceTokenizer(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
        this.partitioner = new SpecialTokenPartitioner(vocabulary);
        for (int b = 0; b < 256; b++) {
            int id = vocabulary.idOrNone(String.format("<0x%02X>", b));
            if (id == NONE && b < 0x80) {
                id = vocabulary.idOrNone(String.valueOf((char) b));
            }
            byteTokens[b] = id;
        }
        this.pieces = new TokenPieces(vocabulary, this::renderPiece);
    }

    @Override
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntStream.Builder out = IntStream.builder();
        // SentencePiece's own rule: "" with special tokens is [BOS], without it is [].
        boolean previousWasSpecial = true;
        if (addSpecial && vocabulary.addBos()) {
            out.add(vocabulary.bos().orElseThrow(() -> new IllegalStateException(
                    "the vocabulary asks for BOS (add_bos_token) but has no BOS token")));
        }
        List<SpecialTokenPartitioner.Fragment> fragments = partitioner.partition(text, parseSpecial);
        for (SpecialTokenPartitioner.Fragment fragment : fragments) {
            switch (fragment) {
                case SpecialTokenPartitioner.Text(int start, int end) -> {
                    String piece = text.substring(start, end);
                    if (vocabulary.addSpacePrefix() && previousWasSpecial) {
                        piece = " " + piece;
                    }
                    encodeFragment(piece.replace(' ', WORD_MARKER), out);
                    previousWasSpecial = false;
                }
                case SpecialTokenPartitioner.Special(int id) -> {
                    out.add(id);
                    previousWasSpecial = true;
                }
            }
        }
        if (addSpecial && vocabulary.addEos()) {
            out.add(vocabulary.eos().orElseThrow(() -> new IllegalStateException(
                    "the vocabulary asks for EOS (add_eos_token) but has no EOS token")));
        }
        return out.build().toArray();
    }

    /** One candidate merge of the symbols {@code left} and {@code right}; {@code length} is their joint length when queued. */
    private record Bigram(int left, int right, float score, int length) {
    }

    /**
     * Highest score first, then leftmost: the order of llama.cpp's priority queue. Compared with
     * {@code <} rather than {@link Float#compare} so that -0.0 and 0.0 tie as they do in C.
     */
    private static int mergeOrder(Bigram a, Bigram b) {
        if (a.score > b.score) {
            return -1;
        }
        if (a.score < b.score) {
            return 1;
        }
        return Integer.compare(a.left, b.left);
    }

    /**
     * The merge loop over one escaped fragment. Symbols live in parallel arrays as a linked list
     * over the string (no string rebuilding); a merged-away symbol has length 0, which is how a
     * queued bigram that has gone stale is recognised.
     */
    private void encodeFragment(String text, IntStream.Builder out) {
        int n = text.codePointCount(0, text.length());
        int[] start = new int[n];   // (n) char offset of each symbol in text
        int[] length = new int[n];  // (n) chars; 0 once merged into its left neighbour
        int[] prev = new int[n];    // (n) linked list of live symbols, -1 at the ends
        int[] next = new int[n];
        for (int i = 0, offset = 0; i < n; i++) {
            start[i] = offset;
            length[i] = Character.charCount(text.codePointAt(offset));
            offset += length[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : NONE;
        }

        PriorityQueue<Bigram> queue = new PriorityQueue<>(Math.max(1, n), SentencePieceTokenizer::mergeOrder);
        for (int i = 1; i < n; i++) {
            offerBigram(text, i - 1, i, start, length, queue);
        }
        while (!queue.isEmpty()) {
            Bigram bigram = queue.poll();
            int left = bigram.left;
            int right = bigram.right;
            if (length[left] == 0 || length[right] == 0 || length[left] + length[right] != bigram.length) {
                continue;
            }
            length[left] += length[right];
            length[right] = 0;
            next[left] = next[right];
            if (next[right] != NONE) {
                prev[next[right]] = left;
            }
            offerBigram(text, prev[left], left, start, length, queue);
            offerBigram(text, left, next[left], start, length, queue);
        }

        for (int i = 0; i != NONE && n > 0; i = next[i]) {
            String symbol = text.substring(start[i], start[i] + length[i]);
            int id = vocabulary.idOrNone(symbol);
            if (id != NONE) {
                out.add(id);
            } else {
                // Only single characters can miss: a merge happens only when the pair is a token.
                for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
                    out.add(tokenForByte(b & 0xFF));
                }
            }
        }
    }

    private void offerBigram(String text, int left, int right, int[] start, int[] length, PriorityQueue<Bigram> queue) {
        if (left == NONE || right == NONE) {
            return;
        }
        int joint = length[left] + length[right];
        int id = vocabulary.idOrNone(text.substring(start[left], start[left] + joint));
        if (id != NONE) {
            queue.add(new Bigram(left, right, vocabulary.score(id), joint));
        }
    }

    private int tokenForByte(int b) {
        int id = byteTokens[b];
        if (id != NONE) {
            return id;
        }
        // llama.cpp aborts here; a vocabulary without byte tokens is better served by <unk>.
        return vocabulary.unknown().orElseThrow(() -> new IllegalStateException(String.format(
                "byte 0x%02X has no <0x%02X> token and the vocabulary has no unknown token", b, b)));
    }

    @Override
    public byte[] tokenPiece(int id, boolean special) {
        return pieces.piece(id, special);
    }

    @Override
    public String feedPiece(int id, boolean special, Utf8StreamDecoder decoder) {
        return pieces.feed(id, special, decoder);
    }

    /** llama.cpp's {@code token_to_piece} for SPM with {@code special = true}. */
    private byte[] renderPiece(int id) {
        String text = vocabulary.text(id);
        return switch (vocabulary.type(id)) {
            // Literal text, markers included: "<s>" renders as "<s>", a user-defined "▁x" as "▁x".
            case CONTROL, UNKNOWN, USER_DEFINED -> text.getBytes(StandardCharsets.UTF_8);
            case NORMAL -> text.replace(WORD_MARKER, ' ').getBytes(StandardCharsets.UTF_8);
            case BYTE -> byteOfByteToken(text);
            // Unused and undefined tokens render as nothing, as in llama.cpp.
            case UNUSED, UNDEFINED -> new byte[0];
        };
    }

    /** {@code <0xXX>} to its byte; a malformed byte token renders as nothing rather than garbage. */
    private static byte[] byteOfByteToken(String text) {
        if (text.length() == 6 && text.startsWith("<0x") && text.endsWith(">")) {
            try {
                return new byte[] {(byte) Integer.parseInt(text.substring(3, 5), 16)};
            } catch (NumberFormatException e) {
                return new byte[0];
            }
        }
        return new byte[0];
    }
}
