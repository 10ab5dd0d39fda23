package lucid.engine.inference;

import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

import lucid.engine.sampling.SamplerChain;
import lucid.engine.sampling.SamplingParams;
import lucid.engine.sampling.StopStringMatcher;
import lucid.engine.tokenizer.Tokenizer;
import lucid.engine.tokenizer.Utf8StreamDecoder;

/**
 * Runs the generation loop on a session: prefill the prompt, then sample, report and feed back one
 * token at a time until an end-of-generation token, the token limit, a stop string, a full context
 * or a cancel request.
 *
 * <p>The last sampled token is reported but not fed back into the session (nothing needs its
 * logits); a caller that continues the conversation prefills it together with the next input.
 */
public final class Generator {

    private final InferenceSession session;

    public Generator(InferenceSession session) {
        this.session = session;
    }

    /**
     * @param prompt   tokens to prefill (already tokenized, with BOS if wanted)
     * @param listener receives events on the calling thread; may be null
     */
    public GenerationResult generate(int[] prompt, SamplingParams params, Consumer<GenerationEvent> listener) {
        Consumer<GenerationEvent> events = listener == null ? e -> { } : listener;
        LoadedModel model = session.model();
        Tokenizer tokenizer = model.tokenizer();
        SamplerChain chain = SamplerChain.from(params, model.config().vocabSize());
        for (int t : session.tokens()) {
            chain.accept(t);
        }
        for (int t : prompt) {
            chain.accept(t);
        }
        Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        StopStringMatcher stops = new StopStringMatcher(params.stopStrings());
        StringBuilder text = new StringBuilder();
        int[] generated = new int[16];
        int count = 0;
        StopReason reason;
        long start = System.nanoTime();
        long promptNanos = 0;
        long firstToken = -1;
        try {
            float[] logits = session.prefill(prompt);
            promptNanos = System.nanoTime() - start;
            events.accept(new GenerationEvent.PromptProcessed(prompt.length, promptNanos));
            while (true) {
                int token = chain.sample(logits);
                chain.accept(token);
                if (count == generated.length) {
                    generated = Arrays.copyOf(generated, count * 2);
                }
                generated[count++] = token;
                if (firstToken < 0) {
                    firstToken = System.nanoTime() - start;
                }
                if (tokenizer.vocabulary().isEndOfGeneration(token)) {
                    events.accept(new GenerationEvent.TokenGenerated(token, ""));
                    reason = StopReason.END_OF_GENERATION;
                    break;
                }
                StopStringMatcher.Step step = stops.feed(decoder.feed(tokenizer.tokenPiece(token, false)));
                text.append(step.emit());
                events.accept(new GenerationEvent.TokenGenerated(token, step.emit()));
                if (step.stopped()) {
                    reason = StopReason.STOP_STRING;
                    break;
                }
                if (params.maxTokens() != SamplingParams.UNLIMITED && count >= params.maxTokens()) {
                    reason = StopReason.MAX_TOKENS;
                    break;
                }
                if (session.remaining() == 0) {
                    reason = StopReason.CONTEXT_FULL;
                    break;
                }
                logits = session.step(token);
            }
        } catch (CancellationException e) {
            reason = StopReason.CANCELLED;
        } catch (ContextFullException e) {
            if (count == 0) {
                throw e; // the prompt itself does not fit: that is the caller's error
            }
            reason = StopReason.CONTEXT_FULL;
        }
        if (reason != StopReason.STOP_STRING) {
            String rest = stops.feed(decoder.flush()).emit() + stops.flush();
            if (!rest.isEmpty()) {
                text.append(rest);
                events.accept(new GenerationEvent.TrailingText(rest));
            }
        }
        long end = System.nanoTime();
        Timings timings = new Timings(prompt.length, promptNanos, count, count == 0 ? 0 : end - start - promptNanos,
                firstToken);
        GenerationResult result = new GenerationResult(Arrays.copyOf(generated, count), text.toString(), reason, timings);
        events.accept(new GenerationEvent.Finished(reason, result.text(), timings));
        return result;
    }
}
