package lucid.engine.chat;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A function call the assistant made. Templates see it in the Hugging Face shape:
 * {@code {"id": id, "type": "function", "function": {"name": name, "arguments": {...}}}}, with the
 * arguments as a dict (templates print them with {@code tojson}).
 *
 * @param id        the call's id, or null when the model gives none
 * @param name      the function's name
 * @param arguments the arguments as JSON values: String, Number, Boolean, null, List and Map
 */
public record ToolCall(String id, String name, Map<String, Object> arguments) {

    public ToolCall {
        Objects.requireNonNull(name, "name");
        // Insertion order is kept: tojson prints keys in the order the model wrote them.
        arguments = arguments == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(arguments));
    }
}
