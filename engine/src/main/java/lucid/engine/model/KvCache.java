package lucid.engine.model;

import lucid.engine.tensor.VectorSupport;

/**
 * Keys and values of every position processed so far, per layer, in F32, laid out for the way
 * attention reads them: one KV head's positions one after another, so that a head's keys and values
 * are each one forward stream.
 *
 * <ul>
 *   <li>Values: {@code values(layer)[valueBase(g) + t * headDim + d]}, a row per position.
 *   <li>Keys, transposed in blocks of {@link #BLOCK} positions: {@code keys(layer)[keyIndex(g, t) + d * BLOCK]}.
 *       A block holds dimension 0 of its positions, then dimension 1, and so on, so a vector load
 *       reads one dimension of {@code BLOCK} positions and a query's scores for a block are
 *       multiply-adds of whole vectors, with no sum across lanes per position.
 * </ul>
 *
 * <p>The layout depends on the vector width of this machine; the cache lives in memory only.
 */
public final class KvCache {

    /** Positions per key block: the float vector's lane count (8 without the Vector API). */
    public static final int BLOCK = VectorSupport.ENABLED ? VectorSupport.FLOAT_SPECIES.length() : 8;

    private final float[][] keys;   // (layer, kvHeads * paddedCapacity * headDim)
    private final float[][] values; // (layer, kvHeads * capacity * headDim)
    private final int kvHeads;
    private final int headDim;
    private final int capacity;
    private final int padded;

    public KvCache(int layers, int capacity, int kvHeads, int headDim) {
        long bytes = bytesFor(layers, capacity, kvHeads * headDim);
        if ((long) padded(capacity) * kvHeads * headDim > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("context of " + capacity + " positions is too large for one layer's "
                    + "cache (" + bytes / (1 << 20) + " MiB in all)");
        }
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.capacity = capacity;
        this.padded = padded(capacity);
        this.keys = new float[layers][padded * kvHeads * headDim];
        this.values = new float[layers][capacity * kvHeads * headDim];
    }

    /** {@code capacity} rounded up to whole key blocks. */
    public static int padded(int capacity) {
        return (capacity + BLOCK - 1) / BLOCK * BLOCK;
    }

    /** Bytes a cache of this shape takes. */
    public static long bytesFor(int layers, int capacity, int kvDim) {
        return (long) layers * kvDim * ((long) padded(capacity) + capacity) * Float.BYTES;
    }

    /**
     * Stores position {@code pos}'s keys and values of every KV head, read from
     * {@code k[kOffset .. kOffset + kvDim)} and {@code v[vOffset ..]} (heads side by side).
     */
    public void put(int layer, int pos, float[] k, int kOffset, float[] v, int vOffset) {
        float[] kc = keys[layer];
        float[] vc = values[layer];
        for (int g = 0; g < kvHeads; g++) {
            int at = keyIndex(g, pos);
            int from = kOffset + g * headDim;
            for (int d = 0; d < headDim; d++) {
                kc[at + d * BLOCK] = k[from + d];
            }
            System.arraycopy(v, vOffset + g * headDim, vc, valueBase(g) + pos * headDim, headDim);
        }
    }

    public float[] keys(int layer) {
        return keys[layer];
    }

    public float[] values(int layer) {
        return values[layer];
    }

    /** Where dimension 0 of KV head g's key at position t is; dimension d is {@code d * BLOCK} further. */
    public int keyIndex(int g, int t) {
        return (g * padded + t / BLOCK * BLOCK) * headDim + t % BLOCK;
    }

    /** Where KV head g's value rows start. */
    public int valueBase(int g) {
        return g * capacity * headDim;
    }

    public int kvHeads() {
        return kvHeads;
    }

    public int headDim() {
        return headDim;
    }

    public int kvDim() {
        return kvHeads * headDim;
    }

    /** Positions the cache can hold: the session's context length. */
    public int capacity() {
        return capacity;
    }

    /** {@link #capacity} rounded up to whole key blocks: the stride of rows of attention weights. */
    public int paddedCapacity() {
        return padded;
    }
}
