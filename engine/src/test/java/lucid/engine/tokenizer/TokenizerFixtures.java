package lucid.engine.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import lucid.engine.gguf.GgufFile;
import lucid.engine.gguf.GgufMetadata;
import lucid.engine.gguf.SharedFixtures;

/** Tokenizers for the shared fixture files, loaded once per test run (a 32k vocabulary takes a moment). */
final class TokenizerFixtures {
    static final String LLAMA_SPM = "models/vocab-only/ggml-vocab-llama-spm.gguf";
    static final String PHI_3 = "models/vocab-only/ggml-vocab-phi-3.gguf";
    static final String GPT_2 = "models/vocab-only/ggml-vocab-gpt-2.gguf";
    static final String STORIES_260K = "models/stories260k.gguf";
    static final String LLAMA2_TINY = "models/llama2-tiny-random-f16.gguf";

    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    private TokenizerFixtures() {
    }

    /** The tokenizer of a file under shared/; a missing file fails the test. */
    static Tokenizer tokenizer(String relativePath) {
        return TOKENIZERS.computeIfAbsent(relativePath, p -> Tokenizer.fromGguf(metadata(p)));
    }

    static GgufMetadata metadata(String relativePath) {
        try (GgufFile file = GgufFile.open(SharedFixtures.file(relativePath))) {
            return file.metadata();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
