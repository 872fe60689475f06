package dev.venom.core.engine.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How long a claim has taken lately, from asking the store to its answer: what a {@link Lane} of brief
 * processors must cover with tasks claimed ahead, so that its slots do not run dry while the next claim is
 * on its way. Measured by the {@link Dispatcher}, shared by every lane (one claim serves them all).
 * Thread-safe.
 */
public final class ClaimRoundTrip {

    /** The weight of the newest claim in the mean, as a shift: 1/8. */
    private static final int MEAN_SHIFT = 3;

    /** The recent mean in nanoseconds, or -1 before the first claim. */
    private final AtomicLong meanNanos = new AtomicLong(-1);

    /** A claim took {@code nanos} (a negative reading, which a monotonic clock never gives, counts as none). */
    void took(long nanos) {
        long took = Math.max(0, nanos);
        meanNanos.updateAndGet(mean -> mean < 0 ? took : mean + ((took - mean) >> MEAN_SHIFT));
    }

    /** The recent mean in nanoseconds; 0 before the first claim. */
    long meanNanos() {
        return Math.max(0, meanNanos.get());
    }
}
