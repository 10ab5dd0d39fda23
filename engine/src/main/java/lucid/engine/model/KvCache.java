package lucid.engine.model;

/**
 * Keys and values of every position processed so far, per layer, in F32.
 * Row {@code pos} of a layer holds all KV heads side by side.
 */
public final class KvCache {

    private final float[][] keys;   // (layer, capacity * kvDim)
    private final float[][] values; // (layer, capacity * kvDim)
    private final int kvDim;
    private final int capacity;

    public KvCache(int layers, int capacity, int kvDim) {
        long bytes = bytesFor(layers, capacity, kvDim);
        if ((long) capacity * kvDim > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("context of " + capacity + " positions is too large for one layer's "
                    + "cache (" + bytes / (1 << 20) + " MiB in all)");
        }
        this.kvDim = kvDim;
        this.capacity = capacity;
        this.keys = new float[layers][capacity * kvDim];
        this.values = new float[layers][capacity * kvDim];
    }

    /** Bytes a cache of this shape takes. */
    public static long bytesFor(int layers, int capacity, int kvDim) {
        return 2L * layers * capacity * kvDim * Float.BYTES;
    }

    public float[] keys(int layer) {
        return keys[layer];
    }

    public float[] values(int layer) {
        return values[layer];
    }

    public int kvDim() {
        return kvDim;
    }

    /** Positions the cache can hold: the session's context length. */
    public int capacity() {
        return capacity;
    }
}
