package lucid.engine.backend.cpu;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

import lucid.engine.backend.Backend;
import lucid.engine.backend.ProductPrecision;
import lucid.engine.tensor.FloatTensor;
import lucid.engine.tensor.GgmlType;
import lucid.engine.tensor.Q8Activations;
import lucid.engine.tensor.Q8Panels;
import lucid.engine.tensor.VectorSupport;

/**
 * Runs kernels on the CPU: the Vector API paths of the tensor classes, spread over a fixed set of
 * worker threads that live as long as the backend (no thread start-up per token).
 *
 * <p>Each thread owns a contiguous run of a job's indices and takes chunks from its front; a
 * thread that runs out takes chunks from the others' runs, so faster threads do more. Contiguous
 * runs matter for matrix products, whose indices are ranges of weight rows: each thread then reads
 * its share of the weights as one forward stream that the hardware prefetcher follows, where chunks
 * dealt alternately from one shared counter start a new stream at every chunk (smollm-135m decode
 * on 2 threads: 12% faster, docs/PERFORMANCE.md). The calling thread works too (as thread 0) and
 * then waits for the others.
 *
 * <p>Several threads may use one backend (the app's generation beside its lab captures or its
 * warm-up): each operation holds the backend's monitor from start to end, because the job in
 * progress, the cursors and the quantized activations are shared. Operations from two threads then
 * take turns, one product or attention pass at a time (`ConcurrentSessionsTest`).
 */
public final class CpuBackend implements Backend {

    private final int threads;
    private final Thread[] workers;
    private final Object lock = new Object();
    private volatile boolean closed;
    // Workers blocked in lock.wait(), guarded by `lock`.
    private int sleepers;
    // How long an idle thread spins before it blocks: longer than the gap between the products of
    // one decode step, far shorter than the gap between user turns.
    private static final long SPIN_NANOS = 200_000;

    // The job in progress: its fields are written first, then the volatile generation number, which
    // is what a spinning worker watches; sleeping workers are also woken under `lock`.
    private volatile long generation;
    private IntTask job;
    private int jobCount;
    private int jobChunk;
    // Thread t's next index is cursors[t * PAD]; its run ends where thread t + 1's begins. Padded so
    // that each cursor has a cache line of its own.
    private static final int PAD = 32;
    private final AtomicIntegerArray cursors;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile Throwable failure;
    private volatile Thread caller;

    // Read once per product (matmul, matmulSameInput), so a change applies from the next product.
    private volatile ProductPrecision precision;
    // matmulBatch's job, reused so that a batched product allocates nothing: each operation holds the
    // backend's monitor, so one job is in progress at a time (parallelFor's own job fields rely on it too).
    private final BatchJob batchJob = new BatchJob();
    // matmul's job, reused for the same reason: a decode step runs several products per layer.
    private final MatvecJob matvecJob = new MatvecJob();
    // matmulSameInput's job, reused likewise.
    private final SharedJob sharedJob = new SharedJob();
    // matmulBatchSameInput's job and the transpose pass, reused likewise.
    private final SharedBatchJob sharedBatchJob = new SharedBatchJob();
    private final TransposeJob transposeJob = new TransposeJob();
    // (threads, BatchMatmul.scratchLength(cols)) each thread's decoded weight rows and a panel's sums; grown to the widest matrix seen.
    private final ThreadLocal<float[]> rowScratch = ThreadLocal.withInitial(() -> new float[0]);
    // matmulBatch's activations in transposed panels (BatchMatmul.transpose); grown to the largest batch seen.
    private float[] transposed = new float[0];
    // matmulBatch's activations in 8 bits, in panels for SmallBatchMatmul.rowTile; grown likewise.
    private final Q8Panels smallPanels = new Q8Panels(BatchMatmul.PANEL, SmallBatchMatmul.GROUP);
    private final SmallPanelJob smallPanelJob = new SmallPanelJob();
    // Each thread's token quantizer for filling smallPanels, and its scratch for SmallBatchMatmul.rowTile.
    private final ThreadLocal<Q8Activations> panelQuantizer = ThreadLocal.withInitial(Q8Activations::new);
    private final ThreadLocal<SmallBatchMatmul.Scratch> smallRows = ThreadLocal.withInitial(SmallBatchMatmul.Scratch::new);

    /** {@link ProductPrecision#FAST} products on {@code threads} threads. */
    public CpuBackend(int threads) {
        this(threads, ProductPrecision.FAST);
    }

    public CpuBackend(int threads, ProductPrecision precision) {
        this.precision = Objects.requireNonNull(precision, "precision");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.cursors = new AtomicIntegerArray(threads * PAD);
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int self = i + 1;
            Thread t = Thread.ofPlatform().daemon().name("lucid-cpu-" + self).unstarted(() -> workerLoop(self));
            workers[i] = t;
            t.start();
        }
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public boolean supports(Op op, GgmlType weightType) {
        return weightType.isSupported();
    }

    /**
     * Rows are cut into {@link #ROW_RANGES_PER_THREAD} ranges per thread, each computed by one
     * {@link FloatTensor#matvec} call (one bounds check per range, not per row). Where the weight type
     * is faster against 8-bit activations ({@link FloatTensor#prefersQ8}) the caller quantizes
     * {@code x} once and every range runs {@link FloatTensor#matvecQ8}.
     */
    @Override
    public synchronized void matmul(FloatTensor w, float[] x, int xOffset, float[] out, int outOffset, int rows, int cols) {
        MatvecJob j = matvecJob;
        boolean int8 = int8(w, cols);
        if (int8) {
            quantized.quantize(x, xOffset, cols, w.q8Forms());
        }
        j.w = w;
        j.x = x;
        j.xOffset = xOffset;
        j.out = out;
        j.outOffset = outOffset;
        j.rows = rows;
        j.cols = cols;
        j.int8 = int8;
        j.ranges = Math.min(rows, threads * ROW_RANGES_PER_THREAD);
        try {
            parallelFor(j.ranges, j);
        } finally {
            j.w = null;
            j.x = null;
            j.out = null;
        }
    }

    /**
     * The products run as one job: each matrix gets a share of the row ranges in proportion to its
     * rows, and the input is quantized once for every matrix whose type prefers 8-bit activations.
     */
    @Override
    public synchronized void matmulSameInput(float[] x, int xOffset, int cols, FloatTensor w0, float[] out0, int rows0,
                                FloatTensor w1, float[] out1, int rows1, FloatTensor w2, float[] out2, int rows2) {
        if (!SAME_INPUT_JOB) {
            Backend.super.matmulSameInput(x, xOffset, cols, w0, out0, rows0, w1, out1, rows1, w2, out2, rows2);
            return;
        }
        SharedJob j = sharedJob;
        int count = w2 == null ? 2 : 3;
        j.set(w0, out0, rows0, w1, out1, rows1, w2, out2, rows2);
        j.x = x;
        j.xOffset = xOffset;
        j.cols = cols;
        boolean quantize = false;
        int forms = 0;
        long total = 0;
        for (int m = 0; m < count; m++) {
            j.int8[m] = int8(j.w[m], cols);
            quantize |= j.int8[m];
            forms |= j.int8[m] ? j.w[m].q8Forms() : 0;
            total += j.rows[m];
        }
        if (quantize) {
            quantized.quantize(x, xOffset, cols, forms);
        }
        int budget = threads * ROW_RANGES_PER_THREAD;
        j.first[0] = 0;
        for (int m = 0; m < 3; m++) {
            int share = m >= count ? 0
                    : (int) Math.min(j.rows[m], Math.max(1, Math.round((double) budget * j.rows[m] / total)));
            j.first[m + 1] = j.first[m] + share;
        }
        try {
            parallelFor(j.first[3], j);
        } finally {
            j.clearProducts();
            j.x = null;
        }
    }

    /** {@code lucid.fuse=off} runs products of one input one after another, as before: for measuring. */
    private static final boolean SAME_INPUT_JOB = !"off".equals(System.getProperty("lucid.fuse"));

    /**
     * Two or three products of one input, their tasks numbered one matrix after another: matrix m
     * owns task indices {@code first[m] .. first[m + 1] - 1}.
     */
    private abstract static class Products implements IntTask {
        final FloatTensor[] w = new FloatTensor[3];
        final float[][] out = new float[3][];
        final int[] rows = new int[3];
        final int[] first = new int[4];

        void set(FloatTensor w0, float[] out0, int rows0, FloatTensor w1, float[] out1, int rows1, FloatTensor w2,
                 float[] out2, int rows2) {
            w[0] = w0;
            w[1] = w1;
            w[2] = w2;
            out[0] = out0;
            out[1] = out1;
            out[2] = out2;
            rows[0] = rows0;
            rows[1] = rows1;
            rows[2] = w2 == null ? 0 : rows2;
        }

        int matrix(int index) {
            return index < first[1] ? 0 : index < first[2] ? 1 : 2;
        }

        void clearProducts() {
            java.util.Arrays.fill(w, null);
            java.util.Arrays.fill(out, null);
        }
    }

    private final class SharedJob extends Products {
        final boolean[] int8 = new boolean[3];
        float[] x;
        int xOffset;
        int cols;

        @Override
        public void run(int range) {
            int m = matrix(range);
            int ranges = first[m + 1] - first[m];
            int local = range - first[m];
            int align = w[m].rowAlignment();
            int r0 = rangeStart(local, ranges, rows[m], align);
            int r1 = rangeStart(local + 1, ranges, rows[m], align);
            if (int8[m]) {
                w[m].matvecQ8(r0, r1, cols, quantized, out[m], r0);
            } else {
                w[m].matvec(r0, r1, cols, x, xOffset, out[m], r0);
            }
        }
    }

    /**
     * Whether a batched product with {@code w} runs in 16-bit integers against 8-bit activations
     * ({@link SmallBatchMatmul#rowTile}): with {@link ProductPrecision#FAST}, for the types with small
     * quants, where whole panels of tokens go to the outer-product kernel.
     */
    private boolean small(FloatTensor w, int batch, int cols) {
        return w != null && precision == ProductPrecision.FAST && INT8 && SmallBatchMatmul.ENABLED && VectorSupport.ENABLED
                && w.hasSmallQuants() && cols % Q8Activations.BLOCK == 0 && BatchMatmul.panels(batch) > 0;
    }

    /**
     * Whether a product with {@code w} takes 8-bit activations: with {@link ProductPrecision#FAST}, for
     * the types whose integer kernel is the faster (see also {@link #INT8_MODE}).
     */
    private boolean int8(FloatTensor w, int cols) {
        return precision == ProductPrecision.FAST && INT8 && w.hasQ8Dot() && (INT8_FORCED || w.prefersQ8(cols))
                && cols % Q8Activations.BLOCK == 0;
    }

    @Override
    public ProductPrecision precision() {
        return precision;
    }

    @Override
    public void setPrecision(ProductPrecision precision) {
        this.precision = Objects.requireNonNull(precision, "precision");
    }

    /** Row ranges per thread in a matrix-vector product: enough for faster threads to take more. */
    static final int ROW_RANGES_PER_THREAD = 8;

    /**
     * {@code lucid.int8} = {@code auto} (default: the integer kernels where measured faster),
     * {@code on} (wherever a type has one) or {@code off} (float kernels only): for measuring. Only
     * a {@link ProductPrecision#FAST} backend uses integer kernels at all.
     */
    private static final String INT8_MODE = System.getProperty("lucid.int8", "auto");
    private static final boolean INT8 = !"off".equals(INT8_MODE);
    private static final boolean INT8_FORCED = "on".equals(INT8_MODE);

    // The activation vector of the product in progress, in 8 bits: filled by the caller before the
    // workers start, then only read.
    private final Q8Activations quantized = new Q8Activations();

    /**
     * Where range {@code range} of {@code ranges} even shares of {@code rows} rows starts, moved down
     * to a multiple of {@code align} ({@link FloatTensor#rowAlignment}) so that no range splits a group
     * of rows that the kernel computes together; range {@code ranges} starts at {@code rows}.
     */
    static int rangeStart(int range, int ranges, int rows, int align) {
        if (range >= ranges) {
            return rows;
        }
        int start = (int) ((long) range * rows / ranges);
        return start - start % align;
    }

    private final class MatvecJob implements IntTask {
        FloatTensor w;
        float[] x;
        int xOffset;
        float[] out;
        int outOffset;
        int rows;
        int cols;
        int ranges;
        boolean int8;

        @Override
        public void run(int range) {
            int align = w.rowAlignment();
            int r0 = rangeStart(range, ranges, rows, align);
            int r1 = rangeStart(range + 1, ranges, rows, align);
            if (int8) {
                w.matvecQ8(r0, r1, cols, quantized, out, outOffset + r0);
            } else {
                w.matvec(r0, r1, cols, x, xOffset, out, outOffset + r0);
            }
        }
    }

    /**
     * Rows are split into tiles ({@link BatchMatmul#tileRows}) across threads; each thread decodes
     * its tile's weights once and multiplies them with every activation row. Where whole panels of
     * tokens go to the outer-product kernel, the activations are first transposed, a panel per task.
     */
    @Override
    public synchronized void matmulBatch(FloatTensor w, float[] x, float[] out, int batch, int rows, int cols) {
        BatchJob j = batchJob;
        try {
            boolean small = small(w, batch, cols);
            j.xq = small ? quantizeForPanels(x, batch, cols) : null;
            j.xT = small ? null : transposeForPanels(x, batch, cols);
            j.w = w;
            j.x = x;
            j.out = out;
            j.batch = batch;
            j.rows = rows;
            j.cols = cols;
            j.tile = BatchMatmul.tileRows(rows, threads);
            parallelFor((rows + j.tile - 1) / j.tile, j);
        } finally {
            j.xT = null;
            j.xq = null;
            j.w = null;
            j.x = null;
            j.out = null;
        }
    }

    /**
     * The batched products of one input as one job: the activations are transposed once for all of
     * them, and the tiles of every matrix are shared out together, so the threads meet once.
     */
    @Override
    public synchronized void matmulBatchSameInput(float[] x, int batch, int cols, FloatTensor w0, float[] out0, int rows0,
                                     FloatTensor w1, float[] out1, int rows1, FloatTensor w2, float[] out2,
                                     int rows2) {
        if (!SAME_INPUT_JOB) {
            Backend.super.matmulBatchSameInput(x, batch, cols, w0, out0, rows0, w1, out1, rows1, w2, out2, rows2);
            return;
        }
        SharedBatchJob j = sharedBatchJob;
        try {
            j.set(w0, out0, rows0, w1, out1, rows1, w2, out2, rows2);
            boolean anySmall = false;
            boolean anyFloat = false;
            for (int m = 0; m < 3; m++) {
                j.small[m] = small(j.w[m], batch, cols);
                anySmall |= j.small[m];
                anyFloat |= j.w[m] != null && !j.small[m];
            }
            j.xq = anySmall ? quantizeForPanels(x, batch, cols) : null;
            j.xT = anyFloat ? transposeForPanels(x, batch, cols) : null;
            j.x = x;
            j.batch = batch;
            j.cols = cols;
            j.first[0] = 0;
            for (int m = 0; m < 3; m++) {
                j.tile[m] = BatchMatmul.tileRows(Math.max(1, j.rows[m]), threads);
                j.first[m + 1] = j.first[m] + (j.rows[m] + j.tile[m] - 1) / j.tile[m];
            }
            parallelFor(j.first[3], j);
        } finally {
            j.xT = null;
            j.xq = null;
            j.x = null;
            j.clearProducts();
        }
    }

    /**
     * Where whole panels of tokens go to the outer-product kernel ({@link BatchMatmul#OUTER}), the
     * activations transposed into panels (a parallel pass, a panel per task); else null.
     */
    private float[] transposeForPanels(float[] x, int batch, int cols) {
        if (BatchMatmul.panels(batch) == 0 || !VectorSupport.ENABLED) {
            return null;
        }
        int length = BatchMatmul.transposedLength(batch, cols);
        if (transposed.length < length) {
            transposed = new float[length];
        }
        TransposeJob j = transposeJob;
        j.x = x;
        j.batch = batch;
        j.cols = cols;
        j.xT = transposed;
        try {
            parallelFor(BatchMatmul.panels(batch), j);
        } finally {
            j.x = null;
            j.xT = null;
        }
        return transposed;
    }

    /**
     * {@code x} quantized to 8 bits into {@link #smallPanels} (a parallel pass, a panel per task), for
     * the products that {@link #small} sends to {@link SmallBatchMatmul#rowTile}.
     */
    private Q8Panels quantizeForPanels(float[] x, int batch, int cols) {
        smallPanels.reserve(BatchMatmul.panels(batch), cols);
        SmallPanelJob j = smallPanelJob;
        j.x = x;
        j.batch = batch;
        try {
            parallelFor(BatchMatmul.panels(batch), j);
        } finally {
            j.x = null;
        }
        return smallPanels;
    }

    private final class SmallPanelJob implements IntTask {
        float[] x;
        int batch;

        @Override
        public void run(int panel) {
            smallPanels.fill(x, batch, panel, panelQuantizer.get());
        }
    }

    private static final class TransposeJob implements IntTask {
        float[] x;
        float[] xT;
        int batch;
        int cols;

        @Override
        public void run(int panel) {
            BatchMatmul.transpose(x, batch, cols, panel, xT);
        }
    }

    private final class SharedBatchJob extends Products {
        // Rows per tile of each matrix (BatchMatmul.tileRows).
        final int[] tile = new int[3];
        // Which matrices take SmallBatchMatmul.rowTile.
        final boolean[] small = new boolean[3];
        float[] x;
        float[] xT;
        Q8Panels xq;
        int batch;
        int cols;

        @Override
        public void run(int index) {
            int m = matrix(index);
            int r0 = (index - first[m]) * tile[m];
            int n = Math.min(tile[m], rows[m] - r0);
            if (small[m]) {
                SmallBatchMatmul.rowTile(w[m], x, out[m], batch, rows[m], cols, r0, n, scratch(cols), smallRows.get(), xq);
            } else {
                BatchMatmul.rowTile(w[m], x, out[m], batch, rows[m], cols, r0, n, scratch(cols), VectorSupport.ENABLED, xT);
            }
        }
    }

    // This thread's decoded weight rows and a panel's sums (BatchMatmul.scratchLength), grown as needed.
    private float[] scratch(int cols) {
        float[] scratch = rowScratch.get();
        if (scratch.length < BatchMatmul.scratchLength(cols)) {
            scratch = new float[BatchMatmul.scratchLength(cols)];
            rowScratch.set(scratch);
        }
        return scratch;
    }

    private final class BatchJob implements IntTask {
        FloatTensor w;
        float[] x;
        float[] out;
        // x transposed into panels (BatchMatmul.OUTER), or null.
        float[] xT;
        // x in 8 bits in panels, where w takes SmallBatchMatmul.rowTile; else null.
        Q8Panels xq;
        // Rows per tile (BatchMatmul.tileRows).
        int tile;
        int batch;
        int rows;
        int cols;

        @Override
        public void run(int index) {
            int r0 = index * this.tile;
            int n = Math.min(this.tile, rows - r0);
            if (xq != null) {
                SmallBatchMatmul.rowTile(w, x, out, batch, rows, cols, r0, n, scratch(cols), smallRows.get(), xq);
            } else {
                BatchMatmul.rowTile(w, x, out, batch, rows, cols, r0, n, scratch(cols), VectorSupport.ENABLED, xT);
            }
        }
    }

    @Override
    public synchronized void parallelFor(int count, IntTask body) {
        if (count <= 0) {
            return;
        }
        if (workers.length == 0 || count == 1) {
            for (int i = 0; i < count; i++) {
                body.run(i);
            }
            return;
        }
        // Several chunks per thread balance uneven progress; not so many that the counter is hot.
        int chunk = Math.max(1, count / (threads * 8));
        failure = null;
        caller = Thread.currentThread();
        for (int t = 0; t < threads; t++) {
            cursors.set(t * PAD, runStart(t, count));
        }
        pending.set(workers.length);
        job = body;
        jobCount = count;
        jobChunk = chunk;
        synchronized (lock) {
            generation++;
            if (sleepers > 0) {
                lock.notifyAll();
            }
        }
        try {
            runChunks(body, count, chunk, 0);
        } catch (Throwable e) {
            // Stop the others and wait for them below: the job's fields must not change under them.
            failure = e;
            abandon();
        }
        // The workers finish within microseconds of the caller on an even split: spin rather than
        // park, since a park sleeps for tens of microseconds and a decode step hands off hundreds of
        // jobs. Park only when a worker is clearly held up (descheduled, or a long job).
        long spinUntil = 0;
        for (int spins = 0; pending.get() > 0; spins++) {
            if ((spins & 63) == 0) {
                long now = System.nanoTime();
                if (spinUntil == 0) {
                    spinUntil = now + SPIN_NANOS;
                } else if (now > spinUntil) {
                    LockSupport.parkNanos(this, 20_000);
                    continue;
                }
            }
            politeSpin(spins);
        }
        job = null;
        Throwable t = failure;
        if (t != null) {
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException(t);
        }
    }

    /**
     * One turn of a wait loop: a pause instruction at first, then a yield of the core, so that on a
     * machine busy with other work a waiting thread does not take the time slice of the thread it
     * waits for (with as many threads as cores, every spinner stands in someone's way).
     */
    private static void politeSpin(int spins) {
        if (spins < 1024) {
            Thread.onSpinWait();
        } else {
            Thread.yield();
        }
    }

    // After a failure: every run looks finished, so no thread takes another chunk.
    private void abandon() {
        for (int t = 0; t < threads; t++) {
            cursors.set(t * PAD, Integer.MAX_VALUE / 2);
        }
    }

    // Thread t's run of indices starts here (and ends where thread t + 1's starts).
    private int runStart(int t, int count) {
        return (int) ((long) t * count / threads);
    }

    // Thread `self` takes chunks from its own run, then from the others' in turn.
    private void runChunks(IntTask body, int count, int chunk, int self) {
        for (int k = 0; k < threads; k++) {
            int t = (self + k) % threads;
            int end = runStart(t + 1, count);
            int start;
            while ((start = cursors.getAndAdd(t * PAD, chunk)) < end) {
                int stop = Math.min(end, start + chunk);
                for (int i = start; i < stop; i++) {
                    body.run(i);
                }
            }
        }
    }

    private void workerLoop(int self) {
        long seen = 0;
        while (true) {
            // Spin a little first: during a decode step the next job comes within microseconds,
            // sooner than a woken thread would be running again.
            long spinUntil = 0;
            for (int spins = 0; generation == seen && !closed; spins++) {
                if ((spins & 63) == 0) {
                    long now = System.nanoTime();
                    if (spinUntil == 0) {
                        spinUntil = now + SPIN_NANOS;
                    } else if (now > spinUntil) {
                        break;
                    }
                }
                politeSpin(spins);
            }
            if (generation == seen) {
                synchronized (lock) {
                    sleepers++;
                    while (!closed && generation == seen) {
                        try {
                            lock.wait();
                        } catch (InterruptedException e) {
                            // Only close() stops a worker.
                        }
                    }
                    sleepers--;
                }
            }
            if (closed) {
                return;
            }
            seen = generation;
            IntTask body = job;
            int count = jobCount;
            int chunk = jobChunk;
            try {
                if (body != null) {
                    runChunks(body, count, chunk, self);
                }
            } catch (Throwable t) {
                failure = t;
                abandon();
            } finally {
                if (pending.decrementAndGet() == 0) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
    }

    /** Registers the CPU backend with {@link Backend#availableProviders()}. */
    public static final class Provider implements Backend.Provider {
        @Override
        public String name() {
            return "cpu";
        }

        @Override
        public int priority() {
            return 0;
        }

        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public Backend open(int threads, ProductPrecision precision) {
            return new CpuBackend(threads, precision);
        }
    }
}
