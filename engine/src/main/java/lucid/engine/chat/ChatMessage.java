package lucid.engine.chat;

import java.util.List;
import java.util.Objects;

/**
 * One turn of a conversation, as chat templates see it: {@code messages[i]} is a dict with
 * {@code role} and {@code content}, plus {@code tool_calls} and {@code tool_call_id} when present.
 *
 * <p>The content is either plain text ({@link #content()}) or, as OpenAI-style requests and newer
 * templates (Gemma 3, Llama 4) have it, a list of parts ({@link #contentParts()}); exactly one of
 * the two is set. A template sees a string in the first case and a list of
 * {@code {"type": "text", "text": ...}} dicts in the second.
 *
 * @param role         "system", "user", "assistant", "tool", ... (templates decide which they accept)
 * @param content      the text, or null when the content is given as parts
 * @param contentParts the parts, or null when the content is plain text
 * @param toolCalls    calls the assistant made in this turn (empty for most messages)
 * @param toolCallId   for a "tool" message, the id of the call it answers; null otherwise
 */
public record ChatMessage(String role, String content, List<ContentPart> contentParts, List<ToolCall> toolCalls,
                          String toolCallId) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        if (role.isBlank()) {
            throw new IllegalArgumentException("a chat message needs a role");
        }
        if ((content == null) == (contentParts == null)) {
            throw new IllegalArgumentException("a chat message has either text content or content parts, not "
                    + (content == null ? "neither" : "both"));
        }
        contentParts = contentParts == null ? null : List.copyOf(contentParts);
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    /** A plain text message, the common case. */
    public ChatMessage(String role, String content) {
        this(role, Objects.requireNonNull(content, "content"), null, List.of(), null);
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }

    /** A message whose content is a list of parts. */
    public static ChatMessage ofParts(String role, List<ContentPart> parts) {
        return new ChatMessage(role, null, Objects.requireNonNull(parts, "parts"), List.of(), null);
    }

    /** An assistant turn that calls tools; its text may be empty. */
    public static ChatMessage toolCalls(String content, List<ToolCall> calls) {
        return new ChatMessage("assistant", content, null, calls, null);
    }

    /** The answer of a tool to the call with this id. */
    public static ChatMessage toolResult(String toolCallId, String content) {
        return new ChatMessage("tool", content, null, List.of(), Objects.requireNonNull(toolCallId, "toolCallId"));
    }

    /** The text of the message: the content, or the text parts joined. */
    public String text() {
        if (content != null) {
            return content;
        }
        StringBuilder sb = new StringBuilder();
        for (ContentPart part : contentParts) {
            sb.append(part.text());
        }
        return sb.toString();
    }
}
