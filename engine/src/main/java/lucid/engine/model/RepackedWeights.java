package lucid.engine.model;

import java.util.concurrent.atomic.AtomicLong;

import lucid.engine.gguf.GgufFile;
import lucid.engine.gguf.GgufTensorInfo;
import lucid.engine.tensor.FloatTensor;

/**
 * Copies of a model's weight matrices in the layouts their kernels read fastest
 * ({@link FloatTensor#repacked}), made at load only when the user asks ({@code --repack}). Without
 * it the engine copies no weights: every product reads the file mapping. With it, generation reads
 * the copies (Q4_0 and Q4_K), which live on the Java heap until the model is dropped, and prompt
 * processing still reads the mapping, so the copies cost their size in memory on top of the file.
 */
public final class RepackedWeights {

    private final boolean enabled;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong replaced = new AtomicLong();

    private RepackedWeights(boolean enabled) {
        this.enabled = enabled;
    }

    /** No copies: every matrix stays on the mapping. */
    public static RepackedWeights none() {
        return new RepackedWeights(false);
    }

    /** Copies made where a type has a faster layout. */
    public static RepackedWeights enabled() {
        return new RepackedWeights(true);
    }

    public boolean isEnabled() {
        return enabled;
    }

    /** Bytes of the copies made so far. */
    public long bytes() {
        return bytes.get();
    }

    /** Bytes of the mapping that the copies stand in for when generating (the same weights, as stored in the file). */
    public long replacedBytes() {
        return replaced.get();
    }

    /** {@code matrix} reading a copy where its type has a faster layout, else {@code matrix} itself. */
    Linear apply(Linear matrix) {
        if (!enabled) {
            return matrix;
        }
        FloatTensor w = matrix.weight().repacked(matrix.rows(), matrix.cols());
        if (w == matrix.weight()) {
            return matrix;
        }
        bytes.addAndGet(matrix.weight().repackedBytes(matrix.rows(), matrix.cols()));
        replaced.addAndGet(matrix.weight().type().byteSize(
                (long) matrix.weight().repackedRows(matrix.rows(), matrix.cols()) * matrix.cols()));
        return new Linear(matrix.name(), w, matrix.rows(), matrix.cols(), matrix.bias());
    }

    /**
     * What {@link #enabled} copies of {@code file}'s matrices would take, at most: every 2-D tensor
     * counted, a never-multiplied embedding too, for the memory check before a load.
     */
    public static long estimate(GgufFile file) {
        long total = 0;
        for (GgufTensorInfo info : file.tensors()) {
            if (info.rank() != 2 || info.dim(0) > Integer.MAX_VALUE || info.dim(1) > Integer.MAX_VALUE) {
                continue;
            }
            try {
                total += FloatTensor.wrap(info.type(), file.tensorData(info), info.elementCount())
                        .repackedBytes((int) info.dim(1), (int) info.dim(0));
            } catch (UnsupportedOperationException e) {
                // A type the engine cannot compute with: the load itself reports it.
            }
        }
        return total;
    }
}
