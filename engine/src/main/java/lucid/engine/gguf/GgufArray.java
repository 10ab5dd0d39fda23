package lucid.engine.gguf;

import java.lang.reflect.Array;

/**
 * A GGUF array value. {@code values} is a Java array whose class follows the element type:
 * {@code int[]} for 8, 16 and 32-bit integers (unsigned ones widened), {@code long[]} for UINT32,
 * INT64 and UINT64 (UINT64 keeps its bits), {@code float[]}, {@code double[]}, {@code boolean[]},
 * {@code String[]}, and {@code GgufArray[]} for nested arrays.
 */
public record GgufArray(GgufValueType elementType, Object values) {

    public int length() {
        return Array.getLength(values);
    }

    @Override
    public String toString() {
        return "array<" + elementType.name().toLowerCase(java.util.Locale.ROOT) + ">[" + length() + "]";
    }
}
