package dev.venom.core.engine.internal;

import java.time.Duration;

/**
 * Remembers that a claim, or a start on arrival, failed in a way that may still have committed (a database
 * that answers after the driver gave up): for two leases after that, the {@link LeaseKeeper} looks for
 * claims this node holds without knowing. Thread-safe.
 */
public final class LostAnswers {

    private final Timers timers;
    private final long windowNanos;
    private volatile boolean possible;
    private volatile long untilNanos;

    public LostAnswers(Timers timers, Duration lease) {
        this.timers = timers;
        this.windowNanos = 2 * lease.toNanos();
    }

    /** A call's answer may be lost. */
    public void mayBeLost() {
        untilNanos = timers.nanoTime() + windowNanos;
        possible = true;
    }

    /** True while claims with lost answers should be looked for. */
    public boolean worthLookingFor() {
        if (!possible) {
            return false;
        }
        if (timers.nanoTime() - untilNanos > 0) {
            possible = false;
            return false;
        }
        return true;
    }
}
