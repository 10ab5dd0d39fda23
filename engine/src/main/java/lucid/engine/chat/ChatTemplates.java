package lucid.engine.chat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

import lucid.engine.chat.jinja.HfJinja;
import lucid.engine.gguf.GgufMetadata;
import lucid.engine.tokenizer.Vocabulary;

/**
 * Finds the chat template of a model: its own {@code tokenizer.chat_template} when that compiles
 * and renders, otherwise a built-in one picked from the model's special tokens and architecture,
 * with a warning that says what was wrong. Never throws for a bad model template.
 */
public final class ChatTemplates {

    /** The GGUF key holding the model's Jinja template. */
    public static final String CHAT_TEMPLATE_KEY = "tokenizer.chat_template";

    /** The built-in templates, each a resource lucid/engine/chat/NAME.jinja. */
    public static final List<String> BUILT_IN_NAMES = List.of("chatml", "llama-3", "llama-2", "gemma", "phi-3", "mistral");

    /** The name the model's own template goes by. */
    public static final String MODEL_TEMPLATE_NAME = "model";

    private ChatTemplates() {
    }

    /** The model's template, or a fallback; dates for {@code strftime_now} come from the system clock. */
    public static ChatTemplateChoice forModel(GgufMetadata metadata, Vocabulary vocabulary) {
        return forModel(metadata, vocabulary, Clock.systemDefaultZone());
    }

    public static ChatTemplateChoice forModel(GgufMetadata metadata, Vocabulary vocabulary, Clock clock) {
        String bos = tokenText(vocabulary, vocabulary.bos());
        String eos = tokenText(vocabulary, vocabulary.eos());
        HfJinja jinja = new HfJinja(clock);
        Optional<String> source = metadata.getString(CHAT_TEMPLATE_KEY).filter(s -> !s.isBlank());
        String problem;
        if (source.isEmpty()) {
            problem = metadata.has(CHAT_TEMPLATE_KEY) ? "the model's chat template is empty or not a string"
                    : "the model file has no chat template (" + CHAT_TEMPLATE_KEY + ")";
        } else {
            JinjaChatTemplate own = new JinjaChatTemplate(MODEL_TEMPLATE_NAME, source.get(), bos, eos, jinja);
            problem = problemWith(own, jinja);
            if (problem == null) {
                return new ChatTemplateChoice(own, ChatTemplateChoice.Origin.MODEL, Optional.empty());
            }
        }
        Fallback fallback = fallbackFor(metadata, vocabulary);
        ChatTemplate template = new JinjaChatTemplate(fallback.name(), builtInSource(fallback.name()), bos, eos, jinja);
        return new ChatTemplateChoice(template, ChatTemplateChoice.Origin.BUILT_IN, Optional.of(problem
                + "; using the built-in '" + fallback.name() + "' template (" + fallback.reason() + ")"));
    }

    /** A built-in template with the usual special tokens of its format; see {@link #BUILT_IN_NAMES}. */
    public static ChatTemplate builtIn(String name) {
        return builtIn(name, Clock.systemDefaultZone());
    }

    public static ChatTemplate builtIn(String name, Clock clock) {
        String source = builtInSource(name);
        String[] tokens = switch (name) {
            case "llama-3" -> new String[] {"<|begin_of_text|>", "<|eot_id|>"};
            case "gemma" -> new String[] {"<bos>", "<eos>"};
            case "phi-3" -> new String[] {"<s>", "<|endoftext|>"};
            case "llama-2", "mistral" -> new String[] {"<s>", "</s>"};
            default -> new String[] {"", "<|im_end|>"};
        };
        return new JinjaChatTemplate(name, source, tokens[0], tokens[1], new HfJinja(clock));
    }

    /**
     * A template from Jinja text, for templates the user supplies. Unlike {@link #forModel} this
     * does not fall back: a template that does not parse is a {@link ChatTemplateException}.
     */
    public static ChatTemplate compile(String name, String source, String bosToken, String eosToken, Clock clock) {
        HfJinja jinja = new HfJinja(clock);
        List<String> errors = jinja.syntaxErrors(source);
        if (!errors.isEmpty()) {
            throw new ChatTemplateException(name, "does not parse: " + errors.getFirst(), false);
        }
        return new JinjaChatTemplate(name, source, bosToken, eosToken, jinja);
    }

    /** Why the model's template cannot be used, or null when it can. */
    private static String problemWith(JinjaChatTemplate template, HfJinja jinja) {
        List<String> errors = jinja.syntaxErrors(template.source());
        if (!errors.isEmpty()) {
            return "the model's chat template does not parse (" + errors.getFirst() + ")";
        }
        try {
            // A template may refuse some conversations (raise_exception); that is its right. Failing
            // on the simplest one means it uses something this engine cannot render.
            template.render(List.of(ChatMessage.user("Hello")), true);
            return null;
        } catch (ChatTemplateException e) {
            return e.raisedByTemplate() ? null : "the model's chat template cannot be rendered (" + e.templateMessage() + ")";
        }
    }

    /** The built-in template for a model, and why it was picked. */
    record Fallback(String name, String reason) {
    }

    /**
     * Special tokens say more than the architecture: a fine-tune keeps its base's architecture
     * but may be trained on another format, and brings that format's tokens with it.
     */
    static Fallback fallbackFor(GgufMetadata metadata, Vocabulary vocabulary) {
        if (has(vocabulary, "<|start_header_id|>")) {
            return new Fallback("llama-3", "the vocabulary has <|start_header_id|>");
        }
        if (has(vocabulary, "<|im_start|>")) {
            return new Fallback("chatml", "the vocabulary has <|im_start|>");
        }
        if (has(vocabulary, "<start_of_turn>")) {
            return new Fallback("gemma", "the vocabulary has <start_of_turn>");
        }
        if (has(vocabulary, "<|user|>") && has(vocabulary, "<|end|>")) {
            return new Fallback("phi-3", "the vocabulary has <|user|> and <|end|>");
        }
        if (has(vocabulary, "[INST]")) {
            return new Fallback("mistral", "the vocabulary has [INST]");
        }
        String architecture = metadata.getString("general.architecture", "");
        String name = metadata.getString("general.name", "").toLowerCase(Locale.ROOT);
        if (architecture.startsWith("gemma")) {
            return new Fallback("gemma", "architecture " + architecture);
        }
        if (architecture.startsWith("phi3")) {
            return new Fallback("phi-3", "architecture " + architecture);
        }
        if (name.contains("mistral") || name.contains("mixtral")) {
            return new Fallback("mistral", "model name '" + metadata.getString("general.name", "") + "'");
        }
        if (name.contains("llama-2") || name.contains("llama 2") || name.contains("llama2")) {
            return new Fallback("llama-2", "model name '" + metadata.getString("general.name", "") + "'");
        }
        return new Fallback("chatml", "no known chat markers; ChatML is the most common format");
    }

    private static boolean has(Vocabulary vocabulary, String text) {
        return vocabulary.id(text).isPresent();
    }

    private static String tokenText(Vocabulary vocabulary, OptionalInt id) {
        return id.isPresent() ? vocabulary.text(id.getAsInt()) : "";
    }

    private static String builtInSource(String name) {
        if (!BUILT_IN_NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown built-in chat template '" + name + "' (known: "
                    + String.join(", ", BUILT_IN_NAMES) + ")");
        }
        String resource = name + ".jinja";
        try (InputStream in = ChatTemplates.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("built-in chat template resource missing: lucid/engine/chat/" + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
