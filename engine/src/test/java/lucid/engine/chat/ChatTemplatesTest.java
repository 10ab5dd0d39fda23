package lucid.engine.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import lucid.engine.gguf.GgufArray;
import lucid.engine.gguf.GgufFile;
import lucid.engine.gguf.GgufMetadata;
import lucid.engine.gguf.GgufValueType;
import lucid.engine.gguf.SharedFixtures;
import lucid.engine.tokenizer.Vocabulary;

/** Picking a model's template from GGUF metadata, falling back, and the built-in templates. */
class ChatTemplatesTest {

    static GgufMetadata phi3;
    static GgufMetadata stories;

    @BeforeAll
    static void readFixtures() throws IOException {
        try (GgufFile f = GgufFile.open(SharedFixtures.file("models/vocab-only/ggml-vocab-phi-3.gguf"))) {
            phi3 = f.metadata();
        }
        try (GgufFile f = GgufFile.open(SharedFixtures.file("models/stories260k.gguf"))) {
            stories = f.metadata();
        }
    }

    static GgufMetadata withTemplate(GgufMetadata base, String template) {
        Map<String, GgufMetadata.Entry> entries = new LinkedHashMap<>(base.entries());
        entries.put(ChatTemplates.CHAT_TEMPLATE_KEY,
                new GgufMetadata.Entry(ChatTemplates.CHAT_TEMPLATE_KEY, GgufValueType.STRING, template));
        return GgufMetadata.of(entries);
    }

    /** A minimal SentencePiece vocabulary holding the given special tokens. */
    static GgufMetadata vocabularyWith(String architecture, String... specials) {
        String[] tokens = new String[3 + specials.length];
        tokens[0] = "<unk>";
        tokens[1] = "<s>";
        tokens[2] = "</s>";
        System.arraycopy(specials, 0, tokens, 3, specials.length);
        Map<String, GgufMetadata.Entry> entries = new LinkedHashMap<>();
        entries.put("general.architecture", new GgufMetadata.Entry("general.architecture", GgufValueType.STRING, architecture));
        entries.put("tokenizer.ggml.model", new GgufMetadata.Entry("tokenizer.ggml.model", GgufValueType.STRING, "llama"));
        entries.put("tokenizer.ggml.tokens", new GgufMetadata.Entry("tokenizer.ggml.tokens", GgufValueType.ARRAY,
                GgufArray.ofStrings(tokens)));
        return GgufMetadata.of(entries);
    }

    static ChatTemplateChoice choose(GgufMetadata metadata) {
        return ChatTemplates.forModel(metadata, Vocabulary.fromGguf(metadata), RealTemplatesTest.MARCH_7_2025);
    }

    @Test
    void phi3TemplateFromTheGgufFileIsUsedAsIs() {
        ChatTemplateChoice choice = choose(phi3);
        assertEquals(ChatTemplateChoice.Origin.MODEL, choice.origin());
        assertTrue(choice.warning().isEmpty(), choice.warning().toString());
        assertEquals("model", choice.template().name());
        // The file's template (see shared/models/MODELS.md) drops system messages, starts with BOS and
        // ends every user turn with the assistant header.
        assertEquals("<s><|user|>\nHello!<|end|>\n<|assistant|>\n Hi! How can I help? <|end|>\n"
                + "<|user|>\nWhat is 2+2? 你好 🙂<|end|>\n<|assistant|>\n",
                choice.template().render(RealTemplatesTest.CONVERSATION, true));
    }

    @Test
    void aTemplateThatDoesNotParseFallsBackWithAWarning() {
        ChatTemplateChoice choice = choose(withTemplate(phi3, "{% for m in messages %}{{ m.content }}"));
        assertEquals(ChatTemplateChoice.Origin.BUILT_IN, choice.origin());
        assertEquals("phi-3", choice.template().name());
        String warning = choice.warning().orElseThrow();
        assertTrue(warning.startsWith("the model's chat template does not parse (line 1: "), warning);
        assertTrue(warning.contains("endfor"), warning);
        assertTrue(warning.endsWith("; using the built-in 'phi-3' template (the vocabulary has <|user|> and <|end|>)"), warning);
        // The fallback gets the model's own special tokens.
        assertEquals("<|user|>\nHi<|end|>\n<|assistant|>\n", choice.template().render(List.of(ChatMessage.user("Hi")), true));
    }

    @Test
    void aTemplateThatFailsToRenderFallsBackWithAWarning() {
        ChatTemplateChoice choice = choose(withTemplate(phi3, "{{ no_such_function(messages) }}"));
        assertEquals(ChatTemplateChoice.Origin.BUILT_IN, choice.origin());
        String warning = choice.warning().orElseThrow();
        assertTrue(warning.startsWith("the model's chat template cannot be rendered ("), warning);
        assertTrue(warning.contains("no_such_function"), warning);
    }

    @Test
    void aTemplateThatOnlyRefusesSomeConversationsIsKept() {
        String refusing = "{% if messages|length > 1 %}{{ raise_exception('one message only') }}{% endif %}"
                + "{{ messages[0].content }}";
        ChatTemplateChoice choice = choose(withTemplate(phi3, refusing));
        assertEquals(ChatTemplateChoice.Origin.MODEL, choice.origin());
        assertEquals("Hi", choice.template().render(List.of(ChatMessage.user("Hi")), true));
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> choice.template().render(RealTemplatesTest.CONVERSATION, true));
        assertEquals("one message only", e.templateMessage());
        assertTrue(e.raisedByTemplate());
    }

    @Test
    void aModelWithoutTemplateGetsChatMlAndSaysWhy() {
        ChatTemplateChoice choice = choose(stories);
        assertEquals(ChatTemplateChoice.Origin.BUILT_IN, choice.origin());
        assertEquals("chatml", choice.template().name());
        assertEquals("the model file has no chat template (tokenizer.chat_template); using the built-in 'chatml' "
                + "template (no known chat markers; ChatML is the most common format)", choice.warning().orElseThrow());
        assertEquals("built-in chat template 'chatml' (" + choice.warning().orElseThrow() + ")", choice.describe());
    }

    @Test
    void fallbackFollowsTheSpecialTokensThenTheArchitecture() {
        assertEquals("llama-3", choose(vocabularyWith("llama", "<|start_header_id|>", "<|eot_id|>")).template().name());
        assertEquals("chatml", choose(vocabularyWith("qwen2", "<|im_start|>", "<|im_end|>")).template().name());
        assertEquals("gemma", choose(vocabularyWith("llama", "<start_of_turn>", "<end_of_turn>")).template().name());
        assertEquals("phi-3", choose(vocabularyWith("llama", "<|user|>", "<|end|>")).template().name());
        assertEquals("mistral", choose(vocabularyWith("llama", "[INST]", "[/INST]")).template().name());
        assertEquals("gemma", choose(vocabularyWith("gemma2")).template().name());
        assertEquals("phi-3", choose(vocabularyWith("phi3")).template().name());
        assertEquals("chatml", choose(vocabularyWith("llama")).template().name());
    }

    @Test
    void builtInTemplatesRenderTheDocumentedFormats() {
        List<ChatMessage> c = RealTemplatesTest.CONVERSATION;
        assertEquals("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n"
                + "<|im_start|>assistant\n Hi! How can I help? <|im_end|>\n<|im_start|>user\nWhat is 2+2? 你好 🙂<|im_end|>\n"
                + "<|im_start|>assistant\n", ChatTemplates.builtIn("chatml").render(c, true));
        assertEquals("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHi! How can I help?<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2? 你好 🙂<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n", ChatTemplates.builtIn("llama-3").render(c, true));
        assertEquals("<s>[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\nHello! [/INST] Hi! How can I help? </s>"
                + "<s>[INST] What is 2+2? 你好 🙂 [/INST]", ChatTemplates.builtIn("llama-2").render(c, true));
        assertEquals("<bos><start_of_turn>user\nYou are a helpful assistant.\n\nHello!<end_of_turn>\n"
                + "<start_of_turn>model\nHi! How can I help?<end_of_turn>\n<start_of_turn>user\nWhat is 2+2? 你好 🙂<end_of_turn>\n"
                + "<start_of_turn>model\n", ChatTemplates.builtIn("gemma").render(c, true));
        assertEquals("<|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nHello!<|end|>\n"
                + "<|assistant|>\n Hi! How can I help? <|end|>\n<|user|>\nWhat is 2+2? 你好 🙂<|end|>\n<|assistant|>\n",
                ChatTemplates.builtIn("phi-3").render(c, true));
        assertEquals("<s>[INST] Hello![/INST] Hi! How can I help?</s>[INST] You are a helpful assistant.\n\n"
                + "What is 2+2? 你好 🙂[/INST]", ChatTemplates.builtIn("mistral").render(c, true));
    }

    @Test
    void withoutGenerationPromptTheTextEndsAfterTheLastTurn() {
        assertEquals("<|im_start|>user\nHi<|im_end|>\n", ChatTemplates.builtIn("chatml").render(List.of(ChatMessage.user("Hi")), false));
        assertEquals("<bos><start_of_turn>user\nHi<end_of_turn>\n",
                ChatTemplates.builtIn("gemma").render(List.of(ChatMessage.user("Hi")), false));
    }

    @Test
    void builtInTemplatesReadTextParts() {
        List<ChatMessage> parts = List.of(ChatMessage.ofParts("user", List.of(ContentPart.text("你好, "), ContentPart.text("🙂"))));
        assertEquals("<|im_start|>user\n你好, 🙂<|im_end|>\n<|im_start|>assistant\n", ChatTemplates.builtIn("chatml").render(parts, true));
    }

    @Test
    void messageTextIsNeverInterpretedAsTemplateCode() {
        String tricky = "{{ 7 * 7 }} {% if true %}x{% endif %} {# c #} \\n <|im_end|>";
        assertEquals("<|im_start|>user\n" + tricky + "<|im_end|>\n",
                ChatTemplates.builtIn("chatml").render(List.of(ChatMessage.user(tricky)), false));
    }

    @Test
    void unknownBuiltInIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChatTemplates.builtIn("vicuna"));
        assertEquals("unknown built-in chat template 'vicuna' (known: chatml, llama-3, llama-2, gemma, phi-3, mistral)", e.getMessage());
    }

    @Test
    void compilingABrokenTemplateIsAClearError() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> ChatTemplates.compile("mine", "{% if %}", "", "", RealTemplatesTest.MARCH_7_2025));
        assertFalse(e.raisedByTemplate());
        assertTrue(e.getMessage().startsWith("chat template 'mine' failed: does not parse: line 1: "), e.getMessage());
    }

    @Test
    void messagesMustBeWellFormed() {
        assertEquals("a chat message needs a role",
                assertThrows(IllegalArgumentException.class, () -> new ChatMessage(" ", "x")).getMessage());
        assertEquals("a chat message has either text content or content parts, not both",
                assertThrows(IllegalArgumentException.class,
                        () -> new ChatMessage("user", "x", List.of(ContentPart.text("y")), List.of(), null)).getMessage());
        assertEquals("content part type 'image' is not supported (only text parts are)",
                assertThrows(IllegalArgumentException.class, () -> new ContentPart("image", "")).getMessage());
    }
}
