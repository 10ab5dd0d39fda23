package lucid.engine.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import lucid.engine.chat.jinja.HfJinja;

/**
 * A chat template written in Jinja, rendered with the variables Hugging Face's
 * {@code apply_chat_template} passes: {@code messages}, {@code add_generation_prompt},
 * {@code bos_token}, {@code eos_token}, {@code tools}, {@code documents} and any extra ones.
 */
final class JinjaChatTemplate implements ChatTemplate {

    private final String name;
    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final HfJinja jinja;

    JinjaChatTemplate(String name, String source, String bosToken, String eosToken, HfJinja jinja) {
        this.name = name;
        this.source = source;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.jinja = jinja;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public String render(ChatRequest request) {
        return switch (jinja.render(source, variables(request))) {
            case HfJinja.Outcome.Rendered r -> r.text();
            case HfJinja.Outcome.Failed f -> throw new ChatTemplateException(name, f.failure().message(), f.failure().raised());
        };
    }

    private Map<String, Object> variables(ChatRequest request) {
        Map<String, Object> vars = new LinkedHashMap<>(request.extraVariables());
        List<Object> messages = new ArrayList<>();
        for (ChatMessage m : request.messages()) {
            messages.add(asDict(m));
        }
        vars.put("messages", messages);
        vars.put("add_generation_prompt", request.addGenerationPrompt());
        vars.put("bos_token", bosToken);
        vars.put("eos_token", eosToken);
        // transformers passes tools=None and documents=None when there are none; templates test
        // "tools is not none" or plain "if tools", which both read null as absent.
        vars.put("tools", request.tools().isEmpty() ? null : new ArrayList<>(request.tools()));
        vars.put("documents", request.documents().isEmpty() ? null : new ArrayList<>(request.documents()));
        return vars;
    }

    /** The Hugging Face message dict. Keys a message does not have are left out: templates test {@code 'tool_calls' in message}. */
    private static Map<String, Object> asDict(ChatMessage m) {
        Map<String, Object> dict = new LinkedHashMap<>();
        dict.put("role", m.role());
        if (m.content() != null) {
            dict.put("content", m.content());
        } else {
            List<Object> parts = new ArrayList<>();
            for (ContentPart p : m.contentParts()) {
                Map<String, Object> part = new LinkedHashMap<>();
                part.put("type", p.type());
                part.put("text", p.text());
                parts.add(part);
            }
            dict.put("content", parts);
        }
        if (!m.toolCalls().isEmpty()) {
            List<Object> calls = new ArrayList<>();
            for (ToolCall call : m.toolCalls()) {
                Map<String, Object> function = new LinkedHashMap<>();
                function.put("name", call.name());
                function.put("arguments", new LinkedHashMap<>(call.arguments()));
                Map<String, Object> dictCall = new LinkedHashMap<>();
                if (call.id() != null) {
                    dictCall.put("id", call.id());
                }
                dictCall.put("type", "function");
                dictCall.put("function", function);
                calls.add(dictCall);
            }
            dict.put("tool_calls", calls);
        }
        if (m.toolCallId() != null) {
            dict.put("tool_call_id", m.toolCallId());
        }
        return dict;
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + name + "]";
    }
}
