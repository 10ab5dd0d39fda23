package lucid.app.chat;

import java.util.List;

/**
 * Turns a conversation into the text the model continues. The one seam between the chat and chat
 * templates: the engine's {@code lucid.engine.chat} templates plug in here
 * ({@link PromptFormats.Templated}), beside a plain format for base models.
 */
public interface PromptFormat {

    /** One message as the template sees it. */
    record Turn(Role role, String content) {
    }

    String name();

    /** One line for the user: which template this is and why it was chosen. */
    default String describe() {
        return name();
    }

    /**
     * @param addGenerationPrompt end with whatever opens the assistant's reply, so the model writes it
     */
    String render(List<Turn> turns, boolean addGenerationPrompt);
}
