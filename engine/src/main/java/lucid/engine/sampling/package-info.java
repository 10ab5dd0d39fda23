/**
 * Sampler chain (apply, accept, reset), the immutable SamplingParams record, seeded randomness.
 */
package lucid.engine.sampling;
