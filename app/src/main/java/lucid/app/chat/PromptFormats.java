package lucid.app.chat;

import java.util.List;

import lucid.engine.chat.ChatMessage;
import lucid.engine.chat.ChatTemplateChoice;
import lucid.engine.chat.ChatTemplates;
import lucid.engine.inference.LoadedModel;
import lucid.engine.tokenizer.Vocabulary;

/**
 * The prompt format for a model: its own chat template (rendered by the engine's
 * {@code lucid.engine.chat}) when it has one; the engine's built-in fallback when it has none but
 * its vocabulary shows it is a chat model (ChatML markers); otherwise plain text, which a base
 * model such as the story models simply continues.
 */
public final class PromptFormats {
    private PromptFormats() {
    }

    public static PromptFormat forModel(LoadedModel model) {
        Vocabulary v = model.tokenizer().vocabulary();
        ChatTemplateChoice choice = ChatTemplates.forModel(model.file().metadata(), v);
        boolean chatModel = choice.origin() == ChatTemplateChoice.Origin.MODEL || v.id("<|im_start|>").isPresent()
                || v.id("<|eot_id|>").isPresent() || v.id("<start_of_turn>").isPresent();
        return chatModel ? new Templated(choice) : PLAIN;
    }

    /** A chat template from the engine, with the note the user sees about where it came from. */
    public record Templated(ChatTemplateChoice choice) implements PromptFormat {
        @Override
        public String name() {
            return choice.template().name();
        }

        @Override
        public String render(List<Turn> turns, boolean addGenerationPrompt) {
            List<ChatMessage> messages = turns.stream().map(t -> new ChatMessage(t.role().id(), t.content())).toList();
            return choice.template().render(messages, addGenerationPrompt);
        }

        @Override
        public String describe() {
            return choice.describe();
        }
    }

    /**
     * Messages one after another for a base model: a reply is the model's continuation of the text
     * before it, so it is appended as is (which also lets the next turn reuse the cached tokens);
     * every other message starts on a new line.
     */
    public static final PromptFormat PLAIN = new PromptFormat() {
        @Override
        public String name() {
            return "plain";
        }

        @Override
        public String describe() {
            return "plain text (the model has no chat template: it continues the conversation's text)";
        }

        @Override
        public String render(List<Turn> turns, boolean addGenerationPrompt) {
            StringBuilder out = new StringBuilder();
            for (Turn t : turns) {
                if (t.content().isBlank()) {
                    continue;
                }
                if (t.role() != Role.ASSISTANT && !out.isEmpty()) {
                    out.append('\n');
                }
                out.append(t.role() == Role.ASSISTANT ? t.content() : t.content().strip());
            }
            return out.toString();
        }
    };
}
