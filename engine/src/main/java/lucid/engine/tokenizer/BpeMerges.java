package lucid.engine.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The merge table of a byte-level BPE vocabulary ({@code tokenizer.ggml.merges}) and the merge loop
 * that turns one word into tokens, as llama.cpp runs it.
 *
 * <p>A merge is a line {@code "left right"} of two symbol texts in the byte alphabet
 * ({@link ByteLevelAlphabet}); its rank is its position, and the first line wins when a pair comes
 * twice. A word starts as one symbol per byte. The adjacent pair with the lowest rank is merged,
 * the leftmost of equal ranks first, until no adjacent pair has a rank. Each final symbol is the
 * token with that text; a symbol that is not a token (possible only with odd merge lists) becomes
 * the tokens of its single ASCII characters, silently dropping the rest, as in llama.cpp.
 *
 * <p>Symbols are interned to ints so that a pair is one {@code long}: a symbol whose text is a
 * token has that token's id, any other text a merge mentions gets an id past the vocabulary. The
 * loop keeps candidate pairs in a binary heap keyed by (rank, left position) and the live symbols
 * in a linked list over the byte positions, so a word of n bytes costs O(n log n), not the O(n²)
 * of rescanning after every merge. Immutable and thread-safe.
 */
final class BpeMerges {

    private static final int NONE = -1;
    private static final long EMPTY = -1L;

    private final Vocabulary vocabulary;
    /** (256) the symbol of each single byte */
    private final int[] byteSymbols = new int[256];
    /** (capacity) open-addressing table: key (left << 32 | right) and the rank of that merge */
    private final long[] pairKeys;
    private final int[] pairRanks;
    private final int hashShift;
    /** (ranks) the symbol a merge produces, by rank; NONE for ranks whose line was unusable */
    private final int[] mergedSymbols;
    /** (symbols past the vocabulary) the tokens such a symbol falls back to */
    private final int[][] extraFallbacks;
    private final int mergeCount;

    /**
     * @param merges the {@code tokenizer.ggml.merges} lines; a line without a separating space
     *               (after its first character) is ignored, as llama.cpp ignores it
     */
    BpeMerges(Vocabulary vocabulary, String[] merges) {
        this.vocabulary = vocabulary;
        Map<String, Integer> extraIds = new HashMap<>();
        List<String> extraTexts = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            byteSymbols[b] = intern(String.valueOf(ByteLevelAlphabet.charOf(b)), extraIds, extraTexts);
        }
        int capacity = Integer.highestOneBit(Math.max(4, merges.length) * 2 - 1) << 1;
        this.pairKeys = new long[capacity];
        this.pairRanks = new int[capacity];
        this.hashShift = 64 - Integer.numberOfTrailingZeros(capacity);
        Arrays.fill(pairKeys, EMPTY);
        this.mergedSymbols = new int[merges.length];
        int count = 0;
        for (int rank = 0; rank < merges.length; rank++) {
            mergedSymbols[rank] = NONE;
            String line = merges[rank];
            int space = line.indexOf(' ', 1);
            if (space < 0 || space == line.length() - 1) {
                continue; // no pair here; an empty side could never match a symbol anyway
            }
            int left = intern(line.substring(0, space), extraIds, extraTexts);
            int right = intern(line.substring(space + 1), extraIds, extraTexts);
            if (putIfAbsent(pairKey(left, right), rank)) {
                mergedSymbols[rank] = intern(line.substring(0, space) + line.substring(space + 1), extraIds, extraTexts);
                count++;
            }
        }
        this.mergeCount = count;
        this.extraFallbacks = new int[extraTexts.size()][];
        for (int i = 0; i < extraFallbacks.length; i++) {
            extraFallbacks[i] = asciiFallback(extraTexts.get(i));
        }
    }

    /** Distinct merge pairs. */
    int size() {
        return mergeCount;
    }

    /** The rank of merging {@code left} and {@code right} (symbol ids), or -1 when they do not merge. */
    int rank(int left, int right) {
        long key = pairKey(left, right);
        for (int slot = slot(key); ; slot = (slot + 1) & (pairKeys.length - 1)) {
            long k = pairKeys[slot];
            if (k == key) {
                return pairRanks[slot];
            }
            if (k == EMPTY) {
                return NONE;
            }
        }
    }

    /**
     * The tokens of one word, given as its UTF-8 bytes {@code bytes[0, length)}.
     *
     * @param length at least 1
     */
    int[] encodeWord(byte[] bytes, int length) {
        int[] symbols = new int[length]; // (length) symbol at each byte position; NONE once merged away
        int[] prev = new int[length];    // (length) linked list of live positions, NONE at the ends
        int[] next = new int[length];
        for (int i = 0; i < length; i++) {
            symbols[i] = byteSymbols[bytes[i] & 0xFF];
            prev[i] = i - 1;
            next[i] = i + 1 < length ? i + 1 : NONE;
        }
        LongHeap queue = new LongHeap(length);
        for (int i = 0; i + 1 < length; i++) {
            offer(queue, symbols, i, i + 1);
        }
        while (!queue.isEmpty()) {
            long entry = queue.poll();
            int rank = (int) (entry >>> 32);
            int left = (int) entry;
            int right = next[left];
            // Stale when the left symbol was merged away or either side has grown since: texts only
            // grow, and a rank names exactly one (left text, right text) pair.
            if (symbols[left] == NONE || right == NONE || rank(symbols[left], symbols[right]) != rank) {
                continue;
            }
            symbols[left] = mergedSymbols[rank];
            symbols[right] = NONE;
            next[left] = next[right];
            if (next[right] != NONE) {
                prev[next[right]] = left;
            }
            if (prev[left] != NONE) {
                offer(queue, symbols, prev[left], left);
            }
            if (next[left] != NONE) {
                offer(queue, symbols, left, next[left]);
            }
        }
        return tokensOf(symbols, next);
    }

    private void offer(LongHeap queue, int[] symbols, int left, int right) {
        int rank = rank(symbols[left], symbols[right]);
        if (rank >= 0) {
            queue.add(((long) rank << 32) | left);
        }
    }

    private int[] tokensOf(int[] symbols, int[] next) {
        int vocabularySize = vocabulary.size();
        int count = 0;
        for (int i = 0; i != NONE; i = next[i]) {
            count += symbols[i] < vocabularySize ? 1 : extraFallbacks[symbols[i] - vocabularySize].length;
        }
        int[] tokens = new int[count];
        int n = 0;
        for (int i = 0; i != NONE; i = next[i]) {
            int symbol = symbols[i];
            if (symbol < vocabularySize) {
                tokens[n++] = symbol;
            } else {
                for (int id : extraFallbacks[symbol - vocabularySize]) {
                    tokens[n++] = id;
                }
            }
        }
        return tokens;
    }

    /** The vocabulary id of a text, or a new id past the vocabulary for a text that is no token. */
    private int intern(String text, Map<String, Integer> extraIds, List<String> extraTexts) {
        int id = vocabulary.idOrNone(text);
        if (id != NONE) {
            return id;
        }
        return extraIds.computeIfAbsent(text, t -> {
            extraTexts.add(t);
            return vocabulary.size() + extraTexts.size() - 1;
        });
    }

    /**
     * llama.cpp looks each byte of such a symbol's UTF-8 text up as a one-byte token; only ASCII
     * characters can be one, everything else is dropped.
     */
    private int[] asciiFallback(String text) {
        return text.chars().filter(c -> c < 0x80).map(c -> vocabulary.idOrNone(String.valueOf((char) c)))
                .filter(id -> id != NONE).toArray();
    }

    private static long pairKey(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFF_FFFFL);
    }

    private int slot(long key) {
        return (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> hashShift);
    }

    private boolean putIfAbsent(long key, int rank) {
        for (int slot = slot(key); ; slot = (slot + 1) & (pairKeys.length - 1)) {
            if (pairKeys[slot] == key) {
                return false;
            }
            if (pairKeys[slot] == EMPTY) {
                pairKeys[slot] = key;
                pairRanks[slot] = rank;
                return true;
            }
        }
    }

    /** A binary min-heap of longs: (rank << 32 | left position), so the lowest rank, then leftmost, comes first. */
    private static final class LongHeap {
        private long[] heap;
        private int size;

        LongHeap(int capacity) {
            heap = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void add(long value) {
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (heap[parent] <= value) {
                    break;
                }
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = value;
        }

        long poll() {
            long top = heap[0];
            long last = heap[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && heap[child + 1] < heap[child]) {
                    child++;
                }
                if (heap[child] >= last) {
                    break;
                }
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = last;
            return top;
        }
    }
}
