package lucid.engine.inference;

/**
 * A throwaway prompt and a few decode steps, run before a user's first prompt so that the JIT has
 * compiled the kernels the model's weight types use. Until C2 compiles them, the Vector API kernels
 * run in the interpreter or in C1, many times slower: in a fresh JVM a 20-token prompt took 1.2 s on a
 * smollm-135m Q4_0 file whose warmed prefill needs about 30 ms (docs/PERFORMANCE.md). The app runs
 * this while the user reads the loaded model's details and types; the tokens are arbitrary ids, and
 * nothing of its session outlives {@link #run}. A model with a context shorter than
 * {@code PROMPT_TOKENS + STEPS} gets a proportionally shorter run.
 */
public final class Warmup {

    /** Prompt tokens: enough for the batched prefill path and its kernels. */
    public static final int PROMPT_TOKENS = 32;

    /** Decode steps after the prompt: the matrix-vector kernels and decode attention. */
    public static final int STEPS = 24;

    private final LoadedModel model;
    private volatile boolean cancelled;
    private volatile InferenceSession session;

    /** A warm-up of {@code model}; nothing runs until {@link #run}. */
    public Warmup(LoadedModel model) {
        this.model = model;
    }

    /**
     * Runs the prompt and the steps in a session of its own, closed before it returns. Returns
     * whether it ran to the end: false when {@link #cancel} came first or stopped it.
     */
    public boolean run() {
        try (InferenceSession s = model.newSession(PROMPT_TOKENS + STEPS)) {
            session = s;
            if (cancelled) {
                return false;
            }
            int vocab = model.config().vocabSize();
            int prompt = Math.max(1, Math.min(PROMPT_TOKENS, s.contextLength() / 2));
            int steps = Math.min(STEPS, s.contextLength() - prompt);
            int[] tokens = new int[prompt];
            for (int i = 0; i < prompt; i++) {
                tokens[i] = (int) ((i * 7919L + 1) % vocab); // spread over the embedding rows
            }
            s.prefill(tokens);
            for (int i = 0; i < steps; i++) {
                s.step((int) ((i * 104_729L + 3) % vocab));
            }
            return true;
        } catch (java.util.concurrent.CancellationException e) {
            return false;
        } finally {
            session = null;
        }
    }

    /** Stops a running warm-up, or one about to run; safe from any thread. */
    public void cancel() {
        cancelled = true;
        InferenceSession s = session;
        if (s != null) {
            s.cancel();
        }
    }
}
