package lucid.app.workbench;

import lucid.engine.tokenizer.Tokenizer;

/**
 * Where a model's tokenizer cuts a text: the character offset at which each token starts, for
 * editors that shade alternate tokens. Offsets come from the tokens' own bytes (as the model
 * reads them back), mapped to UTF-16 positions; a token ending inside a character is merged with
 * the next one, since the editor cannot draw a boundary through a character.
 *
 * @param starts char offset of each token's start, ascending, all below the text's length
 * @param tokens how many tokens the text is
 */
public record TokenBoundaries(int[] starts, int tokens) {

    public static final TokenBoundaries NONE = new TokenBoundaries(new int[0], 0);

    /** Tokens of {@code text} as written (no BOS added; control tokens written in it are matched). */
    public static TokenBoundaries of(Tokenizer tokenizer, String text) {
        if (text.isEmpty()) {
            return NONE;
        }
        int[] ids = tokenizer.encode(text, false, true);
        int[] starts = new int[ids.length];
        int count = 0;
        int bytes = 0; // bytes of the text written by the tokens so far
        boolean removeSpace = tokenizer.vocabulary().addSpacePrefix() && !text.startsWith(" ");
        byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int walkedBytes = 0; // walked forward only, so the whole text is read once
        int walkedChars = 0;
        for (int id : ids) {
            int start = -1;
            if (bytes <= utf8.length && (bytes == utf8.length || (utf8[bytes] & 0xC0) != 0x80)) {
                while (walkedBytes < bytes) {
                    int b = utf8[walkedBytes++] & 0xFF;
                    if ((b & 0xC0) != 0x80) {
                        walkedChars += b >= 0xF0 ? 2 : 1;
                    }
                }
                start = walkedChars;
            }
            if (start >= 0 && start < text.length() && (count == 0 || start > starts[count - 1])) {
                starts[count++] = start;
            }
            int length = tokenizer.tokenPiece(id, true).length;
            if (removeSpace && length > 0) {
                length--;
                removeSpace = false;
            }
            bytes += length;
        }
        return new TokenBoundaries(java.util.Arrays.copyOf(starts, count), ids.length);
    }
}
