package lucid.engine.chat;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a chat template is rendered with. Beyond the messages, templates may read
 * {@code tools} (function schemas, for tool-calling models), {@code documents} (for RAG templates)
 * and model-specific switches such as {@code enable_thinking}, passed as extra variables.
 *
 * @param messages            the conversation, oldest first
 * @param addGenerationPrompt whether to end with the header of an assistant turn, so the model answers
 * @param tools               function schemas as JSON values (Map/List/String/Number/Boolean); empty for none
 * @param documents           documents as JSON values; empty for none
 * @param extraVariables      further template variables, e.g. {@code enable_thinking}; JSON values
 */
public record ChatRequest(List<ChatMessage> messages, boolean addGenerationPrompt, List<Map<String, Object>> tools,
                          List<Map<String, Object>> documents, Map<String, Object> extraVariables) {

    public ChatRequest {
        messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
        tools = tools == null ? List.of() : List.copyOf(tools);
        documents = documents == null ? List.of() : List.copyOf(documents);
        extraVariables = extraVariables == null ? Map.of() : Map.copyOf(extraVariables);
    }

    public ChatRequest(List<ChatMessage> messages, boolean addGenerationPrompt) {
        this(messages, addGenerationPrompt, List.of(), List.of(), Map.of());
    }
}
