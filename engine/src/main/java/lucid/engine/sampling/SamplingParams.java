package lucid.engine.sampling;

import java.util.List;
import java.util.Objects;

/**
 * How the next token is chosen, and when generation ends. Immutable; change one setting with a
 * {@code withX} copy. Defaults and meanings follow llama.cpp's {@code common_params_sampling}, so a
 * user moving between the two tools gets the same behaviour from the same numbers.
 *
 * <p>A setting that llama.cpp treats as "off" is off here too: {@code topK == 0},
 * {@code topP == 1}, {@code minP == 0}, {@code repeatPenalty == 1}, frequency and presence
 * penalties {@code 0}, {@code penaltyLastN == 0}. {@link SamplerChain#from} leaves such stages out.
 *
 * @param temperature      divides the logits before the draw; {@code 0} means greedy (argmax)
 * @param topK             keep only the k most likely tokens; {@code 0} disables
 * @param topP             nucleus: keep the smallest set of most likely tokens whose probabilities
 *                         sum to at least p; in (0, 1], {@code 1} disables
 * @param minP             drop tokens whose probability is below {@code minP} times the most likely
 *                         token's; in [0, 1], {@code 0} disables
 * @param repeatPenalty    divides positive (multiplies non-positive) logits of recently seen tokens;
 *                         {@code 1} disables
 * @param frequencyPenalty subtracted from a recent token's logit once per occurrence
 * @param presencePenalty  subtracted once from the logit of every token that occurred recently
 * @param penaltyLastN     how many of the most recently accepted tokens the three penalties look
 *                         at; {@code 0} disables them
 * @param seed             seed of the random draw; {@link #RANDOM_SEED} picks a fresh one
 * @param maxTokens        how many tokens to generate at most; {@link #UNLIMITED} for no limit
 * @param stopStrings      generation ends when the text produces any of these; they are not emitted
 */
public record SamplingParams(
        float temperature,
        int topK,
        float topP,
        float minP,
        float repeatPenalty,
        float frequencyPenalty,
        float presencePenalty,
        int penaltyLastN,
        long seed,
        int maxTokens,
        List<String> stopStrings) {

    /**
     * The seed value meaning "pick a random seed". It is {@code -1} because that is what users type
     * for llama.cpp's {@code --seed} to get the same effect; every other value is used as is.
     */
    public static final long RANDOM_SEED = -1L;

    /** The {@link #maxTokens} value meaning "no limit" (until end of text or a full context). */
    public static final int UNLIMITED = -1;

    public SamplingParams {
        requireFinite("temperature", temperature);
        if (temperature < 0) {
            throw new IllegalArgumentException(
                    "temperature must be >= 0 (0 means greedy), got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be >= 0 (0 disables top-k), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {  // written so that NaN fails too
            throw new IllegalArgumentException(
                    "topP must be in (0, 1] (1 disables top-p), got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException(
                    "minP must be in [0, 1] (0 disables min-p), got " + minP);
        }
        requireFinite("repeatPenalty", repeatPenalty);
        if (repeatPenalty <= 0) {
            throw new IllegalArgumentException(
                    "repeatPenalty must be > 0 (1 disables it), got " + repeatPenalty);
        }
        requireFinite("frequencyPenalty", frequencyPenalty);
        requireFinite("presencePenalty", presencePenalty);
        if (penaltyLastN < 0) {
            throw new IllegalArgumentException(
                    "penaltyLastN must be >= 0 (0 disables the penalties), got " + penaltyLastN);
        }
        if (maxTokens < UNLIMITED) {
            throw new IllegalArgumentException(
                    "maxTokens must be >= 0, or -1 for no limit, got " + maxTokens);
        }
        Objects.requireNonNull(stopStrings, "stopStrings must not be null (use an empty list)");
        for (int i = 0; i < stopStrings.size(); i++) {
            String stop = stopStrings.get(i);
            if (stop == null || stop.isEmpty()) {
                throw new IllegalArgumentException(
                        "stopStrings must not contain null or empty strings, got "
                                + (stop == null ? "null" : "\"\"") + " at index " + i);
            }
        }
        stopStrings = List.copyOf(stopStrings);
    }

    /** llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalties. */
    public static SamplingParams defaults() {
        return new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1.0f, 0.0f, 0.0f, 64,
                RANDOM_SEED, UNLIMITED, List.of());
    }

    /** The defaults with temperature 0: always the most likely token, reproducible without a seed. */
    public static SamplingParams greedy() {
        return defaults().withTemperature(0.0f);
    }

    /** True when the chain picks the argmax instead of drawing. */
    public boolean isGreedy() {
        return temperature == 0;
    }

    /** True when at least one of the three penalties would change a logit. */
    public boolean penaltiesEnabled() {
        return penaltyLastN > 0
                && (repeatPenalty != 1.0f || frequencyPenalty != 0.0f || presencePenalty != 0.0f);
    }

    public SamplingParams withTemperature(float value) {
        return new SamplingParams(value, topK, topP, minP, repeatPenalty, frequencyPenalty,
                presencePenalty, penaltyLastN, seed, maxTokens, stopStrings);
    }

    public SamplingParams withTopK(int value) {
        return new SamplingParams(temperature, value, topP, minP, repeatPenalty, frequencyPenalty,
                presencePenalty, penaltyLastN, seed, maxTokens, stopStrings);
    }

    public SamplingParams withTopP(float value) {
        return new SamplingParams(temperature, topK, value, minP, repeatPenalty, frequencyPenalty,
                presencePenalty, penaltyLastN, seed, maxTokens, stopStrings);
    }

    public SamplingParams withMinP(float value) {
        return new SamplingParams(temperature, topK, topP, value, repeatPenalty, frequencyPenalty,
                presencePenalty, penaltyLastN, seed, maxTokens, stopStrings);
    }

    public SamplingParams withRepeatPenalty(float value) {
        return new SamplingParams(temperature, topK, topP, minP, value, frequencyPenalty,
                presencePenalty, penaltyLastN, seed, maxTokens, stopStrings);
    }

    public SamplingParams withFrequencyPenalty(float value) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, value,
                presencePenalty, penaltyLastN, seed, maxTokens, stopStrings);
    }

    public SamplingParams withPresencePenalty(float value) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, frequencyPenalty,
                value, penaltyLastN, seed, maxTokens, stopStrings);
    }

    public SamplingParams withPenaltyLastN(int value) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, frequencyPenalty,
                presencePenalty, value, seed, maxTokens, stopStrings);
    }

    public SamplingParams withSeed(long value) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, frequencyPenalty,
                presencePenalty, penaltyLastN, value, maxTokens, stopStrings);
    }

    public SamplingParams withMaxTokens(int value) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, frequencyPenalty,
                presencePenalty, penaltyLastN, seed, value, stopStrings);
    }

    public SamplingParams withStopStrings(List<String> value) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, frequencyPenalty,
                presencePenalty, penaltyLastN, seed, maxTokens, value);
    }

    private static void requireFinite(String name, float value) {
        if (!Float.isFinite(value)) {
            throw new IllegalArgumentException(name + " must be a finite number, got " + value);
        }
    }
}
