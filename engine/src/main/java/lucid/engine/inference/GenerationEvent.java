package lucid.engine.inference;

/** What a running generation reports to its listener, in this order: prompt, tokens, finished. */
public sealed interface GenerationEvent {

    /** The prompt went through the model. */
    record PromptProcessed(int tokens, long nanos) implements GenerationEvent {
    }

    /**
     * A token was sampled.
     *
     * @param token the token id
     * @param text  text that may be shown now: complete characters only, with anything that could
     *              still become a stop string held back (so it can be empty)
     */
    record TokenGenerated(int token, String text) implements GenerationEvent {
    }

    /**
     * Text held back until the end (an incomplete character, or the start of a stop string that never
     * completed), released when generation ends for another reason.
     */
    record TrailingText(String text) implements GenerationEvent {
    }

    /** Generation ended; {@code text} is the whole generated text as emitted. */
    record Finished(StopReason reason, String text, Timings timings) implements GenerationEvent {
    }
}
