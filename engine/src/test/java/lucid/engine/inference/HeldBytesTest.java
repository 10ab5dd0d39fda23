package lucid.engine.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import lucid.engine.sampling.SamplingParams;
import lucid.engine.tokenizer.Utf8StreamDecoder;

/**
 * A reply branched at a token that is the first bytes of a multi-byte character goes on from those
 * bytes ({@link Generator#continuingAfter}). The generated token is forced on a derived stories260k:
 * with the final norm zeroed every logit is 0, and a presence penalty on every id the prompt holds
 * leaves the lowest id not in it on top: byte token {@code <0xAD>}, the last byte of 中 (E4 B8 AD).
 */
class HeldBytesTest {

    // stories260k: ids 0..2 are <unk>, <s>, </s>, then <0x00>..<0xFF> from id 3.
    private static final int BYTE_AD = 3 + 0xAD;

    @Test
    void generatedTextCompletesTheCharacterTheLastTokenSplit(@TempDir Path dir) throws IOException {
        Path derived = FlatLogitsModel.write(dir.resolve("flat-logits.gguf"), w -> w);
        int[] prompt = new int[BYTE_AD];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = i; // every id below <0xAD>
        }
        SamplingParams forced = SamplingParams.greedy().withPresencePenalty(1f).withPenaltyLastN(256).withMaxTokens(1);
        Utf8StreamDecoder shown = new Utf8StreamDecoder();
        assertEquals("", shown.feed(new byte[] {(byte) 0xE4, (byte) 0xB8}));
        try (Engine engine = Engine.create(1); LoadedModel model = engine.load(derived);
             InferenceSession session = model.newSession(prompt.length + 4)) {
            GenerationResult r = new Generator(session).continuingAfter(shown.pendingBytes())
                    .generate(prompt, forced, null);
            assertArrayEquals(new int[] {BYTE_AD}, r.tokens());
            assertEquals("中", r.text());

            // Without the held bytes the same token is a stray continuation byte.
            session.reset();
            GenerationResult fresh = new Generator(session).generate(prompt, forced, null);
            assertArrayEquals(new int[] {BYTE_AD}, fresh.tokens());
            assertEquals("\uFFFD", fresh.text());
        }
    }
}
