package lucid.engine.inference;

import java.nio.file.Path;

import lucid.engine.backend.Backend;
import lucid.engine.gguf.GgufFile;
import lucid.engine.gguf.GgufTensorInfo;
import lucid.engine.model.Architecture;
import lucid.engine.model.BatchState;
import lucid.engine.model.ForwardState;
import lucid.engine.model.KvCache;
import lucid.engine.model.ModelConfig;
import lucid.engine.model.RepackedWeights;
import lucid.engine.model.Repacking;
import lucid.engine.model.Transformer;
import lucid.engine.tokenizer.Tokenizer;

/**
 * A model ready to run: the open file (weights stay memory-mapped), its configuration, its
 * tokenizer and the assembled transformer. Sessions created from it share the weights.
 * Closing it unmaps the file; its sessions must not be used afterwards.
 */
public final class LoadedModel implements AutoCloseable {

    private final GgufFile file;
    private final Architecture architecture;
    private final ModelConfig config;
    private final Transformer transformer;
    private final Tokenizer tokenizer;
    private final Backend backend;
    private final RepackedWeights repacked;
    private final long loadNanos;

    LoadedModel(GgufFile file, Architecture architecture, ModelConfig config, Transformer transformer,
                Tokenizer tokenizer, Backend backend, RepackedWeights repacked, long loadNanos) {
        this.file = file;
        this.repacked = repacked;
        this.architecture = architecture;
        this.config = config;
        this.transformer = transformer;
        this.tokenizer = tokenizer;
        this.backend = backend;
        this.loadNanos = loadNanos;
    }

    public Path path() {
        return file.path();
    }

    public GgufFile file() {
        return file;
    }

    public String architectureName() {
        return architecture.name();
    }

    public ModelConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    Transformer transformer() {
        return transformer;
    }

    public Backend backend() {
        return backend;
    }

    /** How long opening and assembling the model took. */
    public long loadNanos() {
        return loadNanos;
    }

    /** A new session with its own KV cache of {@code contextLength} positions (at most the model's). */
    public InferenceSession newSession(int contextLength) {
        if (contextLength <= 0) {
            throw new IllegalArgumentException("context length must be positive, got " + contextLength);
        }
        int ctx = Math.min(contextLength, config.contextLength());
        MemoryCheck.requireAvailable(sessionBytes(ctx), "a session with a context of " + ctx + " tokens");
        return new InferenceSession(this, ctx);
    }

    /** Total weight count. */
    public long parameterCount() {
        return file.tensors().stream().mapToLong(GgufTensorInfo::elementCount).sum();
    }

    /** Bytes of weights (mapped from the file, not copied). */
    public long weightBytes() {
        return weightBytes(file);
    }

    /**
     * Bytes of weights copied into faster layouts ({@link Engine#load(Path, Repacking)}) so far: 0
     * unless asked for; with {@link Repacking#IN_BACKGROUND} it grows while {@link #repacking()} copies.
     */
    public long repackedBytes() {
        return repacked.bytes();
    }

    /** The copies: how they are made, whether background copies are still being made, why not. */
    public RepackedWeights repacking() {
        return repacked;
    }

    /** Bytes of the file's weights whose copies generation reads instead ({@link #repackedBytes}'s originals). */
    public long repackedSourceBytes() {
        return repacked.replacedBytes();
    }

    static long weightBytes(GgufFile file) {
        return file.tensors().stream().mapToLong(GgufTensorInfo::byteSize).sum();
    }

    /** Memory a session of {@code contextLength} positions allocates: KV cache plus scratch buffers. */
    public long sessionBytes(int contextLength) {
        return estimateSessionBytes(config, contextLength);
    }

    public static long estimateSessionBytes(ModelConfig c, int contextLength) {
        return KvCache.bytesFor(c.blockCount(), contextLength, c.kvDim()) + ForwardState.bytesFor(c, contextLength)
                + BatchState.bytesFor(c, Math.min(BatchState.DEFAULT_CAPACITY, contextLength));
    }

    /** Estimated resident memory with one session of {@code contextLength}: weights, their copies, session. */
    public long estimatedRamBytes(int contextLength) {
        return weightBytes() + repackedBytes() + sessionBytes(Math.min(contextLength, config.contextLength()));
    }

    @Override
    public void close() {
        // Background copies read the mapping: they stop before it is unmapped.
        repacked.close();
        file.close();
    }

    @Override
    public String toString() {
        return "LoadedModel[" + file.path().getFileName() + ", " + architecture.name() + "]";
    }
}
