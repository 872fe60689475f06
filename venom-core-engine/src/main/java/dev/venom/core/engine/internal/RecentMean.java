package dev.venom.core.engine.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The recent mean of a duration measured again and again, the newest weighing an eighth: how long a lane's
 * processors run, and how long a claim takes (which the {@link Dispatcher} measures for every lane, one
 * claim serving them all). A {@link Lane} of brief processors claims ahead what its slots run during a
 * claim. Thread-safe.
 */
public final class RecentMean {

    /** The weight of the newest measurement in the mean, as a shift: 1/8. */
    private static final int SHIFT = 3;

    /** The recent mean in nanoseconds, or -1 before the first measurement. */
    private final AtomicLong meanNanos = new AtomicLong(-1);

    /** It took {@code nanos} (a negative reading, which a monotonic clock never gives, counts as none). */
    void took(long nanos) {
        long took = Math.max(0, nanos);
        meanNanos.updateAndGet(mean -> mean < 0 ? took : mean + ((took - mean) >> SHIFT));
    }

    /** True once something was measured. */
    boolean known() {
        return meanNanos.get() >= 0;
    }

    /** The recent mean in nanoseconds; 0 before the first measurement. */
    long meanNanos() {
        return Math.max(0, meanNanos.get());
    }
}
