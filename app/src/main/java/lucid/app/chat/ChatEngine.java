package lucid.app.chat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import lucid.engine.inference.GenerationEvent;
import lucid.engine.inference.GenerationResult;
import lucid.engine.inference.Generator;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.inference.Warmup;
import lucid.engine.inspect.Distribution;
import lucid.engine.inspect.TokenProbability;
import lucid.engine.sampling.SamplingParams;

/**
 * A loaded model in chat use: turns conversations into prompt tokens and runs replies, keeping one
 * session whose KV cache is reused when the next prompt extends what it already holds (a follow-up
 * message prefills only the new turns). Generation runs on the caller's thread: a worker, never FX.
 */
public final class ChatEngine implements AutoCloseable {

    private final LoadedModel model;
    private final PromptFormat format;
    private InferenceSession session;
    private volatile Warmup warming;
    private volatile boolean cancelRequested;

    public ChatEngine(LoadedModel model, PromptFormat format) {
        this.model = model;
        this.format = format;
    }

    public LoadedModel model() {
        return model;
    }

    public PromptFormat format() {
        return format;
    }

    /** The context a session would get for a requested length: at most the model's. */
    public int effectiveContext(int requested) {
        return Math.max(1, Math.min(requested, model.config().contextLength()));
    }

    /**
     * The tokens of a conversation, ready to prefill.
     *
     * @param systemTokens  tokens the system prompt takes (its share of the context bar)
     * @param dropped       oldest messages left out to make room (0 unless truncation was asked for)
     */
    public record Prompt(int[] tokens, int systemTokens, int dropped) {
        public int historyTokens() {
            return tokens.length - systemTokens;
        }
    }

    /** Thrown when a prompt plus the room kept for the reply does not fit in the context. */
    public static final class ContextOverflowException extends Exception {
        private final int needed;
        private final int available;

        public ContextOverflowException(int needed, int available) {
            super("the conversation needs " + needed + " tokens but the context holds " + available);
            this.needed = needed;
            this.available = available;
        }

        public int needed() {
            return needed;
        }

        public int available() {
            return available;
        }
    }

    /**
     * Renders and tokenizes {@code turns} (a leading SYSTEM turn is the system prompt).
     *
     * @param reserve  tokens kept free for the reply
     * @param truncate leave the oldest messages out until it fits, instead of failing
     */
    public Prompt prompt(List<PromptFormat.Turn> turns, int context, int reserve, boolean truncate)
            throws ContextOverflowException {
        int ctx = effectiveContext(context);
        boolean hasSystem = !turns.isEmpty() && turns.getFirst().role() == Role.SYSTEM;
        int systemTokens = hasSystem ? tokenize(format.render(turns.subList(0, 1), false)).length : 0;
        List<PromptFormat.Turn> kept = new ArrayList<>(turns);
        int dropped = 0;
        while (true) {
            int[] tokens = tokenize(format.render(kept, true));
            if (tokens.length + reserve <= ctx) {
                return new Prompt(tokens, Math.min(systemTokens, tokens.length), dropped);
            }
            int firstDroppable = hasSystem ? 1 : 0;
            if (!truncate || kept.size() - firstDroppable <= 1) {
                throw new ContextOverflowException(tokens.length + reserve, ctx);
            }
            kept.remove(firstDroppable);
            dropped++;
        }
    }

    public int[] tokenize(String text) {
        int[] tokens = model.tokenizer().encode(text, true, format != PromptFormats.PLAIN);
        // Templates write the BOS text themselves; with the tokenizer's own that would make two.
        var bos = model.tokenizer().vocabulary().bos();
        if (tokens.length > 1 && bos.isPresent() && tokens[0] == bos.getAsInt() && tokens[1] == bos.getAsInt()) {
            return Arrays.copyOfRange(tokens, 1, tokens.length);
        }
        return tokens;
    }

    public int countTokens(String text) {
        return text.isEmpty() ? 0 : model.tokenizer().encode(text, false, false).length;
    }

    /**
     * Generates a reply to {@code prompt}, reusing the cached prefix the session shares with it.
     * Returns with {@link lucid.engine.inference.StopReason#CANCELLED} after {@link #cancel()}.
     */
    public GenerationResult generate(int[] prompt, SamplingParams params, int context,
                                     Consumer<GenerationEvent> listener) {
        return generate(prompt, params, context, listener, null);
    }

    /** How many alternatives are kept for each recorded token. */
    public static final int RECORDED_ALTERNATIVES = 10;

    /**
     * As {@link #generate(int[], SamplingParams, int, Consumer)}, and when {@code probabilities} is
     * not null it receives each generated token's probability, rank, entropy, top
     * {@value #RECORDED_ALTERNATIVES} alternatives and every sampler stage, on the generating thread.
     */
    public GenerationResult generate(int[] prompt, SamplingParams params, int context,
                                     Consumer<GenerationEvent> listener, Consumer<TokenProbability> probabilities) {
        return generate(prompt, params, context, listener, probabilities, prompt.length);
    }

    /**
     * As above, and the prompt tokens from {@code recordFrom} on are recorded too (as not generated):
     * a branch that continues a reply from a token the user picked passes the reply's earlier tokens
     * and the picked one as prompt, and gets the picked token's probability under the same context.
     * The cached prefix is reused up to the token before {@code recordFrom}, whose logits are needed.
     */
    public GenerationResult generate(int[] prompt, SamplingParams params, int context,
                                     Consumer<GenerationEvent> listener,
                                     Consumer<TokenProbability> probabilities, int recordFrom) {
        return generate(prompt, params, context, listener, probabilities, recordFrom, new byte[0]);
    }

    /**
     * As above, for a reply whose text so far ends inside a character: {@code heldBytes} are its
     * bytes so far (from {@link lucid.engine.tokenizer.Utf8StreamDecoder#pendingBytes()}), and the
     * streamed text completes it (see {@link Generator#continuingAfter}).
     */
    public synchronized GenerationResult generate(int[] prompt, SamplingParams params, int context,
                                                  Consumer<GenerationEvent> listener,
                                                  Consumer<TokenProbability> probabilities, int recordFrom,
                                                  byte[] heldBytes) {
        int ctx = effectiveContext(context);
        if (session == null || session.contextLength() != ctx) {
            session = model.newSession(ctx);
        }
        int[] cached = session.tokens();
        int common = 0;
        while (common < cached.length && common < prompt.length && cached[common] == prompt[common]) {
            common++;
        }
        // The last prompt token must go through the model again to give logits; so must the one
        // before the first recorded prompt token.
        common = Math.min(common, Math.max(0, Math.min(prompt.length, recordFrom) - 1));
        session.rewind(cached.length - common);
        session.clearCancel();
        if (cancelRequested) {
            session.cancel();
        }
        try {
            int start = common;
            if (probabilities != null && recordFrom < prompt.length && recordFrom - 1 > common) {
                // What comes before the recorded tokens needs no logits at every position.
                session.prefill(Arrays.copyOfRange(prompt, common, recordFrom - 1));
                start = recordFrom - 1;
            }
            Generator generator = new Generator(session).continuingAfter(heldBytes);
            if (probabilities != null) {
                Distribution distribution = new Distribution(model.tokenizer(), RECORDED_ALTERNATIVES);
                Consumer<TokenProbability> sink = p -> {
                    if (p.generated() || p.position() >= recordFrom) {
                        probabilities.accept(p);
                    }
                };
                if (recordFrom < prompt.length) {
                    generator.recordProbabilities(distribution, true, sink);
                } else {
                    generator.recordGeneratedProbabilities(distribution, true, sink);
                }
            }
            return generator.generate(Arrays.copyOfRange(prompt, start, prompt.length), params, listener);
        } catch (java.util.concurrent.CancellationException e) {
            // Cancelled while the prefix before the recorded tokens was prefilled: nothing generated.
            return new GenerationResult(new int[0], "", lucid.engine.inference.StopReason.CANCELLED,
                    new lucid.engine.inference.Timings(0, 0, 0, 0, -1));
        } finally {
            cancelRequested = false;
        }
    }

    /**
     * Runs {@link Warmup} on a session of its own, so that the first reply does not wait for the JIT
     * to compile the kernels. A generation asked for meanwhile waits for it (a few seconds at most on
     * a fresh JVM); {@link #cancel} stops it, and leaves the cancel standing for a generation already
     * waiting, as it would for any. Returns whether it ran to the end.
     */
    public synchronized boolean warmUp() {
        Warmup w = new Warmup(model);
        warming = w;
        try {
            return !cancelRequested && w.run();
        } finally {
            warming = null;
        }
    }

    /** Tokens of the last prompt that were served from the cache; for tests and stats. */
    public int cachedTokens() {
        return session == null ? 0 : session.position();
    }

    /** Stops a running (or about to start) generation; safe from any thread. */
    public void cancel() {
        cancelRequested = true;
        InferenceSession s = session;
        if (s != null) {
            s.cancel();
        }
        Warmup w = warming;
        if (w != null) {
            w.cancel();
        }
    }

    /** Waits for a running generation (cancel it first) so the weights are never unmapped under it. */
    @Override
    public synchronized void close() {
        model.close();
    }
}
