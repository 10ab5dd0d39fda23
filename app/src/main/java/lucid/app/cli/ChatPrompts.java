package lucid.app.cli;

import java.util.List;

import lucid.app.workbench.SuiteRunner;
import lucid.engine.chat.ChatMessage;
import lucid.engine.chat.ChatTemplateChoice;
import lucid.engine.chat.ChatTemplates;
import lucid.engine.inference.LoadedModel;

/** How CLI commands turn chat messages into a model's prompt: the model's own chat template. */
final class ChatPrompts {
    private ChatPrompts() {
    }

    /**
     * Renders with the model's template, or the built-in fallback {@link ChatTemplates} picks when the
     * model has none or a broken one; the warning goes to {@code err} once, when first used.
     */
    static SuiteRunner.ChatRenderer renderer(LoadedModel model, java.io.PrintStream err) {
        ChatTemplateChoice[] choice = new ChatTemplateChoice[1];
        return messages -> {
            if (choice[0] == null) {
                choice[0] = ChatTemplates.forModel(model.file().metadata(), model.tokenizer().vocabulary());
                choice[0].warning().ifPresent(w -> err.println("lucid: " + w));
            }
            List<ChatMessage> chat = messages.stream().map(m -> new ChatMessage(m.role(), m.content())).toList();
            return choice[0].template().render(chat, true);
        };
    }
}
