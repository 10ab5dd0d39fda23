package lucid.engine.gguf;

import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * A GGUF array value. {@code values} is a Java array whose class follows the element type:
 * {@code int[]} for 8, 16 and 32-bit integers (unsigned ones widened), {@code long[]} for UINT32,
 * INT64 and UINT64 (UINT64 keeps its bits), {@code float[]}, {@code double[]}, {@code boolean[]},
 * {@code String[]}, and {@code GgufArray[]} for nested arrays.
 *
 * <p>Two arrays are equal when their element types and contents are (floats compared as {@link Float#equals} does).
 * The values array is shared, not copied: do not change it after handing it over.
 */
public record GgufArray(GgufValueType elementType, Object values) {

    public GgufArray {
        Objects.requireNonNull(elementType, "elementType");
        Objects.requireNonNull(values, "values");
        Class<?> expected = javaArrayClass(elementType);
        if (values.getClass() != expected) {
            throw new IllegalArgumentException("an array of " + elementType + " holds its values in a "
                    + expected.getSimpleName() + ", not a " + values.getClass().getSimpleName());
        }
    }

    public static GgufArray ofStrings(String... values) {
        return new GgufArray(GgufValueType.STRING, values);
    }

    public static GgufArray ofInt32(int... values) {
        return new GgufArray(GgufValueType.INT32, values);
    }

    public static GgufArray ofFloat32(float... values) {
        return new GgufArray(GgufValueType.FLOAT32, values);
    }

    public static GgufArray ofArrays(GgufArray... values) {
        return new GgufArray(GgufValueType.ARRAY, values);
    }

    /** The Java array class that holds elements of {@code type}. */
    static Class<?> javaArrayClass(GgufValueType type) {
        return switch (type) {
            case UINT8, INT8, UINT16, INT16, INT32 -> int[].class;
            case UINT32, UINT64, INT64 -> long[].class;
            case FLOAT32 -> float[].class;
            case FLOAT64 -> double[].class;
            case BOOL -> boolean[].class;
            case STRING -> String[].class;
            case ARRAY -> GgufArray[].class;
        };
    }

    public int length() {
        return Array.getLength(values);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufArray a && elementType == a.elementType && Objects.deepEquals(values, a.values);
    }

    @Override
    public int hashCode() {
        return elementType.hashCode() * 31 + Arrays.deepHashCode(new Object[] {values});
    }

    @Override
    public String toString() {
        return "array<" + elementType.name().toLowerCase(Locale.ROOT) + ">[" + length() + "]";
    }
}
