package lucid.tests.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import lucid.app.common.TokenPump;

/** The pump delivers every character, in order, in at most 60 pulses a second. */
class TokenPumpTest {

    @Test
    void coalescesAFloodOfTokensIntoAtMostSixtyPulsesASecond() throws Exception {
        ExecutorService ui = Executors.newSingleThreadExecutor();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        List<Long> pulseTimes = new ArrayList<>();
        StringBuilder received = new StringBuilder();
        TokenPump pump = new TokenPump(ui, timer, text -> {
            pulseTimes.add(System.nanoTime());
            received.append(text);
        });
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
        assertTrue(pulseTimes.size() <= 63, pulseTimes.size() + " pulses for " + i + " tokens in one second");
        assertTrue(pulseTimes.size() >= 20, "pulses keep coming while tokens flow: " + pulseTimes.size());
        for (int k = 1; k < pulseTimes.size() - 1; k++) {
            long gap = pulseTimes.get(k) - pulseTimes.get(k - 1);
            // 16.7 ms apart, less the time the previous pulse spent before its timestamp was taken.
            assertTrue(gap >= 12_000_000L, "pulse " + k + " came " + gap / 1e6 + " ms after the previous one");
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
