package lucid.engine.chat.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;

/** Filters whose Jinjava versions differ from what Hugging Face templates expect. */
final class PythonFilters {
    private PythonFilters() {
    }

    /**
     * {@code tojson}, as transformers defines it: {@code json.dumps(x, ensure_ascii=False,
     * indent=indent)}. Jinjava's own writes compact JSON, which would change the prompt.
     */
    static final class ToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return PythonJson.dumps(var, args.length > 0 && args[0] != null ? Integer.valueOf(args[0].trim()) : null);
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : (args.length > 0 ? args[0] : null);
            return PythonJson.dumps(var, indent == null ? null : ((Number) indent).intValue());
        }
    }

    /** {@code items} (Jinja 3.1): a mapping's (key, value) pairs, as Llama 3.1 uses for tool arguments. */
    static final class Items implements Filter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var == null) {
                return List.of();
            }
            if (!(var instanceof Map<?, ?> map)) {
                throw new IllegalArgumentException("items filter needs a mapping, got " + var.getClass().getSimpleName());
            }
            List<List<Object>> pairs = new ArrayList<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                pairs.add(java.util.Arrays.asList(e.getKey(), e.getValue()));
            }
            return pairs;
        }
    }
}
