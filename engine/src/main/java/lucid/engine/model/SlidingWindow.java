package lucid.engine.model;

/**
 * Sliding-window attention: in a sliding layer, the query at position p sees only keys at
 * positions {@code p - size + 1 .. p} (a key at distance {@code >= size} is masked, as llama.cpp's
 * LLAMA_SWA_TYPE_STANDARD).
 *
 * <p>Which layers slide follows llama.cpp's {@code set_swa_pattern(pattern)}: layer {@code l} slides
 * when {@code l % pattern < pattern - 1}, so every {@code pattern}-th layer is global (Gemma 2:
 * pattern 2, even layers slide; Gemma 3: pattern 6, five local layers to one global); pattern 0
 * makes every layer slide.
 *
 * @param size      window in positions; 0 = no sliding window
 * @param pattern   as above
 * @param localRopeTheta RoPE base of the sliding layers when it differs from the model's (Gemma 3:
 *                  10000, unscaled); 0 = the same RoPE as the global layers
 */
public record SlidingWindow(int size, int pattern, float localRopeTheta) {

    public static final SlidingWindow NONE = new SlidingWindow(0, 0, 0f);

    public SlidingWindow {
        if (size < 0 || pattern < 0 || localRopeTheta < 0) {
            throw new UnsupportedModelException("sliding window " + size + " with pattern " + pattern
                    + " and local rope base " + localRopeTheta + " is not valid");
        }
    }

    public static SlidingWindow everyLayer(int size) {
        return new SlidingWindow(size, 0, 0f);
    }

    public boolean isEnabled() {
        return size > 0;
    }

    public boolean slides(int layer) {
        return size > 0 && (pattern == 0 || layer % pattern < pattern - 1);
    }

    /** Whether sliding layers use a RoPE of their own. */
    public boolean hasLocalRope() {
        return size > 0 && localRopeTheta > 0;
    }
}
