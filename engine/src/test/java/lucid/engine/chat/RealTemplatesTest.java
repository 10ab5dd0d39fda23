package lucid.engine.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Real chat templates of public models (test resources, sources in templates/README.md), rendered
 * for one conversation and compared with the prompt each model's documentation describes. The
 * expected strings were written from those formats by hand; the conversation carries stray spaces,
 * Chinese and an emoji to show which templates trim and that text passes through unchanged.
 */
class RealTemplatesTest {

    static final Clock MARCH_7_2025 = Clock.fixed(Instant.parse("2025-03-07T10:00:00Z"), ZoneOffset.UTC);

    static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("You are a helpful assistant."),
            ChatMessage.user("Hello!"),
            ChatMessage.assistant(" Hi! How can I help? "),
            ChatMessage.user("What is 2+2? 你好 🙂"));

    static ChatTemplate template(String file, String bos, String eos) {
        return ChatTemplates.compile(file, resource("templates/" + file), bos, eos, MARCH_7_2025);
    }

    static String resource(String path) {
        try (InputStream in = RealTemplatesTest.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource lucid/engine/chat/" + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void llama31PutsTheDateAndTrimmedTurnsUnderHeaders() {
        String prompt = template("llama-3.1-instruct.jinja", "<|begin_of_text|>", "<|eot_id|>").render(CONVERSATION, true);
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
                + "You are a helpful assistant.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHi! How can I help?<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2? 你好 🙂<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", prompt);
    }

    @Test
    void llama32TakesTodaysDateFromStrftimeNow() {
        String prompt = template("llama-3.2-instruct.jinja", "<|begin_of_text|>", "<|eot_id|>").render(CONVERSATION, true);
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\nToday Date: 07 Mar 2025\n\n"
                + "You are a helpful assistant.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHi! How can I help?<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2? 你好 🙂<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", prompt);
    }

    @Test
    void qwen25IsChatMlWithItsOwnDefaultSystemPrompt() {
        ChatTemplate qwen = template("qwen2.5-instruct.jinja", "", "<|im_end|>");
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nHello!<|im_end|>\n"
                + "<|im_start|>assistant\n Hi! How can I help? <|im_end|>\n"
                + "<|im_start|>user\nWhat is 2+2? 你好 🙂<|im_end|>\n"
                + "<|im_start|>assistant\n", qwen.render(CONVERSATION, true));
        assertEquals("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nHello!<|im_end|>\n", qwen.render(List.of(ChatMessage.user("Hello!")), false));
    }

    @Test
    void qwen25ListsToolsAsPythonJsonAndRendersToolCalls() {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("type", "object");
        parameters.put("properties", Map.of("city", Map.of("type", "string")));
        parameters.put("required", List.of("city"));
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", "get_weather");
        function.put("description", "Weather in a city");
        function.put("parameters", parameters);
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", function);
        List<ChatMessage> messages = List.of(
                ChatMessage.user("Weather in Zürich?"),
                ChatMessage.toolCalls("", List.of(new ToolCall("call_1", "get_weather", Map.of("city", "Zürich")))),
                ChatMessage.toolResult("call_1", "{\"temp\": 21}"));
        String prompt = template("qwen2.5-instruct.jinja", "", "<|im_end|>")
                .render(new ChatRequest(messages, true, List.of(tool), List.of(), Map.of()));
        assertEquals("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.\n\n"
                + "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
                + "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Weather in a city\", "
                + "\"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}\n"
                + "</tools>\n\nFor each function call, return a json object with function name and arguments within "
                + "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n"
                + "</tool_call><|im_end|>\n"
                + "<|im_start|>user\nWeather in Zürich?<|im_end|>\n"
                + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Zürich\"}}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\n{\"temp\": 21}\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\n", prompt);
    }

    @Test
    void smolLm2AddsItsDefaultSystemPromptOnlyWhenThereIsNone() {
        ChatTemplate smol = template("smollm2-instruct.jinja", "<|im_start|>", "<|im_end|>");
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nHello!<|im_end|>\n"
                + "<|im_start|>assistant\n Hi! How can I help? <|im_end|>\n"
                + "<|im_start|>user\nWhat is 2+2? 你好 🙂<|im_end|>\n"
                + "<|im_start|>assistant\n", smol.render(CONVERSATION, true));
        assertEquals("<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
                + "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n",
                smol.render(List.of(ChatMessage.user("Hello!")), true));
    }

    @Test
    void gemma2CallsTheAssistantModelAndRefusesASystemRole() {
        ChatTemplate gemma = template("gemma-2-it.jinja", "<bos>", "<eos>");
        assertEquals("<bos><start_of_turn>user\nHello!<end_of_turn>\n"
                + "<start_of_turn>model\nHi! How can I help?<end_of_turn>\n"
                + "<start_of_turn>user\nWhat is 2+2? 你好 🙂<end_of_turn>\n"
                + "<start_of_turn>model\n", gemma.render(CONVERSATION.subList(1, 4), true));
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> gemma.render(CONVERSATION, true));
        assertTrue(e.raisedByTemplate());
        assertEquals("System role not supported", e.templateMessage());
        assertEquals("chat template 'gemma-2-it.jinja' refused the conversation: System role not supported", e.getMessage());
    }

    @Test
    void gemma3MovesTheSystemPromptIntoTheFirstUserTurn() {
        assertEquals("<bos><start_of_turn>user\nYou are a helpful assistant.\n\nHello!<end_of_turn>\n"
                + "<start_of_turn>model\nHi! How can I help?<end_of_turn>\n"
                + "<start_of_turn>user\nWhat is 2+2? 你好 🙂<end_of_turn>\n"
                + "<start_of_turn>model\n", template("gemma-3-it.jinja", "<bos>", "<eos>").render(CONVERSATION, true));
    }

    @Test
    void gemma3ReadsTextPartsAndInsistsOnAlternatingRoles() {
        ChatTemplate gemma = template("gemma-3-it.jinja", "<bos>", "<eos>");
        List<ChatMessage> parts = List.of(ChatMessage.ofParts("system", List.of(ContentPart.text("Be brief."))),
                ChatMessage.ofParts("user", List.of(ContentPart.text(" Hello "), ContentPart.text("there "))));
        assertEquals("<bos><start_of_turn>user\nBe brief.\n\nHellothere<end_of_turn>\n<start_of_turn>model\n",
                gemma.render(parts, true));
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> gemma.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), true));
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", e.templateMessage());
    }

    @Test
    void phi3MiniTagsEachTurnWithItsRole() {
        assertEquals("<|system|>\nYou are a helpful assistant.<|end|>\n"
                + "<|user|>\nHello!<|end|>\n"
                + "<|assistant|>\n Hi! How can I help? <|end|>\n"
                + "<|user|>\nWhat is 2+2? 你好 🙂<|end|>\n"
                + "<|assistant|>\n", template("phi-3-mini-4k-instruct.jinja", "<s>", "<|endoftext|>").render(CONVERSATION, true));
        assertEquals("<|user|>\nHi<|end|>\n<|endoftext|>", template("phi-3-mini-4k-instruct.jinja", "<s>", "<|endoftext|>")
                .render(List.of(ChatMessage.user("Hi")), false));
    }

    @Test
    void mistralV03PutsTheSystemPromptIntoTheLastInstruction() {
        ChatTemplate mistral = template("mistral-7b-instruct-v0.3.jinja", "<s>", "</s>");
        assertEquals("<s>[INST] Hello![/INST] Hi! How can I help?</s>[INST] You are a helpful assistant.\n\n"
                + "What is 2+2? 你好 🙂[/INST]", mistral.render(CONVERSATION, true));
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> mistral.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), true));
        assertEquals("After the optional system message, conversation roles must alternate user/assistant/user/assistant/...",
                e.templateMessage());
    }
}
