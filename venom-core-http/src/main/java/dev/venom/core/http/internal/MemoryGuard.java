package dev.venom.core.http.internal;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Admission by memory, so that a flood of large requests is refused before the heap runs out: request
 * bodies in flight share a byte budget, and new tasks are refused while the heap is nearly full even after
 * a garbage collection (the embedded store keeps every task in memory). Thread-safe; close it to stop
 * listening to the collector.
 */
public final class MemoryGuard implements AutoCloseable {

    /** A body costs about this many times its size while it is parsed, stored and journalled. */
    static final int BODY_COST_FACTOR = 16;
    static final long RECHECK_MS = 2_000;

    private final long heapMax;
    private final long bodyBudget;
    private final double heapLimit;
    private final AtomicLong bodiesInFlight = new AtomicLong();
    private final AtomicLong usedAfterGc = new AtomicLong();
    private final AtomicLong lastRecheckNanos = new AtomicLong(System.nanoTime() - TimeUnit.HOURS.toNanos(1));
    private final List<Runnable> unsubscribe = new ArrayList<>();
    /** The heap's pools: a collection also reports the others (metaspace, code cache), which do not count. */
    private final Set<String> heapPools = new HashSet<>();

    /**
     * @param heapMax     the heap's size limit in bytes
     * @param maxBodyBytes the largest body a request may have: the budget always admits one
     * @param heapLimit   the share of the heap (0..1) still in use after a collection from which new tasks
     *                    are refused
     */
    MemoryGuard(long heapMax, long maxBodyBytes, double heapLimit) {
        if (heapLimit <= 0 || heapLimit > 1) {
            throw new IllegalArgumentException("heapLimit must be in (0, 1], was " + heapLimit);
        }
        this.heapMax = heapMax;
        this.bodyBudget = Math.max(maxBodyBytes, heapMax / BODY_COST_FACTOR);
        this.heapLimit = heapLimit;
    }

    /**
     * A guard for this JVM's heap that refuses new tasks above 80 % of it in use after a collection: the rest
     * is headroom for the attempts running and the writes in flight.
     */
    public static MemoryGuard forThisJvm(long maxBodyBytes) {
        MemoryGuard guard = new MemoryGuard(Runtime.getRuntime().maxMemory(), maxBodyBytes, 0.8);
        guard.listenToCollections();
        return guard;
    }

    private void listenToCollections() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapPools.add(pool.getName());
            }
        }
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (collector instanceof NotificationEmitter emitter) {
                NotificationListener listener = this::collected;
                emitter.addNotificationListener(listener, null, null);
                unsubscribe.add(() -> {
                    try {
                        emitter.removeNotificationListener(listener);
                    } catch (javax.management.ListenerNotFoundException ignored) {
                        // already gone
                    }
                });
            }
        }
    }

    private void collected(Notification notification, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info =
                GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
        long used = 0;
        for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(pool.getKey())) {
                used += pool.getValue().getUsed();
            }
        }
        heapUsedAfterCollection(used);
    }

    /** Records how much of the heap the last collection left in use. */
    void heapUsedAfterCollection(long bytes) {
        usedAfterGc.set(bytes);
    }

    /**
     * Reserves room for a body of {@code bytes}; the caller {@linkplain #release releases} it once the request
     * has been answered.
     *
     * @return false if the bodies in flight already take the budget
     */
    public boolean reserve(long bytes) {
        while (true) {
            long inFlight = bodiesInFlight.get();
            if (inFlight > 0 && inFlight + bytes > bodyBudget) {
                return false;
            }
            if (bodiesInFlight.compareAndSet(inFlight, inFlight + bytes)) {
                return true;
            }
        }
    }

    /** Gives back what {@link #reserve} took. */
    public void release(long bytes) {
        bodiesInFlight.addAndGet(-bytes);
    }

    /**
     * Why new tasks are refused now, or empty: the heap nearly full after the last collection. A young
     * collection leaves old garbage counted; so while over the limit, a full collection is asked for (at
     * most every {@value #RECHECK_MS} ms, off the caller's thread) to learn what is really still in use.
     */
    public Optional<String> problem() {
        long used = usedAfterGc.get();
        if (used <= heapMax * heapLimit) {
            return Optional.empty();
        }
        recheck();
        return Optional.of("the heap is " + Math.round(100.0 * used / heapMax) + "% full after the last garbage "
                + "collection (new tasks are refused above " + Math.round(100 * heapLimit) + "%)");
    }

    private void recheck() {
        long now = System.nanoTime();
        long last = lastRecheckNanos.get();
        if (now - last >= TimeUnit.MILLISECONDS.toNanos(RECHECK_MS) && lastRecheckNanos.compareAndSet(last, now)) {
            Thread collect = new Thread(System::gc, "venom-memory-recheck");
            collect.setDaemon(true);
            collect.start();
        }
    }

    @Override
    public void close() {
        unsubscribe.forEach(Runnable::run);
    }
}
