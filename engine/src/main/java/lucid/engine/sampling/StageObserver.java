package lucid.engine.sampling;

/**
 * Watches the candidates after each stage of a {@link SamplerChain}: how the inspector shows what
 * each sampler did to the distribution. The chain calls it only when one is set, so sampling
 * without an observer costs nothing extra.
 *
 * <p>Stages are {@code "logits"} (the raw distribution, before any sampler) and then each
 * sampler's {@link Sampler#name()}. The view is valid only during the call and always has
 * probabilities; copy what you need to keep.
 */
@FunctionalInterface
public interface StageObserver {

    void onStage(String stageName, CandidatesView candidates);
}
