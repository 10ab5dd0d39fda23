package lucid.engine.sampling;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * Turns a vector of logits into the next token by running samplers in order, as llama.cpp's
 * sampler chain does. {@link #sample} picks; {@link #accept} tells every sampler which token was
 * kept. They are separate because the caller decides what is kept: a session that rewinds or
 * discards a token must not have it counted by the penalties. {@link #sampleAndAccept} does both
 * for the common case.
 *
 * <p>The last sampler must pick a token (greedy or dist). Not thread-safe: one chain per session.
 */
public final class SamplerChain {

    private final int vocabSize;
    private final List<Sampler> samplers;
    private final Sampler[] stages;  // the same, as an array: looping it per token allocates no iterator
    private final Candidates candidates;
    private StageObserver observer;  // null when nobody watches: the common, free case

    /**
     * @param vocabSize length of every logits vector passed to {@link #sample}
     * @param samplers  applied in this order; the last must select a token
     */
    public SamplerChain(int vocabSize, List<Sampler> samplers) {
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocabSize must be > 0, got " + vocabSize);
        }
        if (samplers.isEmpty()) {
            throw new IllegalArgumentException("a sampler chain needs at least one sampler");
        }
        this.vocabSize = vocabSize;
        this.samplers = List.copyOf(samplers);
        this.stages = this.samplers.toArray(Sampler[]::new);
        this.candidates = new Candidates(vocabSize);
    }

    /**
     * llama.cpp's default order, leaving out stages that the params turn off:
     * penalties, top-k, top-p, min-p, temperature, dist. With temperature 0: penalties, greedy
     * (the filters cannot change the argmax, and greedy needs no seed).
     */
    public static SamplerChain from(SamplingParams params, int vocabSize) {
        List<Sampler> chain = new ArrayList<>();
        if (params.penaltiesEnabled()) {
            chain.add(new PenaltySampler(vocabSize, params.penaltyLastN(), params.repeatPenalty(),
                    params.frequencyPenalty(), params.presencePenalty()));
        }
        if (params.isGreedy()) {
            chain.add(new GreedySampler());
            return new SamplerChain(vocabSize, chain);
        }
        if (params.topK() > 0) {
            chain.add(new TopKSampler(params.topK()));
        }
        if (params.topP() < 1.0f) {
            chain.add(new TopPSampler(params.topP()));
        }
        if (params.minP() > 0.0f) {
            chain.add(new MinPSampler(params.minP()));
        }
        chain.add(new TemperatureSampler(params.temperature()));
        chain.add(new DistributionSampler(params.seed()));
        return new SamplerChain(vocabSize, chain);
    }

    public int vocabSize() {
        return vocabSize;
    }

    public List<Sampler> samplers() {
        return samplers;
    }

    /** The seed of the first {@link DistributionSampler}, resolved if it was random; empty for greedy. */
    public OptionalLong seed() {
        for (Sampler s : samplers) {
            if (s instanceof DistributionSampler dist) {
                return OptionalLong.of(dist.currentSeed());
            }
        }
        return OptionalLong.empty();
    }

    /** Sets the observer called after each stage of every {@link #sample}; {@code null} removes it. */
    public void setStageObserver(StageObserver observer) {
        this.observer = observer;
    }

    /**
     * Picks the next token from {@code logits} (one per vocabulary token). Does not
     * {@link #accept} it.
     *
     * @throws IllegalArgumentException when {@code logits.length != vocabSize}
     * @throws IllegalStateException    when no sampler selected a token
     */
    public int sample(float[] logits) {
        if (logits.length != vocabSize) {
            throw new IllegalArgumentException(
                    "expected " + vocabSize + " logits (the vocabulary size), got " + logits.length);
        }
        candidates.fill(logits);
        StageObserver watching = observer;
        if (watching == null) {
            for (Sampler s : stages) {
                s.apply(candidates);
            }
        } else {
            observe(watching, "logits");
            for (Sampler s : stages) {
                s.apply(candidates);
                observe(watching, s.name());
            }
        }
        if (candidates.selected() < 0) {
            throw new IllegalStateException("no sampler selected a token; end the chain " + this
                    + " with greedy or dist");
        }
        return candidates.selectedToken();
    }

    private void observe(StageObserver watching, String stage) {
        // Softmax neither reorders nor changes logits, so what later samplers see is unchanged:
        // watching cannot alter the pick.
        if (!candidates.hasProbabilities()) {
            candidates.softmax();
        }
        watching.onStage(stage, candidates);
    }

    /** {@link #sample} then {@link #accept} the result. */
    public int sampleAndAccept(float[] logits) {
        int token = sample(logits);
        accept(token);
        return token;
    }

    /** Tells every sampler that {@code token} was kept (generated, or part of the prompt). */
    public void accept(int token) {
        if (token < 0 || token >= vocabSize) {
            throw new IllegalArgumentException(
                    "token " + token + " is outside the vocabulary [0, " + vocabSize + ")");
        }
        for (Sampler s : stages) {
            s.accept(token);
        }
    }

    /** Forgets all history and re-seeds, as for a new conversation. */
    public void reset() {
        for (Sampler s : samplers) {
            s.reset();
        }
    }

    /** The stages in order, e.g. {@code penalties -> top-k(40) -> temp(0.8) -> dist(seed=7)}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Sampler s : samplers) {
            if (!sb.isEmpty()) {
                sb.append(" -> ");
            }
            sb.append(s);
        }
        return sb.toString();
    }
}
