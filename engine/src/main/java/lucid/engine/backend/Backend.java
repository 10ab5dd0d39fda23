package lucid.engine.backend;

import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

import lucid.engine.tensor.FloatTensor;
import lucid.engine.tensor.GgmlType;

/**
 * The kernels that model blocks call. Implementations are found by {@link ServiceLoader} through
 * {@link Provider}; the model asks {@link #supports} and never names a backend.
 *
 * <p>A backend owns its worker threads; {@link #close} stops them. Any thread may call its
 * operations; calls from different threads must not corrupt each other (they may run one after
 * the other).
 */
public interface Backend extends AutoCloseable {

    /** Operations a backend may or may not support for a given weight type. */
    enum Op { MATMUL, MATMUL_BATCH }

    String name();

    /** Number of threads the backend spreads work over. */
    int threads();

    /** What the backend's products may round: as opened, or as last set. */
    ProductPrecision precision();

    /**
     * Changes what the products may round, from the next product on (any thread may call it; a
     * product already running finishes as it started).
     */
    void setPrecision(ProductPrecision precision);

    boolean supports(Op op, GgmlType weightType);

    /**
     * Matrix-vector product: {@code out[outOffset + r] = dot(w row r, x[xOffset..xOffset+cols))} for
     * {@code r < rows}, where row {@code r} is weights {@code [r * cols, (r + 1) * cols)} of {@code w}.
     */
    void matmul(FloatTensor w, float[] x, int xOffset, float[] out, int outOffset, int rows, int cols);

    /**
     * Matrix-matrix product for a batch of activation rows: {@code out[b * rows + r] = dot(w row r,
     * x[b * cols .. (b + 1) * cols))} for {@code b < batch, r < rows}. Prompt processing uses it so
     * that each weight is read once per batch instead of once per token.
     *
     * <p>This default runs {@code batch} matrix-vector products: correct for every backend, no faster.
     *
     * @param x   (batch, cols) activations, row-major
     * @param out (batch, rows)
     */
    default void matmulBatch(FloatTensor w, float[] x, float[] out, int batch, int rows, int cols) {
        for (int b = 0; b < batch; b++) {
            matmul(w, x, b * cols, out, b * rows, rows, cols);
        }
    }

    /**
     * Two or three matrix-vector products that read the same input {@code x[xOffset..xOffset+cols)}
     * (a layer's query, key and value; or gate and up): {@code out0 = w0 x}, {@code out1 = w1 x} and,
     * unless {@code w2} is null, {@code out2 = w2 x}, each written from offset 0. A backend may run
     * them as one job, so that the threads meet once instead of once per product.
     *
     * <p>This default runs them one after another.
     */
    default void matmulSameInput(float[] x, int xOffset, int cols, FloatTensor w0, float[] out0, int rows0,
                                 FloatTensor w1, float[] out1, int rows1, FloatTensor w2, float[] out2, int rows2) {
        matmul(w0, x, xOffset, out0, 0, rows0, cols);
        matmul(w1, x, xOffset, out1, 0, rows1, cols);
        if (w2 != null) {
            matmul(w2, x, xOffset, out2, 0, rows2, cols);
        }
    }

    /**
     * {@link #matmulBatch} for two or three matrices that read the same activations {@code x} (batch,
     * cols): {@code out0 = x w0^T}, {@code out1 = x w1^T} and, unless {@code w2} is null,
     * {@code out2 = x w2^T}. A backend may prepare {@code x} once for all of them and run them as one
     * job.
     *
     * <p>This default runs them one after another.
     */
    default void matmulBatchSameInput(float[] x, int batch, int cols, FloatTensor w0, float[] out0, int rows0,
                                      FloatTensor w1, float[] out1, int rows1, FloatTensor w2, float[] out2,
                                      int rows2) {
        matmulBatch(w0, x, out0, batch, rows0, cols);
        matmulBatch(w1, x, out1, batch, rows1, cols);
        if (w2 != null) {
            matmulBatch(w2, x, out2, batch, rows2, cols);
        }
    }

    /** Runs {@code body.run(i)} for {@code i < count} across the backend's threads; returns when all are done. */
    void parallelFor(int count, IntTask body);

    @Override
    void close();

    @FunctionalInterface
    interface IntTask {
        void run(int index);
    }

    /** Service interface: one per backend implementation. */
    interface Provider {
        String name();

        /** Higher wins when several are available. */
        int priority();

        boolean isAvailable();

        /** A backend with {@code threads} threads, rounding activations as {@code precision} allows. */
        Backend open(int threads, ProductPrecision precision);
    }

    /** All providers on the module or class path that say they are available, best first. */
    static List<Provider> availableProviders() {
        return ServiceLoader.load(Provider.class, Backend.class.getClassLoader()).stream()
                .map(ServiceLoader.Provider::get)
                .filter(Provider::isAvailable)
                .sorted(Comparator.comparingInt(Provider::priority).reversed())
                .toList();
    }

    /**
     * Opens the backend called {@code name}, or the best available one when {@code name} is null.
     *
     * @throws IllegalArgumentException when no available backend has that name
     */
    static Backend open(String name, int threads) {
        return open(name, threads, ProductPrecision.FAST);
    }

    /** As {@link #open(String, int)}, with the precision of the backend's products. */
    static Backend open(String name, int threads, ProductPrecision precision) {
        List<Provider> providers = availableProviders();
        for (Provider p : providers) {
            if (name == null || p.name().equalsIgnoreCase(name)) {
                return p.open(threads, precision);
            }
        }
        throw new IllegalArgumentException("no backend named '" + name + "' is available (available: "
                + String.join(", ", providers.stream().map(Provider::name).toList()) + ")");
    }
}
