package lucid.engine.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import lucid.engine.sampling.SamplingParams;

/**
 * stories260k never emits its EOS token (its training stories were separated by BOS), so the
 * end-of-generation path is tested on a derived file: the final norm's weights are zeroed, which
 * makes every logit exactly 0; greedy then picks the lowest id, and the file names that id EOS.
 */
class EndOfGenerationTest {

    @Test
    void generationEndsAtTheEndOfGenerationToken(@TempDir Path dir) throws IOException {
        Path derived = FlatLogitsModel.write(dir.resolve("always-eos.gguf"),
                w -> w.putUInt32("tokenizer.ggml.eos_token_id", 0));
        try (Engine engine = Engine.create(1); LoadedModel model = engine.load(derived);
             InferenceSession session = model.newSession(64)) {
            List<GenerationEvent> events = new ArrayList<>();
            GenerationResult r = new Generator(session).generate(model.tokenizer().encode("Once upon a time", true, false),
                    SamplingParams.greedy().withMaxTokens(20), events::add);
            assertEquals(StopReason.END_OF_GENERATION, r.reason());
            assertArrayEquals(new int[] {0}, r.tokens());
            assertEquals("", r.text());
            assertTrue(events.getFirst() instanceof GenerationEvent.PromptProcessed);
            assertTrue(events.getLast() instanceof GenerationEvent.Finished f && f.reason() == StopReason.END_OF_GENERATION);
        }
    }
}
