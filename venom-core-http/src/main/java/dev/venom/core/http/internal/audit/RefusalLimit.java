package dev.venom.core.http.internal.audit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * How many refusals of one client address the audit trail takes a second: a fixed window per address,
 * counting those it turns away, so the next entry can say how many. Thread-safe; forgets addresses idle for a
 * window once it knows many.
 */
final class RefusalLimit {

    private static final long WINDOW_NANOS = 1_000_000_000L;
    private static final int MAX_ADDRESSES = 10_000;

    /** One address's current window: when it began, entries taken in it, and refusals not taken since the last. */
    private static final class Window {
        long start;
        int taken;
        final AtomicLong skipped = new AtomicLong();
    }

    private final int perWindow;
    private final LongSupplier nanoTime;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    RefusalLimit(int perWindow, LongSupplier nanoTime) {
        this.perWindow = perWindow;
        this.nanoTime = nanoTime;
    }

    /** -1 if this refusal is not to be recorded; else how many of this address's were not, since the last one. */
    long admit(String address) {
        long now = nanoTime.getAsLong();
        if (windows.size() > MAX_ADDRESSES) {
            windows.values().removeIf(window -> now - window.start > WINDOW_NANOS && window.skipped.get() == 0);
        }
        Window window = windows.computeIfAbsent(address, a -> new Window());
        synchronized (window) {
            if (now - window.start > WINDOW_NANOS || window.taken == 0) {
                window.start = now;
                window.taken = 0;
            }
            if (window.taken >= perWindow) {
                window.skipped.incrementAndGet();
                return -1;
            }
            window.taken++;
            return window.skipped.getAndSet(0);
        }
    }
}
