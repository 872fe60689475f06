package dev.venom.core.engine.internal;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A count of slots with a limit, handed out as {@link Permit}s that give their slot back exactly once (or
 * as a {@link Grant} of several): no caller counts by hand. {@link #acquire} never takes more than the limit, however many threads race it.
 * Thread-safe.
 */
public final class Slots {

    private final int limit;
    private final AtomicInteger taken = new AtomicInteger();
    /** Where a permit's work may move while its outcome is written back, freeing its slot; or null. */
    private final Slots writeBacks;

    public Slots(int limit) {
        this(limit, null);
    }

    private Slots(int limit, Slots writeBacks) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, was " + limit);
        }
        this.limit = limit;
        this.writeBacks = writeBacks;
    }

    /**
     * {@code limit} slots for running work, and a window of {@code window} for work whose outcome is being
     * written back: a slot is for running a processor, not for waiting on a durable write (see
     * {@link Permit#handOver()}).
     */
    public static Slots withWriteBackWindow(int limit, int window) {
        return new Slots(limit, new Slots(window));
    }

    /** The write-back window, or null for slots that keep their work until it is written. */
    Slots writeBacks() {
        return writeBacks;
    }

    /** Slots with no practical limit, to count work in progress (see {@link #awaitNone}). */
    public static Slots unbounded() {
        return new Slots(Integer.MAX_VALUE);
    }

    /** Up to {@code wanted} slots, as many as are free now (none if none is), in one step. */
    public Grant acquire(int wanted) {
        while (true) {
            int now = taken.get();
            int grant = Math.max(0, Math.min(wanted, limit - now));
            if (grant == 0 || taken.compareAndSet(now, now + grant)) {
                return new Grant(this, grant);
            }
        }
    }

    /** One permit, if a slot is free. */
    public Optional<Permit> tryAcquire() {
        Grant one = acquire(1);
        return one.isEmpty() ? Optional.empty() : Optional.of(one.take());
    }

    /**
     * A permit even when every slot is taken: for work whose slot an earlier failure already gave back (a
     * claim whose answer was lost), so that the count stays true while it runs.
     */
    public Permit acquireBeyondLimit() {
        taken.incrementAndGet();
        return new Permit(this);
    }

    public int limit() {
        return limit;
    }

    /** Slots taken now. */
    public int taken() {
        return taken.get();
    }

    /** Waits until every permit is released, up to {@code timeout}; true if they were. */
    public boolean awaitNone(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (taken.get() > 0) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    void giveBack() {
        taken.decrementAndGet();
    }

    void giveBack(int slots) {
        taken.addAndGet(-slots);
    }
}
