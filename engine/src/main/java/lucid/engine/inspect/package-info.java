/**
 * Inspection: what the model did, for views and tools. Token probabilities (before and after the
 * sampler chain), attribution of an output token to input tokens, and — through forward observers —
 * attention weights and the logit lens. Nothing here runs unless asked: a session without an
 * observer takes exactly the same path as before.
 */
package lucid.engine.inspect;
