package lucid.engine.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class SamplingParamsTest {

    @Test
    void defaultsAreLlamaCppDefaults() {
        SamplingParams p = SamplingParams.defaults();
        assertEquals(0.8f, p.temperature());
        assertEquals(40, p.topK());
        assertEquals(0.95f, p.topP());
        assertEquals(0.05f, p.minP());
        assertEquals(1.0f, p.repeatPenalty());
        assertEquals(0.0f, p.frequencyPenalty());
        assertEquals(0.0f, p.presencePenalty());
        assertEquals(64, p.penaltyLastN());
        assertEquals(SamplingParams.RANDOM_SEED, p.seed());
        assertEquals(SamplingParams.UNLIMITED, p.maxTokens());
        assertEquals(List.of(), p.stopStrings());
        assertFalse(p.isGreedy());
        assertFalse(p.penaltiesEnabled(), "repeat 1, frequency 0, presence 0 is off");
    }

    @Test
    void greedyIsDefaultsWithTemperatureZero() {
        SamplingParams g = SamplingParams.greedy();
        assertTrue(g.isGreedy());
        assertEquals(SamplingParams.defaults().withTemperature(0f), g);
    }

    @Test
    void withCopiesChangeOneFieldOnly() {
        SamplingParams base = SamplingParams.defaults();
        SamplingParams changed = base.withTopK(7).withSeed(42).withStopStrings(List.of("\n"));
        assertEquals(7, changed.topK());
        assertEquals(42, changed.seed());
        assertEquals(List.of("\n"), changed.stopStrings());
        assertEquals(base.topP(), changed.topP());
        assertEquals(40, base.topK(), "the original is untouched");
        assertTrue(base.withRepeatPenalty(1.1f).penaltiesEnabled());
        assertFalse(base.withRepeatPenalty(1.1f).withPenaltyLastN(0).penaltiesEnabled());
        assertTrue(base.withPresencePenalty(0.5f).penaltiesEnabled());
    }

    @Test
    void stopStringsAreCopiedAndImmutable() {
        List<String> mutable = new ArrayList<>(List.of("a"));
        SamplingParams p = SamplingParams.defaults().withStopStrings(mutable);
        mutable.add("b");
        assertEquals(List.of("a"), p.stopStrings());
        assertThrows(UnsupportedOperationException.class, () -> p.stopStrings().add("c"));
    }

    @Test
    void validationMessagesNameTheSettingAndTheValue() {
        SamplingParams d = SamplingParams.defaults();
        assertMessage("temperature must be >= 0 (0 means greedy), got -0.5",
                () -> d.withTemperature(-0.5f));
        assertMessage("temperature must be a finite number, got NaN",
                () -> d.withTemperature(Float.NaN));
        assertMessage("topK must be >= 0 (0 disables top-k), got -1", () -> d.withTopK(-1));
        assertMessage("topP must be in (0, 1] (1 disables top-p), got 0.0", () -> d.withTopP(0f));
        assertMessage("topP must be in (0, 1] (1 disables top-p), got 1.5", () -> d.withTopP(1.5f));
        assertMessage("topP must be in (0, 1] (1 disables top-p), got NaN",
                () -> d.withTopP(Float.NaN));
        assertMessage("minP must be in [0, 1] (0 disables min-p), got -0.1", () -> d.withMinP(-0.1f));
        assertMessage("minP must be in [0, 1] (0 disables min-p), got 2.0", () -> d.withMinP(2f));
        assertMessage("repeatPenalty must be > 0 (1 disables it), got 0.0",
                () -> d.withRepeatPenalty(0f));
        assertMessage("frequencyPenalty must be a finite number, got Infinity",
                () -> d.withFrequencyPenalty(Float.POSITIVE_INFINITY));
        assertMessage("presencePenalty must be a finite number, got NaN",
                () -> d.withPresencePenalty(Float.NaN));
        assertMessage("penaltyLastN must be >= 0 (0 disables the penalties), got -1",
                () -> d.withPenaltyLastN(-1));
        assertMessage("maxTokens must be >= 0, or -1 for no limit, got -2", () -> d.withMaxTokens(-2));
        assertMessage("stopStrings must not contain null or empty strings, got \"\" at index 1",
                () -> d.withStopStrings(List.of("ok", "")));
        assertMessage("stopStrings must not contain null or empty strings, got null at index 0",
                () -> d.withStopStrings(Arrays.asList((String) null)));
        assertThrows(NullPointerException.class, () -> d.withStopStrings(null));
    }

    @Test
    void boundaryValuesAreAccepted() {
        SamplingParams d = SamplingParams.defaults();
        d.withTemperature(0f);
        d.withTopK(0);
        d.withTopP(1f);
        d.withTopP(Float.MIN_VALUE);
        d.withMinP(0f);
        d.withMinP(1f);
        d.withPenaltyLastN(0);
        d.withMaxTokens(0);
        d.withMaxTokens(SamplingParams.UNLIMITED);
        d.withFrequencyPenalty(-2f);  // negative penalties are allowed: they encourage repetition
        d.withSeed(Long.MIN_VALUE);
    }

    private static void assertMessage(String expected, Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertEquals(expected, e.getMessage());
    }
}
