package lucid.app.chat;

import java.util.List;

import lucid.engine.sampling.SamplingParams;

/**
 * Per-conversation generation settings. Stored as JSON with the conversation.
 *
 * @param contextLength tokens of context the session gets (capped by the model's)
 * @param preset        name of the preset these came from, for display; edits keep it until saved
 */
public record ConversationSettings(String systemPrompt, float temperature, int topK, float topP, float minP,
                                   float repeatPenalty, long seed, int maxTokens, List<String> stopStrings,
                                   int contextLength, String preset, OverflowPolicy overflow) {

    public ConversationSettings {
        systemPrompt = systemPrompt == null ? "" : systemPrompt;
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        overflow = overflow == null ? OverflowPolicy.ASK : overflow;
        preset = preset == null ? "" : preset;
        // Validates every number once, where the user typed it, not when a reply starts.
        new SamplingParams(temperature, topK, topP, minP, repeatPenalty, 0, 0, 64, seed, maxTokens, stopStrings);
        if (contextLength <= 0) {
            throw new IllegalArgumentException("context length must be positive, got " + contextLength);
        }
    }

    public static ConversationSettings defaults() {
        return Presets.BALANCED.applyTo(new ConversationSettings("", 0.8f, 40, 0.95f, 0.05f, 1.1f,
                SamplingParams.RANDOM_SEED, 512, List.of(), 2048, "", OverflowPolicy.ASK));
    }

    public SamplingParams sampling() {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, 0, 0, 64, seed, maxTokens,
                stopStrings);
    }

    public ConversationSettings withSystemPrompt(String value) {
        return new ConversationSettings(value, temperature, topK, topP, minP, repeatPenalty, seed, maxTokens,
                stopStrings, contextLength, preset, overflow);
    }

    public ConversationSettings withSampling(float temp, int k, float p, float min, float repeat, long s, int max,
                                             List<String> stops, String presetName) {
        return new ConversationSettings(systemPrompt, temp, k, p, min, repeat, s, max, stops, contextLength,
                presetName, overflow);
    }

    public ConversationSettings withContextLength(int value) {
        return new ConversationSettings(systemPrompt, temperature, topK, topP, minP, repeatPenalty, seed, maxTokens,
                stopStrings, value, preset, overflow);
    }

    public ConversationSettings withOverflow(OverflowPolicy value) {
        return new ConversationSettings(systemPrompt, temperature, topK, topP, minP, repeatPenalty, seed, maxTokens,
                stopStrings, contextLength, preset, value);
    }
}
