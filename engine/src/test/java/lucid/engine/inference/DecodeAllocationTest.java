package lucid.engine.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;

import org.junit.jupiter.api.Test;

import lucid.engine.gguf.SharedFixtures;

/**
 * A decode step allocates nothing once compiled: no closure, buffer or boxed value per token or per
 * layer (a capturing lambda per layer was 1.2 KB a token on smollm-135m). Two threads, so that work
 * is handed to a worker (a task that stays on one thread can be scalar-replaced by the JIT and hide an
 * allocation); what is counted is the calling thread's, where every task object is made. The JIT has to have compiled the hot loops first
 * (interpreted Vector API code allocates its vectors), so rounds repeat until one allocates nothing;
 * a real allocation per step shows in every round.
 */
class DecodeAllocationTest {

    private static final int STEPS = 100;
    private static final int ROUNDS = 60;

    @Test
    void aCompiledDecodeStepAllocatesNothing() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
        try (Engine engine = Engine.create(2);
             LoadedModel model = engine.load(SharedFixtures.file("models/stories260k.gguf"));
             InferenceSession session = model.newSession(STEPS + 8)) {
            long fewest = Long.MAX_VALUE;
            for (int round = 0; round < ROUNDS && fewest > 0; round++) {
                session.reset();
                session.prefill(new int[] {1, 403, 407});
                int token = 261;
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < STEPS; i++) {
                    session.step(token);
                    token = 260 + i % 100;
                }
                fewest = Math.min(fewest, threads.getCurrentThreadAllocatedBytes() - before);
            }
            assertEquals(0, fewest, "bytes allocated by " + STEPS + " decode steps in the best of " + ROUNDS + " rounds");
        }
    }
}
