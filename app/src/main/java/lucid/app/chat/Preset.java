package lucid.app.chat;

import java.util.List;

/**
 * A named set of sampling values. Built-in ones ship with the app; the user saves their own.
 * A persona additionally carries a system prompt (blank: the conversation's own stays).
 */
public record Preset(String name, boolean builtIn, float temperature, int topK, float topP, float minP,
                     float repeatPenalty, String systemPrompt) {

    public Preset {
        systemPrompt = systemPrompt == null ? "" : systemPrompt;
    }

    public ConversationSettings applyTo(ConversationSettings s) {
        ConversationSettings out = s.withSampling(temperature, topK, topP, minP, repeatPenalty, s.seed(),
                s.maxTokens(), s.stopStrings(), name);
        return systemPrompt.isBlank() ? out : out.withSystemPrompt(systemPrompt);
    }

    public static Preset from(String name, ConversationSettings s) {
        return new Preset(name, false, s.temperature(), s.topK(), s.topP(), s.minP(), s.repeatPenalty(),
                s.systemPrompt());
    }

    static List<Preset> personas() {
        return Presets.PERSONAS;
    }
}
