package lucid.engine.tokenizer;

import java.util.Arrays;

/**
 * llama.cpp's "clean spaces" step of detokenizing byte-level BPE ({@code clean_spaces}, on for
 * GPT-2 and most older vocabularies; Hugging Face's {@code clean_up_tokenization_spaces}). Three
 * passes over the bytes, each reading the output of the one before:
 * <ol>
 *   <li>a space before {@code ?}, {@code !}, {@code .} or {@code ,} is dropped;</li>
 *   <li>an apostrophe between two spaces loses both ({@code "a ' b"} becomes {@code "a'b"}); the
 *       dropped space after it does not count as the space before the next apostrophe;</li>
 *   <li>a space before {@code 's}, {@code 'm}, {@code 're} or {@code 've} is dropped (not before
 *       {@code 't}, {@code 'd} or {@code 'll}, which llama.cpp leaves alone on purpose).</li>
 * </ol>
 * A space at the very start is dropped like any other. Decoding with this is lossy, which is why
 * some of the goldens' round trips are not exact.
 */
final class SpaceCleanup {

    private SpaceCleanup() {
    }

    static byte[] clean(byte[] text) {
        byte[] t = text.clone();
        int n = dropSpaceBeforePunctuation(t, t.length);
        n = joinApostropheBetweenSpaces(t, n);
        n = attachContractions(t, n);
        return Arrays.copyOf(t, n);
    }

    private static int dropSpaceBeforePunctuation(byte[] t, int n) {
        int out = 0;
        for (int i = 0; i < n; i++) {
            boolean dropsThisSpace = t[i] == ' ' && i + 1 < n && isCleanedPunctuation(t[i + 1]);
            if (!dropsThisSpace) {
                t[out++] = t[i];
            }
        }
        return out;
    }

    private static boolean isCleanedPunctuation(byte b) {
        return b == '?' || b == '!' || b == '.' || b == ',';
    }

    private static int joinApostropheBetweenSpaces(byte[] t, int n) {
        if (n == 0) {
            return 0;
        }
        int out = 1;
        boolean previousWasDroppedSpace = false;
        for (int i = 1; i < n; i++) {
            byte x = t[i];
            boolean spaceBefore = t[i - 1] == ' ' && !previousWasDroppedSpace;
            previousWasDroppedSpace = false;
            if (x == '\'' && i + 1 < n && spaceBefore && t[i + 1] == ' ') {
                out--;                        // the space before, already copied
                i++;                          // the space after, never copied
                previousWasDroppedSpace = true;
            }
            t[out++] = x;
        }
        return out;
    }

    private static int attachContractions(byte[] t, int n) {
        if (n == 0) {
            return 0;
        }
        int out = 1;
        for (int i = 1; i < n; i++) {
            byte x = t[i];
            if (t[i - 1] == ' ' && x == '\'' && i + 1 < n) {
                byte x1 = t[i + 1];
                boolean joins = x1 == 's' || x1 == 'm';
                if (!joins && x1 != 't' && x1 != 'd' && i + 2 < n) {
                    byte x2 = t[i + 2];
                    joins = (x1 == 'r' || x1 == 'v') && x2 == 'e';
                }
                if (joins) {
                    out--;
                }
            }
            t[out++] = x;
        }
        return out;
    }
}
