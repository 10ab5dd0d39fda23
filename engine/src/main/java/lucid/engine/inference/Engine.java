package lucid.engine.inference;

import java.io.IOException;
import java.nio.file.Path;

import lucid.engine.backend.Backend;
import lucid.engine.backend.CpuTopology;
import lucid.engine.backend.ProductPrecision;
import lucid.engine.gguf.GgufFile;
import lucid.engine.model.Architecture;
import lucid.engine.model.Architectures;
import lucid.engine.model.ModelConfig;
import lucid.engine.model.RepackedWeights;
import lucid.engine.model.Repacking;
import lucid.engine.model.Transformer;
import lucid.engine.model.UnsupportedModelException;
import lucid.engine.tokenizer.Tokenizer;

/**
 * Entry point of the engine: owns a backend (and its threads) and loads models onto it.
 *
 * <pre>{@code
 * try (Engine engine = Engine.create(4);
 *      LoadedModel model = engine.load(path);
 *      InferenceSession session = model.newSession(2048)) { ... }
 * }</pre>
 */
public final class Engine implements AutoCloseable {

    private final Backend backend;

    public Engine(Backend backend) {
        this.backend = backend;
    }

    /** An engine on the best available backend with {@code threads} threads and {@link ProductPrecision#FAST} products. */
    public static Engine create(int threads) {
        return create(threads, ProductPrecision.FAST);
    }

    /** An engine on the best available backend with {@code threads} threads, its products as {@code precision} says. */
    public static Engine create(int threads, ProductPrecision precision) {
        return new Engine(Backend.open(null, threads, precision));
    }

    /** Threads to use when the user does not say: one per physical core (see {@link CpuTopology}). */
    public static int defaultThreads() {
        return CpuTopology.physicalCores();
    }

    public Backend backend() {
        return backend;
    }

    /**
     * Opens a GGUF model: validates the file, reads its tokenizer and hyperparameters, and assembles
     * the transformer over the mapped weights.
     *
     * @throws IOException               the file cannot be read or is not valid GGUF
     *                                   ({@link lucid.engine.gguf.GgufFormatException})
     * @throws UnsupportedModelException the file is valid but describes a model the engine cannot run
     */
    public LoadedModel load(Path path) throws IOException {
        return load(path, Repacking.NONE);
    }

    /**
     * {@link #load(Path)}, and with {@code repacking} other than {@link Repacking#NONE} also copies the
     * weight matrices whose type has a faster layout for generation (Q4_0, Q4_K, Q5_K and Q6_K: rows grouped by
     * vector lane) into memory of their own, during the load or after it: faster token generation for
     * about 1.01 (Q6_K) to 1.23 (Q5_K) times those matrices' bytes of extra memory. Prompt processing
     * still reads the mapping. See {@link RepackedWeights}.
     *
     * <p>{@link Repacking#AT_LOAD} refuses a load whose copies would not fit; {@link
     * Repacking#IN_BACKGROUND} loads the model without them then ({@link LoadedModel#repacking()} says
     * why).
     */
    public LoadedModel load(Path path, Repacking repacking) throws IOException {
        long start = System.nanoTime();
        GgufFile file = GgufFile.open(path);
        RepackedWeights repacked = RepackedWeights.of(repacking);
        try {
            String archName = file.metadata().getString("general.architecture")
                    .orElseThrow(() -> new UnsupportedModelException(path.getFileName()
                            + " has no general.architecture key; it is not a model file"));
            Architecture architecture = Architectures.forName(archName);
            if (file.tensors().isEmpty()) {
                throw new UnsupportedModelException(path.getFileName() + " has no tensors (a vocabulary-only file?)");
            }
            Tokenizer tokenizer = Tokenizer.fromGguf(file.metadata());
            int vocab = file.tensor("token_embd.weight")
                    .map(t -> (int) t.dim(1))
                    .orElseThrow(() -> new UnsupportedModelException("tensor 'token_embd.weight' is missing"));
            ModelConfig config = architecture.config(file, vocab);
            boolean atLoad = repacking == Repacking.AT_LOAD;
            long copies = atLoad ? RepackedWeights.estimate(file) : 0;
            MemoryCheck.requireWeightsFit(LoadedModel.weightBytes(file) + copies,
                    path.getFileName() + (atLoad ? " with its repacked copies" : ""));
            if (copies > MemoryCheck.availableHeapBytes()) {
                throw new InsufficientMemoryException("Repacking " + path.getFileName() + " needs "
                        + MemoryCheck.mib(copies) + " MiB of memory for the copies, but only "
                        + MemoryCheck.mib(MemoryCheck.availableHeapBytes()) + " MiB are available to Lucid; "
                        + "load it without repacking, or give Lucid more memory (-Xmx)");
            }
            Transformer transformer = architecture.build(file, config, repacked);
            repacked.start("lucid-repack " + path.getFileName(), backgroundCopiesNotMade(file, repacked.pendingBytes()));
            return new LoadedModel(file, architecture, config, transformer, tokenizer, backend, repacked,
                    System.nanoTime() - start);
        } catch (RuntimeException | Error e) {
            file.close();
            throw e;
        }
    }

    /**
     * Why background copies of {@code copies} bytes should not be made, or null when they fit: the
     * heap must keep room beside them for the sessions' caches (a quarter of what is free, at least
     * 512 MiB), and the file and the copies together must leave a fifth of the machine's memory to
     * the rest of the system, since prompts still read the file.
     */
    private static String backgroundCopiesNotMade(GgufFile file, long copies) {
        if (copies == 0) {
            return null;
        }
        long heap = MemoryCheck.availableHeapBytes();
        long reserve = Math.max(512L << 20, heap / 4);
        if (copies > heap - reserve) {
            return "the copies need " + MemoryCheck.mib(copies) + " MiB, and " + MemoryCheck.mib(heap)
                    + " MiB of memory are available to Lucid";
        }
        long physical = MemoryCheck.physicalMemoryBytes();
        if (physical > 0 && LoadedModel.weightBytes(file) + copies > physical / 5 * 4) {
            return "the file and its copies (" + MemoryCheck.mib(LoadedModel.weightBytes(file) + copies)
                    + " MiB) would take more than four fifths of this machine's " + MemoryCheck.mib(physical) + " MiB";
        }
        return null;
    }

    @Override
    public void close() {
        backend.close();
    }
}
