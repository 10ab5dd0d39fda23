package lucid.app.workbench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A prompt suite: prompt variants, shared sampling settings and test cases, as in a promptfoo file.
 *
 * @param description what the suite checks
 * @param prompts     the variants; every test runs against every prompt
 * @param settings    sampling settings shared by all runs
 * @param tests       variable values with assertions
 */
public record PromptSuite(String description, List<Prompt> prompts, Settings settings, List<TestCase> tests) {

    public PromptSuite {
        prompts = List.copyOf(prompts);
        tests = List.copyOf(tests);
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("a suite needs at least one prompt");
        }
        List<String> ids = new ArrayList<>();
        for (Prompt p : prompts) {
            if (ids.contains(p.id())) {
                throw new IllegalArgumentException("prompt id '" + p.id() + "' is used twice");
            }
            ids.add(p.id());
        }
    }

    /** A prompt variant: plain text for completion, or chat messages rendered with the model's template. */
    public sealed interface Prompt permits TextPrompt, ChatPrompt {
        String id();

        /** Every variable the prompt uses. */
        java.util.Set<String> variables();
    }

    public record TextPrompt(String id, PromptTemplate template) implements Prompt {
        @Override
        public java.util.Set<String> variables() {
            return template.variables();
        }
    }

    /** One chat message whose content may use variables. */
    public record Message(String role, PromptTemplate content) {
    }

    public record ChatPrompt(String id, List<Message> messages) implements Prompt {
        public ChatPrompt {
            messages = List.copyOf(messages);
            if (messages.isEmpty()) {
                throw new IllegalArgumentException("chat prompt '" + id + "' has no messages");
            }
        }

        @Override
        public java.util.Set<String> variables() {
            java.util.Set<String> names = new java.util.LinkedHashSet<>();
            for (Message m : messages) {
                names.addAll(m.content().variables());
            }
            return names;
        }
    }

    /**
     * Sampling settings (absent ones take the engine's defaults; temperature 0 is greedy).
     * {@code seed} -1 means random.
     */
    public record Settings(Float temperature, Integer topK, Float topP, Float minP, Float repeatPenalty, Long seed,
                           Integer maxTokens, List<String> stop) {
        public Settings {
            stop = stop == null ? List.of() : List.copyOf(stop);
        }

        public static Settings defaults() {
            return new Settings(null, null, null, null, null, null, null, List.of());
        }
    }

    /**
     * @param description optional label
     * @param vars        variable values
     * @param assertions  checks on each output
     */
    public record TestCase(String description, Map<String, String> vars, List<Assertion> assertions) {
        public TestCase {
            vars = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(vars));
            assertions = List.copyOf(assertions);
        }
    }
}
