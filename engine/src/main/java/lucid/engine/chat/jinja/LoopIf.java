package lucid.engine.chat.jinja;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.util.ObjectTruthValue;

/**
 * The items of a sequence for which a condition holds, with the loop's target names bound to each
 * item in turn: what Jinja's {@code for target in seq if condition} iterates over. Written by
 * {@link PythonSyntax} in place of a loop filter, as a function; not meant for templates to call.
 *
 * <p>A mapping yields its keys, as iterating it does; a target of several names ({@code k, v})
 * unpacks each item (a list, an array or a map entry) into them.
 */
public final class LoopIf {

    static final String NAME = "lucid_loop_if";

    private LoopIf() {
    }

    /** The template function {@value #NAME}{@code (seq, condition, target)}; public for Jinjava's function lookup. */
    public static List<Object> select(Object var, String condition, String target) {
        JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
        String[] names = target.replace("(", "").replace(")", "").split(",");
        for (int i = 0; i < names.length; i++) {
            names[i] = names[i].strip();
        }
        List<Object> kept = new ArrayList<>();
        for (Object item : items(var)) {
            try (var scope = interpreter.enterScope()) {
                if (names.length == 1) {
                    interpreter.getContext().put(names[0], item);
                } else {
                    List<?> parts = unpack(item, names.length);
                    for (int i = 0; i < names.length; i++) {
                        interpreter.getContext().put(names[i], parts.get(i));
                    }
                }
                if (ObjectTruthValue.evaluate(interpreter.resolveELExpression(condition, interpreter.getLineNumber()))) {
                    kept.add(item);
                }
            }
        }
        return kept;
    }

    private static Iterable<?> items(Object var) {
        if (var == null) {
            return List.of();
        }
        if (var instanceof Map<?, ?> map) {
            return map.keySet();
        }
        if (var instanceof Iterable<?> iterable) {
            return iterable;
        }
        if (var instanceof Object[] array) {
            return Arrays.asList(array);
        }
        if (var instanceof String text) {
            return text.codePoints().mapToObj(Character::toString).toList();
        }
        throw new IllegalArgumentException("cannot loop over " + var.getClass().getSimpleName());
    }

    private static List<?> unpack(Object item, int count) {
        List<?> parts;
        if (item instanceof List<?> list) {
            parts = list;
        } else if (item instanceof Object[] array) {
            parts = Arrays.asList(array);
        } else if (item instanceof Map.Entry<?, ?> entry) {
            parts = Arrays.asList(entry.getKey(), entry.getValue());
        } else {
            throw new IllegalArgumentException("cannot unpack " + (item == null ? "none" : item.getClass().getSimpleName())
                    + " into " + count + " names");
        }
        if (parts.size() != count) {
            throw new IllegalArgumentException("cannot unpack " + parts.size() + " values into " + count + " names");
        }
        return parts;
    }
}
