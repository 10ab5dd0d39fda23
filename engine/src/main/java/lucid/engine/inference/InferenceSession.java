package lucid.engine.inference;

import java.util.Arrays;
import java.util.concurrent.CancellationException;

import lucid.engine.model.BatchState;
import lucid.engine.model.ForwardObserver;
import lucid.engine.model.ForwardState;
import lucid.engine.model.KvCache;
import lucid.engine.model.Transformer;

/**
 * One conversation's state on a loaded model: the tokens processed so far and their keys and values.
 *
 * <p>{@link #prefill} feeds prompt tokens, {@link #step} feeds one token and returns the next-token
 * logits, {@link #rewind} forgets the last tokens (their cache rows are simply overwritten later),
 * and {@link #cancel} asks a running prefill or generation, from any thread, to stop at the next
 * token boundary (for a prefill, the next chunk of up to {@link BatchState#DEFAULT_CAPACITY} prompt
 * tokens, which run as one batched pass) with a {@link CancellationException}. A session is used by one thread at a time.
 */
public final class InferenceSession implements AutoCloseable {

    /** Receives the next-token logits at each prompt position. The array is reused: copy what you keep. */
    @FunctionalInterface
    public interface LogitsSink {
        void accept(int position, float[] logits);
    }

    private final LoadedModel model;
    private final Transformer transformer;
    private final int contextLength;
    private final KvCache cache;
    private final ForwardState state;
    private final BatchState batch; // prompt chunks of up to BatchState.DEFAULT_CAPACITY tokens
    private final int[] tokens; // (contextLength) tokens at positions 0 .. position-1
    private int position;
    private boolean partial; // after prefillLayers: later blocks' cache is not filled until reset()
    private volatile boolean cancelRequested;

    InferenceSession(LoadedModel model, int contextLength) {
        this.model = model;
        this.transformer = model.transformer();
        this.contextLength = contextLength;
        var c = transformer.config();
        this.cache = new KvCache(c.blockCount(), contextLength, c.headCountKv(), c.headDim());
        this.state = new ForwardState(c, contextLength);
        this.batch = new BatchState(c, Math.min(BatchState.DEFAULT_CAPACITY, contextLength));
        this.tokens = new int[contextLength];
    }

    public LoadedModel model() {
        return model;
    }

    /** Number of tokens processed so far: the position the next token takes. */
    public int position() {
        return position;
    }

    public int contextLength() {
        return contextLength;
    }

    public int remaining() {
        return contextLength - position;
    }

    /** The tokens processed so far. */
    public int[] tokens() {
        return Arrays.copyOf(tokens, position);
    }

    /**
     * Processes {@code prompt} and returns the logits for the token after its last one (a fresh array).
     *
     * @throws ContextFullException  when the prompt does not fit in what is left of the context
     * @throws CancellationException when {@link #cancel()} was called meanwhile; the tokens processed
     *                               before it stay in the session
     */
    public float[] prefill(int[] prompt) {
        return prefill(prompt, null);
    }

    /** As {@link #prefill(int[])}, also handing the logits of every prompt position to {@code sink}. */
    public float[] prefill(int[] prompt, LogitsSink sink) {
        requireComplete();
        if (prompt.length == 0) {
            throw new IllegalArgumentException("empty prompt");
        }
        if (prompt.length > remaining()) {
            throw new ContextFullException(contextLength);
        }
        int vocab = transformer.config().vocabSize();
        for (int token : prompt) {
            if (token < 0 || token >= vocab) {
                throw new IllegalArgumentException("token id " + token + " is outside the vocabulary (0.." + (vocab - 1) + ")");
            }
        }
        if (prompt.length == 1) {
            // One token is a decode step: the matrix-vector path is the faster one.
            checkCancelled();
            forward(prompt[0], true);
            if (sink != null) {
                sink.accept(position - 1, state.logits());
            }
            return state.logits().clone();
        }
        var backend = model.backend();
        Transformer.BatchRowSink rowSink = sink == null ? null : sink::accept;
        for (int from = 0; from < prompt.length; from += batch.capacity()) {
            checkCancelled();
            int n = Math.min(batch.capacity(), prompt.length - from);
            if (sink != null) {
                transformer.forwardBatch(backend, state, batch, cache, prompt, from, n, position);
                transformer.projectBatch(backend, state, batch, n, position, rowSink);
            } else {
                transformer.forwardPrompt(backend, state, batch, cache, prompt, from, n, position,
                        from + n == prompt.length);
            }
            System.arraycopy(prompt, from, tokens, position, n);
            position += n;
        }
        return state.logits().clone();
    }

    /**
     * Inspection's pass: runs {@code prompt} from the start of this (empty) session through the first
     * {@code layers} blocks only, in batched chunks, for the observer to watch; no logits. It costs a
     * fraction of a full prefill when only early layers are looked at. The later blocks' cache is not
     * filled, so the session must be {@link #reset} before anything else runs on it.
     *
     * @param progress receives the number of tokens processed after each chunk (may be null)
     * @throws CancellationException when {@link #cancel()} was called meanwhile
     */
    public void prefillLayers(int[] prompt, int layers, java.util.function.IntConsumer progress) {
        if (position != 0) {
            throw new IllegalStateException("prefillLayers runs on an empty session; it is at position " + position);
        }
        if (prompt.length == 0) {
            throw new IllegalArgumentException("empty prompt");
        }
        if (prompt.length > remaining()) {
            throw new ContextFullException(contextLength);
        }
        int vocab = transformer.config().vocabSize();
        for (int token : prompt) {
            if (token < 0 || token >= vocab) {
                throw new IllegalArgumentException("token id " + token + " is outside the vocabulary (0.." + (vocab - 1) + ")");
            }
        }
        partial = true;
        for (int from = 0; from < prompt.length; from += batch.capacity()) {
            checkCancelled();
            int n = Math.min(batch.capacity(), prompt.length - from);
            transformer.forwardBatch(model.backend(), state, batch, cache, prompt, from, n, position, layers);
            System.arraycopy(prompt, from, tokens, position, n);
            position += n;
            if (progress != null) {
                progress.accept(position);
            }
        }
    }

    private void requireComplete() {
        if (partial) {
            throw new IllegalStateException("the session ran only some layers (prefillLayers); reset it first");
        }
    }

    /**
     * Processes one token and returns the logits for the next. The array is the session's own and is
     * overwritten by the next call: copy what you keep.
     */
    public float[] step(int token) {
        requireComplete();
        if (remaining() == 0) {
            throw new ContextFullException(contextLength);
        }
        checkCancelled();
        forward(token, true);
        return state.logits();
    }

    /**
     * Lets {@code observer} watch the following forward passes (null stops watching). Inspection uses
     * it; without one the passes are unchanged.
     */
    public void setObserver(ForwardObserver observer) {
        state.setObserver(observer);
    }

    /**
     * Applies the model's final norm and output projection to a residual-stream vector (dim): the
     * logit lens. Returns a fresh array of logits.
     */
    public float[] projectResidual(float[] residual) {
        int dim = transformer.config().embeddingLength();
        if (residual.length != dim) {
            throw new IllegalArgumentException("residual has " + residual.length + " values, the model's width is " + dim);
        }
        float[] logits = new float[transformer.config().vocabSize()];
        transformer.project(model.backend(), residual, new float[dim], logits);
        return logits;
    }

    /** Forgets the last {@code count} tokens. */
    public void rewind(int count) {
        if (count < 0 || count > position) {
            throw new IllegalArgumentException("cannot rewind " + count + " tokens from position " + position);
        }
        position -= count;
    }

    /** Forgets everything. */
    public void reset() {
        position = 0;
        partial = false;
        cancelRequested = false;
    }

    /** Asks the running prefill or generation to stop; safe from any thread. */
    public void cancel() {
        cancelRequested = true;
    }

    /** Clears a cancel request that was honoured, so the session can be used again. */
    public void clearCancel() {
        cancelRequested = false;
    }

    public boolean isCancelRequested() {
        return cancelRequested;
    }

    void checkCancelled() {
        if (cancelRequested) {
            cancelRequested = false;
            throw new CancellationException("cancelled at position " + position);
        }
    }

    private void forward(int token, boolean computeLogits) {
        int vocab = transformer.config().vocabSize();
        if (token < 0 || token >= vocab) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary (0.." + (vocab - 1) + ")");
        }
        transformer.forward(model.backend(), state, cache, token, position, computeLogits);
        tokens[position] = token;
        position++;
    }

    @Override
    public void close() {
        // The cache is plain heap memory; nothing native to release. Present so callers can scope sessions.
    }
}
