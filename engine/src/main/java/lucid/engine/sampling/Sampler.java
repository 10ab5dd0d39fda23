package lucid.engine.sampling;

/**
 * One step of a {@link SamplerChain}, shaped like llama.cpp's {@code llama_sampler_i}: it narrows,
 * rescales or picks from the candidates ({@link #apply}), learns which token was kept
 * ({@link #accept}) and forgets what it learned ({@link #reset}).
 *
 * <p>Open for new kinds (grammar, DRY, XTC...) rather than sealed: the chain only needs these
 * four methods. Implementations are stateful and not thread-safe; a chain belongs to one session.
 */
public interface Sampler {

    /** Narrows, rescales or picks from {@code candidates}; a picking sampler calls {@link Candidates#select}. */
    void apply(Candidates candidates);

    /** Told the token that was actually kept, so history-based samplers (penalties) can count it. */
    default void accept(int token) {
    }

    /** Back to the state right after construction: no history, the random stream re-seeded. */
    default void reset() {
    }

    /** Short stable name, llama.cpp's where it has one ("top-k", "temp", "dist"...). */
    String name();
}
