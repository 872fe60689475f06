package dev.venom.core.engine;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * How long a failed task waits before its next attempt: {@code base * 2^(failedAttempt-1)}, never more than
 * {@code cap}, of which a random part up to {@code jitter} (a fraction, 0..1) is taken off so that tasks
 * that failed together do not retry together. Immutable; given to {@link Orchestrator.Builder#retryPolicy}.
 *
 * @param base   the wait before the first retry (before jitter); positive
 * @param cap    the longest wait, however many attempts failed; positive
 * @param jitter the largest fraction of a wait taken off at random, 0..1; 0.5 is "equal jitter"
 */
public record RetryPolicy(Duration base, Duration cap, double jitter) {

    /** 1 s doubling up to 10 min, with equal jitter. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(10), 0.5);

    public RetryPolicy {
        positive(base, "base");
        positive(cap, "cap");
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter must be 0..1, was " + jitter);
        }
    }

    /** This policy with another base. */
    public RetryPolicy withBase(Duration base) {
        return new RetryPolicy(base, cap, jitter);
    }

    /** The wait before the attempt after {@code failedAttempt} (1 for the first). */
    public Duration delayAfter(int failedAttempt) {
        return delayAfter(failedAttempt, ThreadLocalRandom.current());
    }

    /** The wait before the attempt after {@code failedAttempt}, with the jitter drawn from {@code random}. */
    public Duration delayAfter(int failedAttempt, RandomGenerator random) {
        long baseMs = base.toMillis();
        long capMs = cap.toMillis();
        int shift = Math.min(Math.max(failedAttempt - 1, 0), 40);
        long exponential = baseMs > (capMs >> shift) ? capMs : baseMs << shift;
        long spread = (long) (exponential * jitter);
        return Duration.ofMillis(exponential - spread + random.nextLong(spread + 1));
    }

    private static void positive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException("retry " + name + " must be > 0, was " + value);
        }
    }
}
