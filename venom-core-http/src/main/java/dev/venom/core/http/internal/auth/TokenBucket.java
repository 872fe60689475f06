package dev.venom.core.http.internal.auth;

/**
 * A token bucket of {@code perSecond} tokens, refilled at {@code perSecond} a second, kept as the time it
 * is full again: a request moves that time one token later, and is refused if it would move it more than a
 * second past now. Thread-safe.
 */
final class TokenBucket {

    private final long nanosPerToken;
    private final long capacityNanos;
    private long fullAt;

    TokenBucket(int perSecond, long now) {
        this.nanosPerToken = 1_000_000_000L / perSecond;
        this.capacityNanos = nanosPerToken * perSecond;
        this.fullAt = now;
    }

    /** Takes a token at {@code now}; answers 0, or the nanoseconds until one is free. */
    synchronized long take(long now) {
        long next = Math.max(fullAt, now) + nanosPerToken;
        long over = next - (now + capacityNanos);
        if (over > 0) {
            return over;
        }
        fullAt = next;
        return 0;
    }

    /** True if every token is back at {@code now}: a caller idle this long may be forgotten. */
    synchronized boolean isFull(long now) {
        return fullAt <= now;
    }
}
