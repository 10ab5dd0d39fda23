package lucid.engine.chat;

import java.util.Objects;
import java.util.Optional;

/**
 * The template picked for a model, and why.
 *
 * @param template the template to render with
 * @param origin   whether it is the model's own template or a built-in fallback
 * @param warning  present when the model's template was missing, broken or unusable: what was
 *                 wrong and which fallback was taken instead, in one line for the user
 */
public record ChatTemplateChoice(ChatTemplate template, Origin origin, Optional<String> warning) {

    public enum Origin {
        /** The model file's own {@code tokenizer.chat_template}. */
        MODEL,
        /** A built-in template chosen from the model's architecture and special tokens. */
        BUILT_IN
    }

    public ChatTemplateChoice {
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(warning, "warning");
    }

    /** One line for logs and the CLI: "the model's own template" or "built-in chatml (...)". */
    public String describe() {
        String what = origin == Origin.MODEL ? "the model's own chat template"
                : "built-in chat template '" + template.name() + "'";
        return warning.map(w -> what + " (" + w + ")").orElse(what);
    }
}
