package lucid.engine.chat;

import java.util.List;

/**
 * Turns a conversation into the exact prompt text a chat model was trained on. Implementations
 * are immutable and safe to share between threads.
 */
public interface ChatTemplate {

    /** Where the template came from: "model" for the GGUF's own, or a built-in name such as "chatml". */
    String name();

    /** The Jinja source. */
    String source();

    /**
     * Renders the messages; with {@code addGenerationPrompt} the text ends where the assistant's
     * answer begins. A template that refuses the conversation (for example roles that do not
     * alternate) or fails throws {@link ChatTemplateException} with the template's own message.
     */
    default String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return render(new ChatRequest(messages, addGenerationPrompt));
    }

    /** Renders with tools, documents and extra variables. */
    String render(ChatRequest request);
}
