package lucid.engine.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The key/value metadata of a GGUF file, in file order, with typed getters.
 *
 * <p>Scalar values are held as {@link Integer} (8, 16 and 32-bit integers, unsigned ones widened),
 * {@link Long} (UINT32, INT64, UINT64), {@link Float}, {@link Double}, {@link Boolean} and
 * {@link String}; arrays as {@link GgufArray}. Getters convert between integer widths and from
 * integers to floats, since converters are not consistent about which width they write.
 */
public final class GgufMetadata {

    /** One key with its declared type and its value. */
    public record Entry(String key, GgufValueType type, Object value) {
    }

    private final Map<String, Entry> entries;

    GgufMetadata(Map<String, Entry> entries) {
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    public static GgufMetadata of(Map<String, Entry> entries) {
        return new GgufMetadata(entries);
    }

    public Set<String> keys() {
        return entries.keySet();
    }

    public Map<String, Entry> entries() {
        return entries;
    }

    public int size() {
        return entries.size();
    }

    public boolean has(String key) {
        return entries.containsKey(key);
    }

    public Optional<Entry> entry(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    public Optional<Object> get(String key) {
        Entry e = entries.get(key);
        return e == null ? Optional.empty() : Optional.of(e.value());
    }

    public Optional<String> getString(String key) {
        return get(key).map(v -> v instanceof String s ? s : null);
    }

    public String getString(String key, String fallback) {
        return getString(key).orElse(fallback);
    }

    public OptionalLong getLong(String key) {
        Object v = get(key).orElse(null);
        if (v instanceof Integer i) {
            return OptionalLong.of(i);
        }
        if (v instanceof Long l) {
            return OptionalLong.of(l);
        }
        return OptionalLong.empty();
    }

    public long getLong(String key, long fallback) {
        return getLong(key).orElse(fallback);
    }

    public int getInt(String key, int fallback) {
        OptionalLong v = getLong(key);
        if (v.isEmpty()) {
            return fallback;
        }
        return Math.toIntExact(v.getAsLong());
    }

    public OptionalDouble getDouble(String key) {
        Object v = get(key).orElse(null);
        if (v instanceof Float f) {
            return OptionalDouble.of(f);
        }
        if (v instanceof Double d) {
            return OptionalDouble.of(d);
        }
        if (v instanceof Integer i) {
            return OptionalDouble.of(i);
        }
        if (v instanceof Long l) {
            return OptionalDouble.of(l);
        }
        return OptionalDouble.empty();
    }

    public float getFloat(String key, float fallback) {
        OptionalDouble v = getDouble(key);
        return v.isPresent() ? (float) v.getAsDouble() : fallback;
    }

    public boolean getBoolean(String key, boolean fallback) {
        Object v = get(key).orElse(null);
        return v instanceof Boolean b ? b : fallback;
    }

    public Optional<GgufArray> getArray(String key) {
        return get(key).map(v -> v instanceof GgufArray a ? a : null);
    }

    public Optional<String[]> getStringArray(String key) {
        return getArray(key).map(a -> a.values() instanceof String[] s ? s : null);
    }

    /** A numeric array as floats (float, double and integer element types). */
    public Optional<float[]> getFloatArray(String key) {
        return getArray(key).map(a -> switch (a.values()) {
            case float[] f -> f;
            case double[] d -> {
                float[] out = new float[d.length];
                for (int i = 0; i < d.length; i++) {
                    out[i] = (float) d[i];
                }
                yield out;
            }
            case int[] n -> {
                float[] out = new float[n.length];
                for (int i = 0; i < n.length; i++) {
                    out[i] = n[i];
                }
                yield out;
            }
            default -> null;
        });
    }

    /** An integer array as ints (values beyond the int range are an error). */
    public Optional<int[]> getIntArray(String key) {
        return getArray(key).map(a -> switch (a.values()) {
            case int[] n -> n;
            case long[] l -> {
                int[] out = new int[l.length];
                for (int i = 0; i < l.length; i++) {
                    out[i] = Math.toIntExact(l[i]);
                }
                yield out;
            }
            default -> null;
        });
    }

    /** Equal when both hold the same entries in the same order (order is part of a file). */
    @Override
    public boolean equals(Object o) {
        return o instanceof GgufMetadata m && List.copyOf(entries.values()).equals(List.copyOf(m.entries.values()));
    }

    @Override
    public int hashCode() {
        return entries.hashCode();
    }

    @Override
    public String toString() {
        return "GgufMetadata" + entries.keySet();
    }
}
