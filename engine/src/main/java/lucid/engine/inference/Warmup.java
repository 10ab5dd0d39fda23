package lucid.engine.inference;

/**
 * A throwaway prompt and a few decode steps, run before a user's first prompt so that the JIT has
 * compiled the kernels the model's weight types use. Until C2 compiles them, the Vector API kernels
 * run in the interpreter or in C1, many times slower: in a fresh JVM a 20-token prompt took 1.2 s on a
 * smollm-135m Q4_0 file whose warmed prefill needs about 30 ms (docs/PERFORMANCE.md). The app runs
 * this while the user reads the loaded model's details and types; the tokens are arbitrary ids, and
 * nothing of the session outlives the call.
 */
public final class Warmup {

    /** Prompt tokens: enough for the batched prefill path and its kernels. */
    public static final int PROMPT_TOKENS = 32;

    /** Decode steps after the prompt: the matrix-vector kernels and decode attention. */
    public static final int STEPS = 24;

    private Warmup() {
    }

    /** Positions a session needs for {@link #run}. */
    public static int contextLength() {
        return PROMPT_TOKENS + STEPS;
    }

    /**
     * Runs the prompt and the steps on {@code session}, which must be empty. {@link InferenceSession#cancel}
     * from another thread stops it with a {@link java.util.concurrent.CancellationException}; a session
     * shorter than {@link #contextLength()} gets a proportionally shorter run.
     */
    public static void run(InferenceSession session) {
        if (session.position() != 0) {
            throw new IllegalStateException("warm-up needs an empty session, this one holds " + session.position() + " tokens");
        }
        int vocab = session.model().config().vocabSize();
        int prompt = Math.max(1, Math.min(PROMPT_TOKENS, session.contextLength() / 2));
        int steps = Math.min(STEPS, session.contextLength() - prompt);
        int[] tokens = new int[prompt];
        for (int i = 0; i < prompt; i++) {
            tokens[i] = (int) ((i * 7919L + 1) % vocab); // spread over the embedding rows
        }
        session.prefill(tokens);
        for (int i = 0; i < steps; i++) {
            session.step((int) ((i * 104_729L + 3) % vocab));
        }
    }
}
