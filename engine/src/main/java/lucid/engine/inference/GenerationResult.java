package lucid.engine.inference;

/**
 * The outcome of {@link Generator#generate}.
 *
 * @param tokens  every sampled token, including an end-of-generation token if that ended it; the
 *                last one has not been fed to the session yet (see {@link Generator})
 * @param text    the text emitted (stop string and end-of-generation token excluded)
 * @param reason  why it ended
 * @param timings how long it took
 */
public record GenerationResult(int[] tokens, String text, StopReason reason, Timings timings) {
    public GenerationResult {
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }
}
