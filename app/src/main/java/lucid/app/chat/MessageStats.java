package lucid.app.chat;

import lucid.engine.inference.StopReason;
import lucid.engine.inference.Timings;

/**
 * What a reply cost: shown under it and kept with it.
 *
 * @param tokens           tokens generated
 * @param tokensPerSecond  decode speed
 * @param firstTokenMillis time from send to the first token (prefill included)
 * @param promptTokens     tokens the model had to process for this reply (after KV-cache reuse)
 * @param stopReason       why it ended, or null while it streams
 */
public record MessageStats(int tokens, double tokensPerSecond, long firstTokenMillis, int promptTokens,
                           StopReason stopReason) {

    public static MessageStats of(Timings t, StopReason reason) {
        return new MessageStats(t.generatedTokens(), t.generationTokensPerSecond(),
                t.firstTokenNanos() < 0 ? -1 : t.firstTokenNanos() / 1_000_000, t.promptTokens(), reason);
    }
}
