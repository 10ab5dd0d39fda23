/**
 * Engine, LoadedModel and InferenceSession (KV cache, prefill, step, rewind, cancel); generation events.
 */
package lucid.engine.inference;
