/**
 * Model lab: measurements over a loaded model (perplexity now; quantization diffs, KL divergence and
 * pruning experiments later). Uses the inference layer; nothing below depends on it.
 */
package lucid.engine.lab;
