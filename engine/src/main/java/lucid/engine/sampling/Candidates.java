package lucid.engine.sampling;

import java.util.Arrays;
import java.util.Objects;

/**
 * The tokens still in the running while a {@link SamplerChain} picks the next one: llama.cpp's
 * {@code llama_token_data_array}. One instance lives as long as its chain and is refilled for every
 * token, so the decode loop allocates nothing per token once the arrays exist.
 *
 * <p>Samplers narrow it ({@link #truncate}, {@link #retainLogitsAtLeast}, {@link #keepOnly}),
 * reorder it ({@link #sortTop}), rescale it ({@link #setLogit}) and finally {@link #select} one
 * position. Every ordering here ranks a higher logit first and, between equal logits, the lower
 * token id first, so results never depend on where a token happened to sit in the arrays.
 *
 * <p>Not thread-safe: it belongs to one chain, which belongs to one session.
 */
public final class Candidates implements CandidatesView {

    /**
     * Up to this many wanted candidates, and when they are a small part of the rest, a bounded
     * heap beats quickselect: most tokens cost one comparison with the heap's worst, and only
     * the few that beat it are touched again (llama.cpp's partial_sort makes the same choice).
     */
    private static final int HEAP_SELECT_MAX = 4096;

    // Per position (0 <= i < size):
    private final int[] ids;        // (capacity) token id at position i
    private final float[] logits;   // (capacity) logit at position i
    // Per token id, so reordering positions never has to move probabilities along:
    private final float[] probs;    // (capacity) probability of token id, valid when probabilitiesValid
    // Scratch for sorting: one long per position packs (logit, id) so that ascending long order is
    // our ranking order (see rankKey); sorting primitives needs no comparator and no boxing.
    private final long[] keys;      // (capacity)

    private int size;
    /** Positions [0, sortedPrefix) hold the best candidates in rank order; the rest are unordered. */
    private int sortedPrefix;
    private boolean probabilitiesValid;
    /** True while position i holds token i (right after fill): lets samplers index by token id. */
    private boolean identityOrder;
    private int selected = -1;

    /** @param capacity the vocabulary size: the most candidates {@link #fill} will ever load */
    public Candidates(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be > 0, got " + capacity);
        }
        this.ids = new int[capacity];
        this.logits = new float[capacity];
        this.probs = new float[capacity];
        this.keys = new long[capacity];
    }

    public int capacity() {
        return ids.length;
    }

    /** Loads one candidate per token: token {@code i} gets {@code logits[i]}. Unsorted, nothing selected. */
    public void fill(float[] tokenLogits) {
        int n = tokenLogits.length;
        if (n == 0 || n > ids.length) {
            throw new IllegalArgumentException(
                    "expected 1 to " + ids.length + " logits, got " + n);
        }
        System.arraycopy(tokenLogits, 0, logits, 0, n);
        for (int i = 0; i < n; i++) {
            ids[i] = i;
        }
        size = n;
        sortedPrefix = 0;
        probabilitiesValid = false;
        identityOrder = true;
        selected = -1;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int id(int position) {
        return ids[Objects.checkIndex(position, size)];
    }

    @Override
    public float logit(int position) {
        return logits[Objects.checkIndex(position, size)];
    }

    @Override
    public float probability(int position) {
        if (!probabilitiesValid) {
            throw new IllegalStateException(
                    "probabilities are stale: the candidates changed since the last softmax()");
        }
        return probs[ids[Objects.checkIndex(position, size)]];
    }

    @Override
    public boolean hasProbabilities() {
        return probabilitiesValid;
    }

    @Override
    public boolean isSorted() {
        return sortedPrefix == size;
    }

    @Override
    public int selected() {
        return selected;
    }

    /** Token id at the selected position. */
    public int selectedToken() {
        if (selected < 0) {
            throw new IllegalStateException("no token has been selected");
        }
        return ids[selected];
    }

    public void select(int position) {
        selected = Objects.checkIndex(position, size);
    }

    public void setLogit(int position, float logit) {
        logits[Objects.checkIndex(position, size)] = logit;
        // Any change may reorder: the sorted prefix and the probabilities no longer hold.
        sortedPrefix = 0;
        probabilitiesValid = false;
    }

    /**
     * Sets each candidate's probability to softmax of the logits, over the current candidates only.
     * Subtracts the largest logit first so that {@code exp} cannot overflow. Does not reorder.
     *
     * @throws IllegalStateException when every logit is -infinity (nothing can be drawn)
     */
    public void softmax() {
        float max = logits[argmax()];
        if (max == Float.NEGATIVE_INFINITY) {
            throw new IllegalStateException("every candidate has logit -infinity");
        }
        double sum = 0;
        for (int i = 0; i < size; i++) {
            float p = (float) Math.exp(logits[i] - max);
            probs[ids[i]] = p;
            sum += p;
        }
        float norm = (float) sum;
        for (int i = 0; i < size; i++) {
            probs[ids[i]] /= norm;
        }
        probabilitiesValid = true;
    }

    /**
     * Position of the highest logit; the lowest token id among equal ones. When several samplers
     * only need the best token this is a linear scan, not a sort.
     */
    public int argmax() {
        if (sortedPrefix > 0) {
            return 0;
        }
        int best = 0;
        for (int i = 1; i < size; i++) {
            float l = logits[i];
            if (l > logits[best] || (l == logits[best] && ids[i] < ids[best])) {
                best = i;
            }
        }
        return best;
    }

    /** Sorts every candidate into rank order. */
    public void sort() {
        sortTop(size);
    }

    /**
     * Moves the best {@code min(k, size)} candidates to the front, in rank order; the rest stay
     * behind them unordered. Cost is about O(size + k log k), not O(size log size): with a 150k
     * vocabulary and k = 40 that is two linear passes instead of a full sort. A later call with a
     * larger k only does the extra part, which lets nucleus sampling grow the sorted prefix until
     * it holds enough probability mass.
     */
    public void sortTop(int k) {
        if (k < 0) {
            throw new IllegalArgumentException("k must be >= 0, got " + k);
        }
        k = Math.min(k, size);
        if (k <= sortedPrefix) {
            return;
        }
        int from = sortedPrefix;
        int wanted = k - from;
        int rest = size - from;
        if (k < size && wanted <= HEAP_SELECT_MAX && wanted <= rest / 8) {
            heapSelect(from, k);
        } else {
            quickSelect(from, k);
        }
        // With one candidate left behind the prefix, that one is the worst: all is sorted.
        sortedPrefix = (k >= size - 1) ? size : k;
        identityOrder = false;
        selected = -1;
    }

    /**
     * Keeps the best {@code k - from} keys of positions [from, size) in a max-heap stored in
     * keys[from, k) (root = worst of the best so far), then moves those candidates to the front
     * and writes them back in rank order.
     */
    private void heapSelect(int from, int k) {
        int capacity = k - from;
        int heapSize = 0;
        for (int i = from; i < size; i++) {
            long key = rankKey(logits[i], ids[i]);
            if (heapSize < capacity) {
                siftUp(from, heapSize++, key);
            } else if (key < keys[from]) {
                siftDown(from, heapSize, key);
            }
        }
        long worstKept = keys[from];
        // Keys are distinct, so exactly `capacity` candidates are <= worstKept: gather them in front.
        int front = from;
        for (int i = from; i < size; i++) {
            if (rankKey(logits[i], ids[i]) <= worstKept) {
                int id = ids[i];
                float logit = logits[i];
                ids[i] = ids[front];
                logits[i] = logits[front];
                ids[front] = id;
                logits[front] = logit;
                front++;
            }
        }
        // Heapsort the heap in place: popping the largest to the end leaves ascending key order.
        for (int end = capacity - 1; end > 0; end--) {
            long largest = keys[from];
            siftDown(from, end, keys[from + end]);
            keys[from + end] = largest;
        }
        for (int i = from; i < k; i++) {
            ids[i] = (int) keys[i];
            logits[i] = logitOfKey(keys[i]);
        }
    }

    /** Max-heap in keys[base, base + n): inserts {@code key} at slot n and restores the order. */
    private void siftUp(int base, int n, long key) {
        while (n > 0) {
            int parent = (n - 1) >>> 1;
            long p = keys[base + parent];
            if (p >= key) {
                break;
            }
            keys[base + n] = p;
            n = parent;
        }
        keys[base + n] = key;
    }

    /** Max-heap in keys[base, base + n): replaces the root with {@code key} and restores the order. */
    private void siftDown(int base, int n, long key) {
        int slot = 0;
        while (true) {
            int child = 2 * slot + 1;
            if (child >= n) {
                break;
            }
            if (child + 1 < n && keys[base + child + 1] > keys[base + child]) {
                child++;
            }
            long c = keys[base + child];
            if (c <= key) {
                break;
            }
            keys[base + slot] = c;
            slot = child;
        }
        keys[base + slot] = key;
    }

    /** Selection for large k: partition all keys of [from, size), then sort the front part. */
    private void quickSelect(int from, int k) {
        for (int i = from; i < size; i++) {
            keys[i] = rankKey(logits[i], ids[i]);
        }
        if (k < size) {
            selectSmallest(keys, from, size, k);
        }
        // Arrays.sort on a primitive range sorts in place; it could only allocate for long
        // presorted runs, which a freshly selected range does not have.
        Arrays.sort(keys, from, k);
        for (int i = from; i < size; i++) {
            ids[i] = (int) keys[i];
            logits[i] = logitOfKey(keys[i]);
        }
    }

    /** Number of leading positions known to be in rank order. */
    public int sortedPrefix() {
        return sortedPrefix;
    }

    /**
     * Keeps positions {@code [0, newSize)}. Callers sort first when "the best n" is meant.
     *
     * @throws IllegalArgumentException unless {@code 1 <= newSize <= size}: a sampler must leave
     *                                  something to pick
     */
    public void truncate(int newSize) {
        if (newSize < 1 || newSize > size) {
            throw new IllegalArgumentException(
                    "newSize must be in [1, " + size + "], got " + newSize);
        }
        if (newSize == size) {
            return;
        }
        size = newSize;
        sortedPrefix = Math.min(sortedPrefix, newSize);
        probabilitiesValid = false;
        if (selected >= newSize) {
            selected = -1;
        }
        // identityOrder survives: positions below newSize still hold their own token ids.
    }

    /** Keeps only the candidate at {@code position}. */
    public void keepOnly(int position) {
        Objects.checkIndex(position, size);
        ids[0] = ids[position];
        logits[0] = logits[position];
        size = 1;
        sortedPrefix = 1;
        probabilitiesValid = false;
        identityOrder = ids[0] == 0;
        selected = -1;
    }

    /**
     * Keeps the candidates whose logit is at least {@code threshold}, in their current order.
     *
     * @return how many were kept; when none would be, nothing changes and 0 is returned
     */
    public int retainLogitsAtLeast(float threshold) {
        int kept = 0;
        int keptFromPrefix = 0;
        for (int i = 0; i < size; i++) {
            if (logits[i] >= threshold) {
                kept++;
                if (i < sortedPrefix) {
                    keptFromPrefix++;
                }
            }
        }
        if (kept == 0 || kept == size) {
            return kept;
        }
        int w = 0;
        for (int i = 0; i < size; i++) {
            if (logits[i] >= threshold) {
                ids[w] = ids[i];
                logits[w] = logits[i];
                w++;
            }
        }
        size = kept;
        // The prefix is ranked, so what it keeps is its own best part; and if it lost anything,
        // everything ranked below (the whole unordered rest) was dropped too.
        sortedPrefix = keptFromPrefix;
        probabilitiesValid = false;
        identityOrder = false;
        selected = -1;
        return kept;
    }

    /** True while position i holds token i, so a token's position is its id (see PenaltySampler). */
    boolean isIdentityOrder() {
        return identityOrder;
    }

    /**
     * Packs (logit, id) into one long whose ascending order is rank order: higher logit first,
     * then lower id. The high half is the logit's bits made order-preserving as a signed int
     * (negative floats have their magnitude bits flipped) and then inverted for descending order.
     */
    static long rankKey(float logit, int id) {
        int bits = Float.floatToRawIntBits(logit + 0.0f);  // + 0.0f turns -0.0 into 0.0: they are equal
        int ordered = bits ^ ((bits >> 31) & 0x7FFFFFFF);
        return ((long) ~ordered << 32) | (id & 0xFFFFFFFFL);
    }

    static float logitOfKey(long key) {
        int ordered = ~(int) (key >>> 32);
        return Float.intBitsToFloat(ordered ^ ((ordered >> 31) & 0x7FFFFFFF));
    }

    /**
     * Quickselect: rearranges {@code a[from, to)} so that {@code a[from, k)} hold its
     * {@code k - from} smallest values, in no particular order. Keys are distinct (they contain the
     * token id), so partitioning never degenerates on duplicates; a median-of-three pivot and a
     * round limit guard against unlucky inputs by falling back to a full sort of what is left.
     */
    private static void selectSmallest(long[] a, int from, int to, int k) {
        int target = k - 1;
        int lo = from;
        int hi = to - 1;
        int roundsLeft = 2 * (64 - Long.numberOfLeadingZeros(to - from)) + 8;
        while (hi > lo) {
            if (--roundsLeft < 0) {
                Arrays.sort(a, lo, hi + 1);
                return;
            }
            long pivot = medianOfThree(a[lo], a[(lo + hi) >>> 1], a[hi]);
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    long t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            // Now a[lo..j] <= pivot <= a[i..hi], and anything between j and i equals the pivot.
            if (target <= j) {
                hi = j;
            } else if (target >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }

    private static long medianOfThree(long x, long y, long z) {
        return Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
    }
}
