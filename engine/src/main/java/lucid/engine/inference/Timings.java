package lucid.engine.inference;

/**
 * How long a generation took.
 *
 * @param promptTokens      tokens of the prompt processed
 * @param promptNanos       time to process them (prefill)
 * @param generatedTokens   tokens sampled
 * @param generationNanos   time from the end of prefill to the last token
 * @param firstTokenNanos   time from the start until the first new token was known, or -1
 */
public record Timings(int promptTokens, long promptNanos, int generatedTokens, long generationNanos,
                      long firstTokenNanos) {

    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
    }

    /** Decode speed; the first token is produced by prefill, so it is not counted here. */
    public double generationTokensPerSecond() {
        return generationNanos == 0 || generatedTokens <= 1 ? 0 : (generatedTokens - 1) * 1e9 / generationNanos;
    }

    @Override
    public String toString() {
        return String.format("prompt: %d tokens in %.1f ms (%.1f tok/s) | generation: %d tokens in %.1f ms (%.1f tok/s)"
                        + " | first token after %.1f ms",
                promptTokens, promptNanos / 1e6, promptTokensPerSecond(), generatedTokens, generationNanos / 1e6,
                generationTokensPerSecond(), firstTokenNanos / 1e6);
    }
}
