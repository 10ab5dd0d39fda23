package lucid.tests.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

import org.junit.jupiter.api.Test;

import lucid.app.common.TokenPump;

/** The pump delivers every character, in order, in at most 60 pulses a second. */
class TokenPumpTest {

    @Test
    void coalescesAFloodOfTokensIntoAtMostSixtyPulsesASecond() throws Exception {
        AtomicReference<Thread> uiThread = new AtomicReference<>();
        ExecutorService ui = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "ui");
            uiThread.set(thread);
            return thread;
        });
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        // The pump reads its clock on the UI thread only when a pulse starts: those readings are the
        // times it spaced its pulses by. (A timestamp taken in the sink would also count any pause,
        // a garbage collection say, between the pulse's start and the sink.)
        List<Long> pulseStarts = new ArrayList<>();
        LongSupplier clock = () -> {
            long now = System.nanoTime();
            if (Thread.currentThread() == uiThread.get()) {
                pulseStarts.add(now);
            }
            return now;
        };
        StringBuilder received = new StringBuilder();
        TokenPump pump = new TokenPump(ui, timer, clock, received::append);
        StringBuilder sent = new StringBuilder();
        long start = System.nanoTime();
        int i = 0;
        while (System.nanoTime() - start < 1_000_000_000L) { // one second of tokens as fast as possible
            String token = "t" + i++ + " ";
            sent.append(token);
            pump.offer(token);
        }
        Thread.sleep(100); // the last delayed pulse
        ui.submit(pump::drain).get();
        ui.shutdown();
        ui.awaitTermination(5, TimeUnit.SECONDS);
        timer.shutdownNow();
        assertEquals(sent.toString(), received.toString(), "every token arrives, in order");
        assertTrue(i > 10_000, "the producer was not throttled: " + i + " tokens");
        // 60 per second, plus the first immediate one and the final drain.
        assertTrue(pulseStarts.size() <= 63, pulseStarts.size() + " pulses for " + i + " tokens in one second");
        assertTrue(pulseStarts.size() >= 20, "pulses keep coming while tokens flow: " + pulseStarts.size());
        long interval = 1_000_000_000L / TokenPump.MAX_RATE;
        for (int k = 1; k < pulseStarts.size() - 1; k++) { // the last one is the drain, which never waits
            long gap = pulseStarts.get(k) - pulseStarts.get(k - 1);
            assertTrue(gap >= interval, "pulse " + k + " started " + gap / 1e6 + " ms after the previous one");
        }
    }

    @Test
    void aLoneTokenIsDeliveredAtOnce() throws Exception {
        ExecutorService ui = Executors.newSingleThreadExecutor();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        StringBuilder received = new StringBuilder();
        TokenPump pump = new TokenPump(ui, timer, received::append);
        pump.offer("hello");
        ui.submit(() -> { }).get();
        assertEquals("hello", received.toString());
        ui.shutdown();
        timer.shutdownNow();
    }
}
