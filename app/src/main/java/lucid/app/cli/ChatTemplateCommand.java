package lucid.app.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import lucid.engine.chat.ChatMessage;
import lucid.engine.chat.ChatRequest;
import lucid.engine.chat.ChatTemplate;
import lucid.engine.chat.ChatTemplateChoice;
import lucid.engine.chat.ChatTemplates;
import lucid.engine.chat.ContentPart;
import lucid.engine.chat.ToolCall;
import lucid.engine.gguf.GgufFile;
import lucid.engine.tokenizer.Vocabulary;

/**
 * {@code lucid chat-template}: the prompt a conversation becomes under the model's chat template,
 * exactly as the model will see it, with the template that was used on stderr. Vocabulary-only
 * files work too.
 */
final class ChatTemplateCommand implements Command {

    @Override
    public String name() {
        return "chat-template";
    }

    @Override
    public String summary() {
        return "render a conversation with the model's chat template";
    }

    @Override
    public List<Option> options() {
        return List.of(CommonOptions.MODEL,
                Option.value("messages", "FILE", "JSON file: a list of {role, content} messages, or "
                        + "{\"messages\": [...], \"tools\": [...]} (OpenAI style; content may be text parts)"),
                Option.value("system", "TEXT", "a system message, put first"),
                Option.value("user", "TEXT", "a user message, put last"),
                Option.flag("no-generation-prompt", "end after the last message instead of opening the assistant's turn"),
                Option.value("template", "FILE", "a Jinja template to use instead of the model's (for trying out a fix)"));
    }

    @Override
    public int run(ParsedArgs args, CliContext ctx) throws Exception {
        List<ChatMessage> messages = new ArrayList<>();
        List<Map<String, Object>> tools = new ArrayList<>();
        if (args.string("messages").isPresent()) {
            readMessagesFile(args.existingFile("messages"), messages, tools);
        }
        args.string("system").ifPresent(s -> messages.addFirst(ChatMessage.system(s)));
        args.string("user").ifPresent(u -> messages.add(ChatMessage.user(u)));
        if (messages.isEmpty()) {
            throw new UsageException("'chat-template' needs a conversation: --messages FILE, --user TEXT or --system TEXT");
        }
        ChatTemplate template;
        try (GgufFile file = GgufFile.open(args.existingFile("model"))) {
            Vocabulary vocabulary = Vocabulary.fromGguf(file.metadata());
            if (args.string("template").isPresent()) {
                Path path = args.existingFile("template");
                template = ChatTemplates.compile(path.getFileName().toString(), Files.readString(path),
                        tokenText(vocabulary, vocabulary.bos()), tokenText(vocabulary, vocabulary.eos()),
                        Clock.systemDefaultZone());
                ctx.err().println("chat template: " + path);
            } else {
                ChatTemplateChoice choice = ChatTemplates.forModel(file.metadata(), vocabulary);
                template = choice.template();
                ctx.err().println("chat template: " + choice.describe());
            }
        }
        String prompt = template.render(
                new ChatRequest(messages, !args.flag("no-generation-prompt"), tools, List.of(), Map.of()));
        ctx.out().print(prompt);
        return Cli.EXIT_OK;
    }

    private static String tokenText(Vocabulary vocabulary, OptionalInt id) {
        return id.isPresent() ? vocabulary.text(id.getAsInt()) : "";
    }

    private static void readMessagesFile(Path path, List<ChatMessage> messages, List<Map<String, Object>> tools)
            throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(path));
        } catch (JsonProcessingException e) {
            throw new UsageException(path + " is not valid JSON: " + e.getOriginalMessage());
        }
        JsonNode list = root;
        if (root != null && root.isObject()) {
            list = root.get("messages");
            JsonNode toolList = root.get("tools");
            if (toolList != null && !toolList.isNull()) {
                if (!toolList.isArray()) {
                    throw new UsageException(path + ": \"tools\" must be a list");
                }
                for (JsonNode tool : toolList) {
                    if (!tool.isObject()) {
                        throw new UsageException(path + ": every tool must be an object");
                    }
                    @SuppressWarnings("unchecked")
                    Map<String, Object> t = (Map<String, Object>) plain(tool);
                    tools.add(t);
                }
            }
        }
        if (list == null || !list.isArray()) {
            throw new UsageException(path + " must hold a list of messages, or an object with a \"messages\" list");
        }
        int index = 0;
        for (JsonNode m : list) {
            messages.add(message(path, index++, m));
        }
    }

    private static ChatMessage message(Path path, int index, JsonNode m) {
        String where = path + ": message " + index;
        if (!m.isObject() || !m.path("role").isTextual()) {
            throw new UsageException(where + " needs a \"role\" string");
        }
        String role = m.get("role").asText();
        JsonNode content = m.path("content");
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode call : m.path("tool_calls")) {
            JsonNode function = call.path("function");
            if (!function.path("name").isTextual()) {
                throw new UsageException(where + ": a tool call needs function.name");
            }
            JsonNode arguments = function.path("arguments");
            if (arguments.isTextual()) {
                // OpenAI sends the arguments as a JSON string; templates expect the object.
                try {
                    arguments = new ObjectMapper().readTree(arguments.asText());
                } catch (JsonProcessingException e) {
                    throw new UsageException(where + ": tool call arguments are not valid JSON");
                }
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> args = arguments.isObject() ? (Map<String, Object>) plain(arguments) : Map.of();
            calls.add(new ToolCall(call.path("id").isTextual() ? call.get("id").asText() : null,
                    function.get("name").asText(), args));
        }
        String toolCallId = m.path("tool_call_id").isTextual() ? m.get("tool_call_id").asText() : null;
        try {
            if (content.isArray()) {
                List<ContentPart> parts = new ArrayList<>();
                for (JsonNode part : content) {
                    parts.add(new ContentPart(part.path("type").asText("text"), part.path("text").asText("")));
                }
                return new ChatMessage(role, null, parts, calls, toolCallId);
            }
            if (!content.isTextual() && !content.isMissingNode() && !content.isNull()) {
                throw new UsageException(where + ": \"content\" must be a string or a list of parts");
            }
            return new ChatMessage(role, content.isTextual() ? content.asText() : "", null, calls, toolCallId);
        } catch (IllegalArgumentException e) {
            throw new UsageException(where + ": " + e.getMessage());
        }
    }

    /** A JSON tree as plain Java values, keys in file order. */
    private static Object plain(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                map.put(e.getKey(), plain(e.getValue()));
            }
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            node.forEach(n -> list.add(plain(n)));
            return list;
        }
        if (node.isTextual()) {
            return node.asText();
        }
        if (node.isBoolean()) {
            return node.asBoolean();
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? (Object) node.asLong() : node.bigIntegerValue();
        }
        if (node.isNumber()) {
            return node.asDouble();
        }
        return null;
    }
}
