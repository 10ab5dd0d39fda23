package lucid.app.common;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

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
    private final LongSupplier clock;
    private final StringBuilder pending = new StringBuilder();
    private boolean scheduled;
    private long lastPulse;

    /**
     * @param uiThread runs pulses on the UI thread ({@code Platform::runLater})
     * @param timer    delays a pulse that would come too soon after the previous one
     * @param sink     receives the text of one pulse, on the UI thread
     */
    public TokenPump(Executor uiThread, ScheduledExecutorService timer, Consumer<String> sink) {
        this(uiThread, timer, System::nanoTime, sink);
    }

    /**
     * As above, with the clock the pump reads to space its pulses. It must tick as
     * {@link System#nanoTime} does, because the timer's delays are measured on that clock.
     */
    public TokenPump(Executor uiThread, ScheduledExecutorService timer, LongSupplier clock,
            Consumer<String> sink) {
        this.uiThread = uiThread;
        this.timer = timer;
        this.clock = clock;
        this.sink = sink;
        this.lastPulse = clock.getAsLong() - INTERVAL_NANOS;
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
            delay = Math.max(0, lastPulse + INTERVAL_NANOS - clock.getAsLong());
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
            lastPulse = clock.getAsLong();
        }
        if (!text.isEmpty()) {
            sink.accept(text);
        }
    }
}
