package dev.venom.core.http.internal.audit;

import dev.venom.core.http.internal.auth.TokenBuckets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * How many refusals of one client address the audit trail takes a second (a token bucket per address, as the
 * rate limit keeps), counting those it turns away so the next entry can say how many. Thread-safe.
 */
final class RefusalLimit {

    private final TokenBuckets buckets;
    /** Refusals not recorded since the last one recorded, of the addresses that have any. */
    private final Map<String, AtomicLong> skipped = new ConcurrentHashMap<>();

    RefusalLimit(int perSecond, LongSupplier nanoTime) {
        this.buckets = new TokenBuckets(perSecond, nanoTime);
    }

    /** -1 if this refusal is not to be recorded; else how many of this address's were not, since the last one. */
    long admit(String address) {
        if (buckets.take(address) > 0) {
            skipped.computeIfAbsent(address, a -> new AtomicLong()).incrementAndGet();
            return -1;
        }
        AtomicLong before = skipped.remove(address);
        return before == null ? 0 : before.get();
    }
}
