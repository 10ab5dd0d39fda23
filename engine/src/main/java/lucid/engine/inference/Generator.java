package lucid.engine.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;

import lucid.engine.inspect.Distribution;
import lucid.engine.inspect.SampledView;
import lucid.engine.inspect.SamplerStage;
import lucid.engine.inspect.TokenProbability;
import lucid.engine.sampling.CandidatesView;
import lucid.engine.sampling.SamplerChain;
import lucid.engine.sampling.SamplingParams;
import lucid.engine.sampling.StageObserver;
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
    private Distribution probabilities;
    private boolean recordStages;
    private Consumer<TokenProbability> probabilitySink;
    private boolean recordPrompt;
    private byte[] heldBytes = new byte[0];

    public Generator(InferenceSession session) {
        this.session = session;
    }

    /**
     * Also reports, for every prompt token after the first and every generated token, its
     * probability, rank and alternatives under the model and under the sampler's distribution
     * (with each sampler stage when {@code stages} is set). Costs a softmax and a top-k pass per
     * token, and logits at every prompt position; without this call generation does neither.
     */
    public Generator recordProbabilities(Distribution distribution, boolean stages, Consumer<TokenProbability> sink) {
        this.probabilities = distribution;
        this.recordStages = stages;
        this.probabilitySink = sink;
        this.recordPrompt = true;
        return this;
    }

    /**
     * As {@link #recordProbabilities}, but for generated tokens only: the prompt is prefilled without
     * logits at every position, so on a large vocabulary prefill costs no more than without recording.
     */
    public Generator recordGeneratedProbabilities(Distribution distribution, boolean stages,
                                                  Consumer<TokenProbability> sink) {
        recordProbabilities(distribution, stages, sink);
        this.recordPrompt = false;
        return this;
    }

    /**
     * Prefills while reporting each prompt token's probability given the tokens before it. The
     * sampler's view of a prompt token comes from a separate chain with the same settings, so the
     * generation's own random stream is not disturbed.
     */
    private float[] prefillRecording(int[] prompt, SamplingParams params) {
        SamplerChain observing = SamplerChain.from(params.withSeed(0), session.model().config().vocabSize());
        StageRecorder recorder = new StageRecorder(probabilities, recordStages);
        observing.setStageObserver(recorder);
        for (int t : session.tokens()) {
            observing.accept(t);
        }
        int base = session.position();
        observing.accept(prompt[0]);
        return session.prefill(prompt, (pos, logits) -> {
            int next = pos - base + 1;
            if (next < prompt.length) {
                recorder.clear();
                observing.sample(logits);
                probabilitySink.accept(probabilities.of(pos + 1, logits, prompt[next], false, recorder.sampled(prompt[next])));
                observing.accept(prompt[next]);
            }
        });
    }

    /**
     * Keeps the distribution the sampler drew from (and, if asked, every stage) so the token finally
     * chosen — or, for prompt tokens, the token that really came next — can be looked up in it.
     */
    private static final class StageRecorder implements StageObserver {
        private final Distribution distribution;
        private final boolean keepStages;
        // Each stage's candidates, copied while the view is valid and reused from token to token:
        // a stage's probability of the chosen token is known only once the chain has chosen it.
        private final List<String> stageNames = new ArrayList<>();
        private final List<CandidateCopy> stageCopies = new ArrayList<>();
        private int stageCount;
        private final CandidateCopy copy = new CandidateCopy();
        private boolean captured;

        StageRecorder(Distribution distribution, boolean keepStages) {
            this.distribution = distribution;
            this.keepStages = keepStages;
        }

        void clear() {
            stageCount = 0;
            captured = false;
        }

        @Override
        public void onStage(String stageName, CandidatesView candidates) {
            if (keepStages) {
                if (stageCount == stageCopies.size()) {
                    stageCopies.add(new CandidateCopy());
                    stageNames.add(stageName);
                }
                stageCopies.get(stageCount).fill(candidates);
                stageNames.set(stageCount, stageName);
                stageCount++;
            }
            // The selecting stage (greedy/dist) comes last and leaves the distribution it drew from
            // in place; the view is valid only during this call, so copy it.
            if (candidates.selected() >= 0) {
                copy.fill(candidates);
                captured = true;
            }
        }

        SampledView sampled(int token) {
            if (!captured) {
                return null;
            }
            List<SamplerStage> stages = new ArrayList<>(stageCount);
            for (int i = 0; i < stageCount; i++) {
                stages.add(distribution.stage(stageNames.get(i), stageCopies.get(i), token));
            }
            return distribution.sampled(copy, token, stages);
        }
    }

    /** A reusable copy of a candidates view (ids and probabilities), valid after the chain returns. */
    private static final class CandidateCopy implements CandidatesView {
        private int[] ids = new int[0];
        private float[] probs = new float[0];
        private int size;

        void fill(CandidatesView view) {
            size = view.size();
            if (ids.length < size) {
                ids = new int[size];
                probs = new float[size];
            }
            for (int i = 0; i < size; i++) {
                ids[i] = view.id(i);
                probs[i] = view.probability(i);
            }
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public int id(int position) {
            return ids[position];
        }

        @Override
        public float logit(int position) {
            return (float) Math.log(probs[position]);
        }

        @Override
        public float probability(int position) {
            return probs[position];
        }

        @Override
        public boolean hasProbabilities() {
            return true;
        }

        @Override
        public boolean isSorted() {
            return false;
        }

        @Override
        public int selected() {
            return -1;
        }
    }

    /**
     * Text already shown ended inside a character (a token that is the first bytes of a multi-byte
     * character): {@code bytes} are that character's bytes so far, and the generated text goes on
     * from them instead of starting a fresh character. Returns this generator.
     */
    public Generator continuingAfter(byte[] bytes) {
        heldBytes = bytes.clone();
        return this;
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
        decoder.feed(heldBytes); // completes nothing: they are the start of one character
        StopStringMatcher stops = new StopStringMatcher(params.stopStrings());
        StringBuilder text = new StringBuilder();
        int[] generated = new int[16];
        int count = 0;
        StopReason reason;
        long start = System.nanoTime();
        long promptNanos = 0;
        long firstToken = -1;
        StageRecorder stageRecorder = probabilities == null ? null : new StageRecorder(probabilities, recordStages);
        if (stageRecorder != null) {
            chain.setStageObserver(stageRecorder);
        }
        try {
            float[] logits = probabilities == null || !recordPrompt
                    ? session.prefill(prompt) : prefillRecording(prompt, params);
            promptNanos = System.nanoTime() - start;
            events.accept(new GenerationEvent.PromptProcessed(prompt.length, promptNanos));
            while (true) {
                if (stageRecorder != null) {
                    stageRecorder.clear();
                }
                int token = chain.sample(logits);
                chain.accept(token);
                if (stageRecorder != null) {
                    probabilitySink.accept(probabilities.of(session.position(), logits, token, true,
                            stageRecorder.sampled(token)));
                }
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
                StopStringMatcher.Step step = stops.feed(tokenizer.feedPiece(token, false, decoder));
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
