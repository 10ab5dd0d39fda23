package lucid.engine.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import lucid.engine.inference.Engine;
import lucid.engine.inference.InferenceSession;
import lucid.engine.inference.LoadedModel;
import lucid.engine.tensor.GgmlType;

/**
 * A compiled batched prefill of a Q4_K model allocates next to nothing, with decode steps of the same
 * model run between prompts.
 *
 * <p>The Q4_K kernels build some values in eight-float vectors. On a machine with 512-bit vectors,
 * storing those with {@code FloatVector.intoArray} put two vector classes into the profile that C2
 * reads for every caller of that method. The prefill's outer-product kernel
 * ({@code BatchMatmul.outer4}) was then compiled with its accumulators in objects. It allocated a
 * float array for every multiply-add, and prompts ran 15 times slower.
 *
 * <p>Two threads; what is counted is the calling thread's, which takes its share of the tiles. The
 * JIT has to have compiled the kernels first, so rounds repeat until one stays under the bound. With
 * the old stores, on an AVX-512 machine, the best of 60 rounds allocated 19 GB; with the fix the best
 * round allocates about 2 KB. Where float vectors are eight lanes wide there is only one class, and
 * this passes whatever the kernels do.
 */
class PrefillAllocationTest {

    /**
     * Two layers of llama-3.2-1b's width (rows of 2048 and 8192, as long as the loops where the broken
     * compile showed) with a small vocabulary.
     */
    private static final SyntheticPreset WIDE = new SyntheticPreset("wide", "2 layers of llama-3.2-1b, 512 tokens",
            2, 2048, 32, 8, 64, 8192, 512, 512, 500_000f, 1e-5f, true, null);

    private static final int PROMPT = 128;
    private static final int STEPS = 16;
    private static final int ROUNDS = 20;
    /** Far above what a compiled prefill allocates, far below the broken compile. */
    private static final long BOUND = 64 * 1024;

    @TempDir
    Path dir;

    @Test
    void aCompiledQ4KPrefillAllocatesAlmostNothing() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        Path path = dir.resolve("llama-q4_k.gguf");
        SyntheticModel.plan(SyntheticArchitecture.named("llama"), WIDE, GgmlType.Q4_K).write(path, 11, null);
        int[] prompt = new int[PROMPT];
        for (int i = 0; i < PROMPT; i++) {
            prompt[i] = 1 + (i * 37) % 500;
        }
        try (Engine engine = Engine.create(2);
             LoadedModel model = engine.load(path);
             InferenceSession session = model.newSession(PROMPT + STEPS + 8)) {
            long fewest = Long.MAX_VALUE;
            for (int round = 0; round < ROUNDS && fewest >= BOUND; round++) {
                session.reset();
                long before = threads.getCurrentThreadAllocatedBytes();
                session.prefill(prompt);
                fewest = Math.min(fewest, threads.getCurrentThreadAllocatedBytes() - before);
                for (int i = 0; i < STEPS; i++) {
                    session.step(2 + i);
                }
            }
            assertTrue(fewest < BOUND, "bytes allocated by a prefill of " + PROMPT + " tokens in the best of "
                    + ROUNDS + " rounds: " + fewest);
        }
    }
}
