package lucid.engine.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import lucid.engine.gguf.SharedFixtures;
import lucid.engine.inference.Engine;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;

class OcclusionAttributionTest {

    static Engine engine;
    static LoadedModel model;

    @BeforeAll
    static void load() throws IOException {
        engine = Engine.create(2);
        model = engine.load(SharedFixtures.file("models/stories260k.gguf"));
    }

    @AfterAll
    static void close() {
        model.close();
        engine.close();
    }

    @Test
    void eachScoreIsTheLogProbDropOfTwoPlainForwardPasses() {
        int[] tokens = model.tokenizer().encode("Lily and Tom went to the park. They saw a", true, false);
        int target = tokens.length - 1;
        OcclusionAttribution.Result r = OcclusionAttribution.compute(model, tokens, target, null);
        assertEquals(tokens[target], r.targetId());
        double base = plainLogprob(Arrays.copyOf(tokens, target), tokens[target]);
        assertEquals(base, r.baseLogprob(), 1e-4);
        for (int j = 0; j < target; j++) {
            int[] without = new int[target - 1];
            System.arraycopy(tokens, 0, without, 0, j);
            System.arraycopy(tokens, j + 1, without, j, target - 1 - j);
            double expected = base - plainLogprob(without, tokens[target]);
            assertEquals(expected, r.scores()[j], 1e-4, "input token " + j);
        }
        // Not all zero: some context matters for predicting "a".
        assertTrue(Arrays.stream(r.scores()).map(Math::abs).max().orElse(0) > 0.1, Arrays.toString(r.scores()));
    }

    @Test
    void aTargetWithOnlyBosBeforeItHasNothingToRemove() {
        int[] tokens = {1, 403};
        OcclusionAttribution.Result r = OcclusionAttribution.compute(model, tokens, 1, null);
        assertTrue(Double.isNaN(r.scores()[0]));
        assertThrows(IllegalArgumentException.class, () -> OcclusionAttribution.compute(model, tokens, 0, null));
        assertThrows(IllegalArgumentException.class, () -> OcclusionAttribution.compute(model, tokens, 2, null));
    }

    static double plainLogprob(int[] context, int target) {
        try (InferenceSession s = model.newSession(context.length + 1)) {
            return Distribution.logSoftmax(s.prefill(context), target);
        }
    }
}
