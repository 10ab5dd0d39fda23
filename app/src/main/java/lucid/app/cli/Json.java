package lucid.app.cli;

/**
 * A small streaming JSON writer for the CLI's {@code --json} outputs. Commas are placed by the writer;
 * callers open and close containers and write names and values in order.
 */
public final class Json {

    private final StringBuilder sb = new StringBuilder();
    private boolean needComma;

    public Json beginObject() {
        comma();
        sb.append('{');
        needComma = false;
        return this;
    }

    public Json endObject() {
        sb.append('}');
        needComma = true;
        return this;
    }

    public Json beginArray() {
        comma();
        sb.append('[');
        needComma = false;
        return this;
    }

    public Json endArray() {
        sb.append(']');
        needComma = true;
        return this;
    }

    public Json name(String name) {
        comma();
        quote(name);
        sb.append(':');
        needComma = false;
        return this;
    }

    public Json value(String s) {
        comma();
        if (s == null) {
            sb.append("null");
        } else {
            quote(s);
        }
        needComma = true;
        return this;
    }

    public Json value(long n) {
        comma();
        sb.append(n);
        needComma = true;
        return this;
    }

    public Json value(boolean b) {
        comma();
        sb.append(b);
        needComma = true;
        return this;
    }

    /** Finite floats in their shortest round-trip form; NaN and infinities as null (JSON has none). */
    public Json value(double d) {
        comma();
        if (Double.isFinite(d)) {
            sb.append(d);
        } else {
            sb.append("null");
        }
        needComma = true;
        return this;
    }

    public Json value(float f) {
        comma();
        if (Float.isFinite(f)) {
            sb.append(f);
        } else {
            sb.append("null");
        }
        needComma = true;
        return this;
    }

    public Json field(String name, String v) {
        return name(name).value(v);
    }

    public Json field(String name, long v) {
        return name(name).value(v);
    }

    public Json field(String name, double v) {
        return name(name).value(v);
    }

    public Json field(String name, boolean v) {
        return name(name).value(v);
    }

    public Json array(int[] values) {
        beginArray();
        for (int v : values) {
            value(v);
        }
        return endArray();
    }

    public Json array(float[] values) {
        beginArray();
        for (float v : values) {
            value(v);
        }
        return endArray();
    }

    private void comma() {
        if (needComma) {
            sb.append(',');
            needComma = false;
        }
    }

    private void quote(String s) {
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

    @Override
    public String toString() {
        return sb.toString();
    }
}
