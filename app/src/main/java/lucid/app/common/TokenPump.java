package lucid.app.common;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Carries streamed text from a worker to the UI thread in at most {@link #MAX_RATE} pulses a second.
 * A worker may produce thousands of tokens a second; the UI gets everything produced since the last
 * pulse as one string, so it re-renders at display rate, not at token rate.
 */
public final class TokenPump {

    public static final int MAX_RATE = 60;
    private static final long INTERVAL_NANOS = 1_000_000_000L / MAX_RATE;

    private final Executor uiThread;
    private final ScheduledExecutorService timer;
    private final Consumer<String> sink;
    private final StringBuilder pending = new StringBuilder();
    private boolean scheduled;
    private long lastPulse = System.nanoTime() - INTERVAL_NANOS;

    /**
     * @param uiThread runs pulses on the UI thread ({@code Platform::runLater})
     * @param timer    delays a pulse that would come too soon after the previous one
     * @param sink     receives the text of one pulse, on the UI thread
     */
    public TokenPump(Executor uiThread, ScheduledExecutorService timer, Consumer<String> sink) {
        this.uiThread = uiThread;
        this.timer = timer;
        this.sink = sink;
    }

    /** From any thread. */
    public void offer(String text) {
        if (text.isEmpty()) {
            return;
        }
        long delay;
        synchronized (this) {
            pending.append(text);
            if (scheduled) {
                return;
            }
            scheduled = true;
            delay = Math.max(0, lastPulse + INTERVAL_NANOS - System.nanoTime());
        }
        if (delay == 0) {
            uiThread.execute(this::pulse);
        } else {
            timer.schedule(() -> uiThread.execute(this::pulse), delay, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Delivers whatever is pending now, on the calling (UI) thread: used when generation ends, so the
     * final text is on screen before the reply is marked finished.
     */
    public void drain() {
        pulse();
    }

    private void pulse() {
        String text;
        synchronized (this) {
            text = pending.toString();
            pending.setLength(0);
            scheduled = false;
            lastPulse = System.nanoTime();
        }
        if (!text.isEmpty()) {
            sink.accept(text);
        }
    }
}
