package lucid.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * GPT-2's byte-to-character table: byte-level BPE vocabularies spell every byte as one printable
 * character, so that token texts are ordinary strings without spaces or control characters.
 *
 * <p>The printable Latin-1 bytes ({@code !}..{@code ~}, {@code ¡}..{@code ¬}, {@code ®}..{@code ÿ})
 * stand for themselves; the other 68 bytes (controls, space, DEL, NBSP, soft hyphen), in increasing
 * order, become U+0100..U+0143. So a space is {@code Ġ} (U+0120) and a newline {@code Ċ} (U+010A).
 */
final class ByteLevelAlphabet {

    /** The first character used for a byte that does not stand for itself. */
    private static final int FIRST_SHIFTED = 0x100;

    /** (256) the character that spells each byte */
    private static final char[] CHAR_OF_BYTE = new char[256];
    /** (0x144) the byte each character spells, -1 for characters outside the alphabet */
    private static final int[] BYTE_OF_CHAR = new int[FIRST_SHIFTED + 68];

    static {
        Arrays.fill(BYTE_OF_CHAR, -1);
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            char c = standsForItself(b) ? (char) b : (char) (FIRST_SHIFTED + shifted++);
            CHAR_OF_BYTE[b] = c;
            BYTE_OF_CHAR[c] = b;
        }
    }

    private ByteLevelAlphabet() {
    }

    private static boolean standsForItself(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    static char charOf(int b) {
        return CHAR_OF_BYTE[b & 0xFF];
    }

    /** The byte a code point spells, or -1 when it is not one of the 256 alphabet characters. */
    static int byteOf(int codePoint) {
        return codePoint >= 0 && codePoint < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[codePoint] : -1;
    }

    /** {@code bytes[from, to)} spelled in the alphabet: the form merges and token texts use. */
    static String spell(byte[] bytes, int from, int to) {
        char[] chars = new char[to - from];
        for (int i = from; i < to; i++) {
            chars[i - from] = CHAR_OF_BYTE[bytes[i] & 0xFF];
        }
        return new String(chars);
    }

    /**
     * The bytes a normal token's text spells (llama.cpp's {@code llama_decode_text}). A character
     * outside the alphabet cannot be turned back into a byte; llama.cpp then writes
     * {@code [UNK_BYTE_0x<its UTF-8 in hex><the whole token text>]} in its place, and so do we, so
     * that such tokens render identically.
     */
    static byte[] unspell(String tokenText) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(tokenText.length());
        for (int i = 0; i < tokenText.length(); ) {
            int cp = tokenText.codePointAt(i);
            i += Character.charCount(cp);
            int b = byteOf(cp);
            if (b >= 0) {
                out.write(b);
                continue;
            }
            StringBuilder unknown = new StringBuilder("[UNK_BYTE_0x");
            for (byte u : Character.toString(cp).getBytes(StandardCharsets.UTF_8)) {
                unknown.append(String.format("%02x", u & 0xFF));
            }
            unknown.append(tokenText).append(']');
            out.writeBytes(unknown.toString().getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}
