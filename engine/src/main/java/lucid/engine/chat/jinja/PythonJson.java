package lucid.engine.chat.jinja;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii=False, indent=indent)}, which is what Hugging Face's
 * {@code tojson} filter calls: {@code ", "} and {@code ": "} between items on one line,
 * {@code ","} and {@code ": "} with an indent, keys in insertion order, non-ASCII kept as is. The
 * exact spacing matters because it becomes part of the prompt (Llama 3.1 prints tool schemas with
 * {@code tojson(indent=4)}).
 */
public final class PythonJson {
    private PythonJson() {
    }

    /** {@code json.dumps(value, ensure_ascii=False)}; {@code indent} of null means one line. */
    public static String dumps(Object value, Integer indent) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, indent, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object value, Integer indent, int depth) {
        switch (value) {
            case null -> sb.append("null");
            case String s -> quote(sb, s);
            case Character c -> quote(sb, c.toString());
            case Boolean b -> sb.append(b ? "true" : "false");
            case Integer i -> sb.append(i);
            case Long l -> sb.append(l);
            case Short s -> sb.append(s);
            case Byte b -> sb.append(b);
            case BigInteger b -> sb.append(b);
            case Double d -> sb.append(floatRepr(d));
            case Float f -> sb.append(floatRepr(f.doubleValue()));
            case BigDecimal d -> sb.append(d.toPlainString());
            case Map<?, ?> m -> writeMap(sb, m, indent, depth);
            case Iterable<?> it -> writeList(sb, it, indent, depth);
            case Object[] array -> writeList(sb, java.util.Arrays.asList(array), indent, depth);
            default -> quote(sb, value.toString());
        }
    }

    private static void writeMap(StringBuilder sb, Map<?, ?> map, Integer indent, int depth) {
        if (map.isEmpty()) {
            sb.append("{}");
            return;
        }
        sb.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            separator(sb, first, indent, depth + 1);
            first = false;
            quote(sb, String.valueOf(e.getKey()));
            sb.append(": ");
            write(sb, e.getValue(), indent, depth + 1);
        }
        newline(sb, indent, depth);
        sb.append('}');
    }

    private static void writeList(StringBuilder sb, Iterable<?> items, Integer indent, int depth) {
        if (!items.iterator().hasNext()) {
            sb.append("[]");
            return;
        }
        sb.append('[');
        boolean first = true;
        for (Object item : items) {
            separator(sb, first, indent, depth + 1);
            first = false;
            write(sb, item, indent, depth + 1);
        }
        newline(sb, indent, depth);
        sb.append(']');
    }

    private static void separator(StringBuilder sb, boolean first, Integer indent, int depth) {
        if (!first) {
            sb.append(indent == null ? ", " : ",");
        }
        newline(sb, indent, depth);
    }

    private static void newline(StringBuilder sb, Integer indent, int depth) {
        if (indent != null) {
            sb.append('\n').append(" ".repeat(indent * depth));
        }
    }

    /** Python prints floats with repr: 1.0, 0.1, 1e-05, inf is not JSON (Python writes Infinity). */
    private static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e16) {
            return Long.toString((long) d) + ".0";
        }
        String s = Double.toString(d);
        int e = s.indexOf('E');
        if (e < 0) {
            return s;
        }
        // Java writes 1.0E-5 where Python writes 1e-05.
        String mantissa = s.substring(0, e);
        if (mantissa.endsWith(".0")) {
            mantissa = mantissa.substring(0, mantissa.length() - 2);
        }
        int exp = Integer.parseInt(s.substring(e + 1));
        return mantissa + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
