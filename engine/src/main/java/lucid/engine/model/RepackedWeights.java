package lucid.engine.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import lucid.engine.gguf.GgufFile;
import lucid.engine.gguf.GgufTensorInfo;
import lucid.engine.tensor.FloatTensor;

/**
 * Copies of a model's weight matrices in the layouts their kernels read fastest
 * ({@link FloatTensor#repacked}), made at load or after it ({@link Repacking}). Without them every
 * product reads the file mapping. With them, generation reads the copies (Q4_0, Q4_K, Q5_K and Q6_K), which live
 * on the Java heap until the model is dropped, and prompt processing still reads the mapping, so the
 * copies cost their size in memory on top of the file.
 */
public final class RepackedWeights implements AutoCloseable {

    private final Repacking mode;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong replaced = new AtomicLong();
    // IN_BACKGROUND: the matrices to copy once the model is built, in the order the model was assembled.
    private final List<Linear> pending = new ArrayList<>();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean cancelled;
    private volatile String notMade;
    private volatile long copyNanos;
    private Thread copier;

    private RepackedWeights(Repacking mode) {
        this.mode = mode;
    }

    /** No copies: every matrix stays on the mapping. */
    public static RepackedWeights none() {
        return new RepackedWeights(Repacking.NONE);
    }

    /** Copies made as {@code mode} says. */
    public static RepackedWeights of(Repacking mode) {
        return new RepackedWeights(mode);
    }

    public Repacking mode() {
        return mode;
    }

    /** Whether copies are made at all (at load or in the background). */
    public boolean isEnabled() {
        return mode != Repacking.NONE;
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
        switch (mode) {
            case NONE -> {
                return matrix;
            }
            case IN_BACKGROUND -> {
                // The same matrix: its tensor takes the copy in later (FloatTensor.attachRepacked).
                if (matrix.weight().repackedBytes(matrix.rows(), matrix.cols()) > 0) {
                    pending.add(matrix);
                }
                return matrix;
            }
            default -> {
                FloatTensor w = matrix.weight().repacked(matrix.rows(), matrix.cols());
                if (w == matrix.weight()) {
                    return matrix;
                }
                count(matrix);
                return new Linear(matrix.name(), w, matrix.rows(), matrix.cols(), matrix.bias());
            }
        }
    }

    private void count(Linear matrix) {
        bytes.addAndGet(matrix.weight().repackedBytes(matrix.rows(), matrix.cols()));
        replaced.addAndGet(matrix.weight().type().byteSize(
                (long) matrix.weight().repackedRows(matrix.rows(), matrix.cols()) * matrix.cols()));
    }

    /** Bytes the background copies will take ({@link Repacking#IN_BACKGROUND}, once the model is built). */
    public long pendingBytes() {
        long total = 0;
        for (Linear m : pending) {
            total += m.weight().repackedBytes(m.rows(), m.cols());
        }
        return total;
    }

    /**
     * Starts the background copies of the built model's matrices, on one low-priority daemon thread
     * (a copy on every core would slow the first prompt), unless {@code notMade} says why they are not
     * made (then there are none). Does nothing but finish for the other modes.
     */
    public void start(String threadName, String notMade) {
        if (mode != Repacking.IN_BACKGROUND || pending.isEmpty() || notMade != null) {
            this.notMade = notMade;
            pending.clear();
            finished.countDown();
            return;
        }
        copier = Thread.ofPlatform().daemon().name(threadName).priority(Thread.MIN_PRIORITY).start(this::copyAll);
    }

    private void copyAll() {
        long begin = System.nanoTime();
        try {
            for (Linear m : pending) {
                if (cancelled) {
                    notMade = "the model was closed";
                    return;
                }
                if (m.weight().attachRepacked(m.rows(), m.cols()) > 0) {
                    count(m);
                }
            }
        } catch (OutOfMemoryError e) {
            // Copies are an optimisation: the matrices copied so far keep theirs, the rest read the mapping.
            notMade = "memory ran out after " + (bytes.get() >> 20) + " MiB of copies";
        } finally {
            copyNanos = System.nanoTime() - begin;
            finished.countDown();
        }
    }

    /** Whether background copies are still being made. */
    public boolean isCopying() {
        return finished.getCount() > 0;
    }

    /**
     * Waits until the background copies are made (at once for the other modes); false when
     * {@code timeout} passed first.
     */
    public boolean awaitCopies(Duration timeout) throws InterruptedException {
        return finished.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** How long the background copies took, once made (0 before and for the other modes). */
    public long copyNanos() {
        return copyNanos;
    }

    /** Why background copies were not made, or not all of them (null when they were, or none was asked for). */
    public String notMade() {
        return notMade;
    }

    /**
     * Stops the background copies after the matrix being copied and waits for the thread to end, so
     * that the file can be unmapped safely afterwards.
     */
    @Override
    public void close() {
        cancelled = true;
        Thread t = copier;
        if (t != null) {
            boolean interrupted = false;
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * What copies of {@code file}'s matrices would take, at most: every 2-D tensor
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
