/**
 * Vocabulary and tokenizers driven by GGUF metadata (tokenizer.ggml.*): text to token ids and
 * back, with llama.cpp's exact semantics, checked against its golden ids. Reads only
 * {@link lucid.engine.gguf.GgufMetadata}; the model, sampling and inference layers use it, the
 * app streams generated text through {@link lucid.engine.tokenizer.Utf8StreamDecoder}.
 *
 * <p>{@link lucid.engine.tokenizer.Tokenizer#fromGguf} picks the algorithm by
 * {@code tokenizer.ggml.model}: {@code llama} is SentencePiece BPE
 * ({@link lucid.engine.tokenizer.SentencePieceTokenizer}), {@code gpt2} is byte-level BPE
 * ({@link lucid.engine.tokenizer.ByteLevelBpeTokenizer}) whose word split is the
 * {@link lucid.engine.tokenizer.PreTokenizer} named by {@code tokenizer.ggml.pre}. Every algorithm
 * shares the special-token partitioner and the {@link lucid.engine.tokenizer.Vocabulary}; only
 * the subword step differs.
 */
package lucid.engine.tokenizer;
