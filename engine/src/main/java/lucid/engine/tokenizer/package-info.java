/**
 * Vocabulary and tokenizers driven by GGUF metadata (tokenizer.ggml.*).
 */
package lucid.engine.tokenizer;
