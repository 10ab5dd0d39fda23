package lucid.engine.sampling;

import java.util.List;
import java.util.Optional;

/**
 * Watches streamed text for stop strings ({@code lucid generate --stop STR}). Feed it each piece
 * of decoded text as it arrives; it says what may be shown now and whether generation must stop.
 *
 * <ul>
 *   <li>A stop string is never emitted, nor is anything after it.</li>
 *   <li>Text that could still be the start of a stop string is held back until the next piece
 *       decides: {@code "Hello\n\nUs"} with stop {@code "\n\nUser:"} emits {@code "Hello"} and
 *       holds {@code "\n\nUs"}.</li>
 *   <li>Generation stops at the first point in the text where any stop string is complete; if two
 *       complete there, the longer one wins, so none of it leaks. Because that point does not
 *       depend on how the text was cut into pieces, the emitted text does not either.</li>
 * </ul>
 *
 * <p>When generation ends for another reason (end of text, token limit), call {@link #flush} for
 * the held-back rest. Not thread-safe: one per generation.
 */
public final class StopStringMatcher {

    /**
     * What one piece of text allows.
     *
     * @param emit    text safe to show now (may be empty)
     * @param stopped true when a stop string completed: show {@code emit}, then end generation
     */
    public record Step(String emit, boolean stopped) {
    }

    private static final Step NOTHING_MORE = new Step("", true);

    private final List<String> stops;
    private final int longestStop;
    private String pending = "";   // received, not yet emitted: a possible start of a stop string
    private String matched;        // the stop string that fired, or null

    /** @param stopStrings none of them null or empty; an empty list never stops */
    public StopStringMatcher(List<String> stopStrings) {
        int longest = 0;
        for (String s : stopStrings) {
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be null or empty");
            }
            longest = Math.max(longest, s.length());
        }
        this.stops = List.copyOf(stopStrings);
        this.longestStop = longest;
    }

    /** Takes the next piece of generated text. After a stop, further pieces are ignored. */
    public Step feed(CharSequence piece) {
        if (matched != null) {
            return NOTHING_MORE;
        }
        String text = pending + piece;

        // Everything before `pending` was already checked, so any stop string here ends inside
        // `piece`: the earliest end found here is the earliest in the whole stream.
        int bestEnd = Integer.MAX_VALUE;
        int bestStart = -1;
        String bestStop = null;
        for (String stop : stops) {
            int start = text.indexOf(stop);
            if (start >= 0) {
                int end = start + stop.length();
                if (end < bestEnd || (end == bestEnd && start < bestStart)) {
                    bestEnd = end;
                    bestStart = start;
                    bestStop = stop;
                }
            }
        }
        if (bestStop != null) {
            matched = bestStop;
            pending = "";
            return new Step(text.substring(0, bestStart), true);
        }

        int hold = longestPossibleStopStart(text);
        pending = text.substring(text.length() - hold);
        return new Step(text.substring(0, text.length() - hold), false);
    }

    /**
     * Length of the longest suffix of {@code text} that is a proper prefix of some stop string.
     * Holding back the longest one is what guarantees no emitted character can belong to a stop
     * string completed later.
     */
    private int longestPossibleStopStart(String text) {
        int len = text.length();
        for (int from = Math.max(0, len - (longestStop - 1)); from < len; from++) {
            int suffixLength = len - from;
            for (String stop : stops) {
                if (stop.length() > suffixLength && stop.regionMatches(0, text, from, suffixLength)) {
                    return suffixLength;
                }
            }
        }
        return 0;
    }

    /** The held-back text, released because generation ended without a stop; empty after a stop. */
    public String flush() {
        String rest = pending;
        pending = "";
        return rest;
    }

    /** True once a stop string has completed. */
    public boolean isStopped() {
        return matched != null;
    }

    /** The stop string that ended generation, if one did. */
    public Optional<String> matchedStop() {
        return Optional.ofNullable(matched);
    }

    /** Text received but not yet emitted. */
    public String heldBack() {
        return pending;
    }

    /** Ready for a new generation. */
    public void reset() {
        pending = "";
        matched = null;
    }
}
