package lucid.engine.tokenizer;

/**
 * Turns token pieces, fed one at a time while generating, into text without ever showing half a
 * character. A byte-fallback token carries one byte of a multi-byte character, so a piece can end
 * (or start) inside a character; those bytes are held until the character completes.
 *
 * <p>Bytes that can no longer become a valid character are replaced by U+FFFD, one per maximal
 * invalid subpart as the Unicode standard recommends (and Python, which wrote the goldens), so a
 * stream decoded in pieces reads exactly like the whole byte sequence decoded at once. Overlong
 * forms, surrogates and code points above U+10FFFF are invalid. Java's own decoder differs on
 * encoded surrogates (one U+FFFD for ED A0 80, where the standard practice gives three), which is
 * why {@link #decodeAll} exists. Not thread-safe: one per stream.
 */
public final class Utf8StreamDecoder {

    private static final char REPLACEMENT = '\uFFFD';

    /** The start of a character still waiting for its continuation bytes (a full one just before it is emitted). */
    private final byte[] pending = new byte[4];
    private int pendingLength;
    /** The characters of the piece being fed, reused from piece to piece (one string per piece is left). */
    private final StringBuilder text = new StringBuilder();

    /** A whole byte sequence with the same replacement rule as streaming it. */
    public static String decodeAll(byte[] bytes) {
        Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        return decoder.feed(bytes) + decoder.flush();
    }

    /** Feeds one piece; returns the characters it completed (possibly none). */
    public String feed(byte[] piece) {
        return feed(piece, 0, piece.length);
    }

    public String feed(byte[] bytes, int offset, int length) {
        StringBuilder out = text;
        out.setLength(0);
        for (int i = offset; i < offset + length; i++) {
            accept(bytes[i], out);
        }
        return out.isEmpty() ? "" : out.toString();
    }

    /** Ends the stream: an incomplete character left over becomes U+FFFD. */
    public String flush() {
        if (pendingLength == 0) {
            return "";
        }
        pendingLength = 0;
        return String.valueOf(REPLACEMENT);
    }

    /** Whether bytes of an unfinished character are being held back. */
    public boolean hasPending() {
        return pendingLength > 0;
    }

    /**
     * The bytes of the unfinished character being held back (empty when none): what another decoder
     * must be {@linkplain #feed(byte[]) fed} first to go on with this stream.
     */
    public byte[] pendingBytes() {
        return java.util.Arrays.copyOf(pending, pendingLength);
    }

    /** Forgets held bytes, for starting a new stream (after a rewind, say). */
    public void reset() {
        pendingLength = 0;
    }

    private void accept(byte value, StringBuilder out) {
        int b = value & 0xFF;
        if (pendingLength > 0) {
            if (isValidContinuation(b)) {
                pending[pendingLength++] = value;
                if (pendingLength == sequenceLength(pending[0] & 0xFF)) {
                    out.appendCodePoint(decodePending());
                    pendingLength = 0;
                }
                return;
            }
            // The held prefix can never complete: it is one invalid subpart. The byte that broke
            // it starts afresh below.
            out.append(REPLACEMENT);
            pendingLength = 0;
        }
        if (b < 0x80) {
            out.append((char) b);
        } else if (sequenceLength(b) > 1) {
            pending[pendingLength++] = value;
        } else {
            out.append(REPLACEMENT);
        }
    }

    /** Bytes in a character starting with {@code lead}; 0 when it cannot start one. */
    private static int sequenceLength(int lead) {
        if (lead < 0x80) {
            return 1;
        }
        if (lead >= 0xC2 && lead <= 0xDF) {
            return 2;
        }
        if (lead >= 0xE0 && lead <= 0xEF) {
            return 3;
        }
        if (lead >= 0xF0 && lead <= 0xF4) {
            return 4;
        }
        return 0;
    }

    /**
     * Whether {@code b} may follow the held bytes. The second byte's range depends on the lead
     * (Unicode Table 3-7): that is what rules out overlongs, surrogates and values past U+10FFFF.
     */
    private boolean isValidContinuation(int b) {
        if (pendingLength == 1) {
            return switch (pending[0] & 0xFF) {
                case 0xE0 -> b >= 0xA0 && b <= 0xBF;
                case 0xED -> b >= 0x80 && b <= 0x9F;
                case 0xF0 -> b >= 0x90 && b <= 0xBF;
                case 0xF4 -> b >= 0x80 && b <= 0x8F;
                default -> b >= 0x80 && b <= 0xBF;
            };
        }
        return b >= 0x80 && b <= 0xBF;
    }

    private int decodePending() {
        int lead = pending[0] & 0xFF;
        int cp = switch (pendingLength) {
            case 2 -> lead & 0x1F;
            case 3 -> lead & 0x0F;
            default -> lead & 0x07;
        };
        for (int i = 1; i < pendingLength; i++) {
            cp = (cp << 6) | (pending[i] & 0x3F);
        }
        return cp;
    }
}
