package lucid.engine.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class Utf8StreamDecoderTest {

    /** Chinese (3-byte), emoji (4-byte, with a modifier and a ZWJ sequence), accents (2-byte), ASCII. */
    @ParameterizedTest
    @ValueSource(strings = {"北京欢迎你", "😀🎉", "👍🏽 ok", "👩‍💻 naïve café", "a北😀b"})
    void splitAtEveryByteBoundaryNeverEmitsHalfACharacter(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (int cut = 0; cut <= bytes.length; cut++) {
            Utf8StreamDecoder decoder = new Utf8StreamDecoder();
            String first = decoder.feed(Arrays.copyOfRange(bytes, 0, cut));
            assertEquals(completePrefix(bytes, cut), first, "first piece, cut at " + cut);
            String second = decoder.feed(Arrays.copyOfRange(bytes, cut, bytes.length));
            assertEquals(text, first + second, "cut at " + cut);
            assertFalse(decoder.hasPending());
            assertEquals("", decoder.flush());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"北京欢迎你", "😀🎉", "👩‍💻 naïve café"})
    void byteByByteAndEveryThreeWaySplit(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Utf8StreamDecoder one = new Utf8StreamDecoder();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < bytes.length; i++) {
            String s = one.feed(new byte[] {bytes[i]});
            assertEquals(completePrefix(bytes, i + 1), out.append(s).toString(), "after byte " + i);
        }
        for (int a = 0; a <= bytes.length; a++) {
            for (int b = a; b <= bytes.length; b++) {
                Utf8StreamDecoder d = new Utf8StreamDecoder();
                String s = d.feed(Arrays.copyOfRange(bytes, 0, a)) + d.feed(Arrays.copyOfRange(bytes, a, b))
                        + d.feed(Arrays.copyOfRange(bytes, b, bytes.length)) + d.flush();
                assertEquals(text, s, "cuts at " + a + ", " + b);
            }
        }
    }

    @Test
    void heldBytesAreReleasedOnlyWhenTheyCanNoLongerComplete() {
        Utf8StreamDecoder d = new Utf8StreamDecoder();
        assertEquals("", d.feed(new byte[] {(byte) 0xE4, (byte) 0xBD}));
        assertTrue(d.hasPending());
        assertEquals("\uFFFDA", d.feed(new byte[] {'A'}), "a truncated character followed by ASCII");
        assertEquals("\uFFFD", d.feed(new byte[] {(byte) 0xFF}), "a byte that never starts a character");
        assertEquals("\uFFFD", d.feed(new byte[] {(byte) 0x80}), "a stray continuation byte");
        assertEquals("", d.feed(new byte[] {(byte) 0xF0, (byte) 0x9F}));
        assertEquals("\uFFFD", d.flush(), "the stream ended inside a character");
        assertFalse(d.hasPending());
        assertEquals("\uFFFD\uFFFD\uFFFD", d.feed(new byte[] {(byte) 0xED, (byte) 0xB7, (byte) 0xA0}),
                "an encoded surrogate is three invalid bytes (Python agrees; Java's decoder gives one U+FFFD)");
        assertEquals("\uFFFD\uFFFD", d.feed(new byte[] {(byte) 0xC0, (byte) 0xAF}), "overlong form");
    }

    @Test
    void resetDropsHeldBytes() {
        Utf8StreamDecoder d = new Utf8StreamDecoder();
        d.feed(new byte[] {(byte) 0xE4});
        d.reset();
        assertEquals("x", d.feed(new byte[] {'x'}));
    }

    /**
     * Arbitrary bytes in arbitrary pieces read like Java's decoder on the whole array. Java differs
     * from the Unicode practice (and Python, which made the goldens) only on encoded surrogates,
     * ED A0..BF: it gives one U+FFFD for the whole three bytes, so those inputs are left out here
     * and checked on their own above.
     */
    @Test
    void matchesWholeArrayDecodingOnRandomBytes() {
        Random random = new Random(20250601);
        byte[] alphabet = {0x41, (byte) 0x80, (byte) 0xBF, (byte) 0xC2, (byte) 0xDF, (byte) 0xE0, (byte) 0xE4,
                (byte) 0xED, (byte) 0xEF, (byte) 0xF0, (byte) 0xF4, (byte) 0xF5, (byte) 0xA0, (byte) 0x9F,
                (byte) 0x8F, (byte) 0x90, (byte) 0xC0, (byte) 0xFF};
        for (int round = 0; round < 2_000; round++) {
            byte[] bytes = new byte[random.nextInt(12)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = random.nextBoolean() ? alphabet[random.nextInt(alphabet.length)] : (byte) random.nextInt(256);
            }
            if (hasEncodedSurrogate(bytes)) {
                continue;
            }
            Utf8StreamDecoder d = new Utf8StreamDecoder();
            StringBuilder out = new StringBuilder();
            for (int pos = 0; pos < bytes.length; ) {
                int n = 1 + random.nextInt(bytes.length - pos);
                out.append(d.feed(bytes, pos, n));
                pos += n;
            }
            out.append(d.flush());
            assertEquals(new String(bytes, StandardCharsets.UTF_8), out.toString(), () -> "bytes " + Arrays.toString(bytes));
        }
    }

    private static boolean hasEncodedSurrogate(byte[] bytes) {
        for (int i = 0; i + 1 < bytes.length; i++) {
            if ((bytes[i] & 0xFF) == 0xED && (bytes[i + 1] & 0xFF) >= 0xA0 && (bytes[i + 1] & 0xFF) <= 0xBF) {
                return true;
            }
        }
        return false;
    }

    /** The characters wholly inside the first {@code n} bytes of valid UTF-8. */
    private static String completePrefix(byte[] validUtf8, int n) {
        int end = n;
        while (end > 0 && end < validUtf8.length && (validUtf8[end] & 0xC0) == 0x80) {
            end--;
        }
        return new String(validUtf8, 0, end, StandardCharsets.UTF_8);
    }
}
