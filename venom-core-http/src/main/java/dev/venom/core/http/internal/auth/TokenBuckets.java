package dev.venom.core.http.internal.auth;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A {@link TokenBucket} per caller (a key, an address), {@code perSecond} a second in bursts of as many; callers
 * whose buckets are full again are forgotten once many are known. Thread-safe.
 */
public final class TokenBuckets {

    /** Callers remembered at most; beyond, those whose buckets are full again are forgotten. */
    private static final int MAX_CALLERS = 10_000;

    private final int perSecond;
    private final LongSupplier nanoTime;
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

    public TokenBuckets(int perSecond, LongSupplier nanoTime) {
        if (perSecond < 1) {
            throw new IllegalArgumentException("the rate must be >= 1 a second, was " + perSecond);
        }
        this.perSecond = perSecond;
        this.nanoTime = nanoTime;
    }

    public int perSecond() {
        return perSecond;
    }

    /** Takes a token of {@code caller}'s; answers 0, or the nanoseconds until one is free. */
    public long take(String caller) {
        long now = nanoTime.getAsLong();
        if (buckets.size() > MAX_CALLERS) {
            buckets.values().removeIf(bucket -> bucket.isFull(now));
        }
        return buckets.computeIfAbsent(caller, c -> new TokenBucket(perSecond, now)).take(now);
    }
}
