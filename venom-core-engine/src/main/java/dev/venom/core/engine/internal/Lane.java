package dev.venom.core.engine.internal;

import java.time.Duration;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One named queue on this server: its own slots, so a busy queue never takes another's, whether an operator
 * paused it, and its "waiting mark", which tells a {@link Submitter} whether a new task of the queue may start
 * at once without overtaking one that waits.
 *
 * <p>A queue whose processors return quickly also claims ahead: tasks claimed while its slots are busy, which
 * start the moment a slot frees, with no round trip to the store between. It holds about what its slots run
 * while one claim is on its way (at least one task per slot, at most {@link #MOST_AHEAD_PER_SLOT}), so the
 * next claim answers before they run dry. It pays only while a processor runs shorter than a claim takes; a
 * task claimed ahead is PROCESSING (its lease renewed) and waits about one claim's round trip, so a queue of
 * slower processors claims for free slots only.
 *
 * <p>A slot is for running a processor: once it returns, its outcome waits for the store's durable write in
 * a window of {@link #WRITE_BACKS_PER_SLOT} per slot, and the slot runs the next task. The store writes
 * those outcomes together; the window bounds what waits if the store is slower than the processors.
 * Thread-safe.
 */
public final class Lane {

    /** A queue claims ahead while its processors' mean run is shorter than this. */
    static final Duration CLAIM_AHEAD_BELOW = Duration.ofMillis(5);
    private static final long CLAIM_AHEAD_BELOW_NANOS = CLAIM_AHEAD_BELOW.toNanos();
    /** At most this many tasks per slot are claimed ahead: a bound on a claim, and on what a crash leaves leased. */
    static final int MOST_AHEAD_PER_SLOT = 16;
    /** Outcomes per slot that may wait for their durable write while the slot runs the next task. */
    static final int WRITE_BACKS_PER_SLOT = 32;

    private final String name;
    private final Slots slots;
    /** Bumped whenever a due PENDING task of this queue may be waiting in the store. */
    private final AtomicLong waitingMarks = new AtomicLong();
    /** The mark read before the last claim that left this queue's slots free, so found nothing more due. */
    private volatile long drainedAt = -1;
    private volatile boolean paused;
    private volatile boolean pausedItself;
    private final Queue<Attempt> claimedAhead = new ConcurrentLinkedQueue<>();
    private final AtomicInteger aheadCount = new AtomicInteger();
    /** How long the processors ran lately. */
    private final RecentMean runs = new RecentMean();

    private final boolean remote;
    private final RecentMean claims;

    Lane(String name, int limit) {
        this(name, limit, false, new RecentMean());
    }

    /**
     * @param remote the queue's tasks are left to remote workers: this server claims none of them
     * @param claims how long claims take lately, which sizes how far this lane claims ahead
     */
    Lane(String name, int limit, boolean remote, RecentMean claims) {
        this.name = name;
        this.slots = Slots.withWriteBackWindow(limit, (int) Math.min(Integer.MAX_VALUE,
                (long) limit * WRITE_BACKS_PER_SLOT));
        this.remote = remote;
        this.claims = claims;
    }

    /** True if remote workers run this queue's tasks, not this server's processor. */
    public boolean remote() {
        return remote;
    }

    public String name() {
        return name;
    }

    public Slots slots() {
        return slots;
    }

    /** True while an operator has paused this queue (or every queue): it starts nothing. */
    public boolean paused() {
        return paused;
    }

    /** True while an operator has paused this very queue (not only every queue). */
    public boolean pausedItself() {
        return pausedItself;
    }

    void paused(boolean itself, boolean all) {
        pausedItself = itself;
        paused = itself || all;
    }

    /** A due PENDING task of this queue may be waiting: its arrivals queue behind it. */
    public void markWaiting() {
        waitingMarks.incrementAndGet();
    }

    /** The mark to hand to {@link #drained} after a claim that reads the store from now on. */
    long mark() {
        return waitingMarks.get();
    }

    /** A claim that began at {@code mark} left slots free: nothing marked before it waits any more. */
    void drained(long mark) {
        drainedAt = mark;
    }

    /**
     * True if no due PENDING task of this queue is known to wait (see {@link Dispatcher#nothingWaiting}),
     * here or in the store.
     */
    public boolean nothingWaiting() {
        return drainedAt == waitingMarks.get() && aheadCount.get() == 0;
    }

    /** True if a claim could take a task for this lane now: not paused, and a slot or room ahead free. */
    boolean canClaimMore() {
        if (remote) {
            return false;
        }
        return !paused && (slots.taken() < slots.limit() || aheadRoom() > 0);
    }

    /** A processor of this queue ran for {@code nanos}. */
    void ran(long nanos) {
        runs.took(nanos);
    }

    /**
     * How many more tasks a claim may take beyond the free slots: none unless the processors run briefly;
     * else up to what the slots run during one claim's round trip, at least one and at most
     * {@link #MOST_AHEAD_PER_SLOT} per slot, less those already held.
     */
    int aheadRoom() {
        if (!runs.known()) {
            return 0;
        }
        long mean = runs.meanNanos();
        if (mean >= CLAIM_AHEAD_BELOW_NANOS) {
            return 0;
        }
        long limit = slots.limit();
        long runDuringAClaim = limit * claims.meanNanos() / Math.max(1, mean);
        long held = Math.min(limit * MOST_AHEAD_PER_SLOT, Math.max(limit, runDuringAClaim));
        return (int) Math.max(0, held - aheadCount.get());
    }

    /** Tasks claimed ahead, waiting for a slot. */
    int claimedAhead() {
        return aheadCount.get();
    }

    /** Holds {@code attempt}, claimed without a slot, until one frees (see {@link #startClaimedAhead}). */
    void holdAhead(Attempt attempt) {
        aheadCount.incrementAndGet();
        claimedAhead.add(attempt);
    }

    /** Starts attempts claimed ahead in the oldest order, as long as slots are free. */
    void startClaimedAhead(Consumer<Attempt> start) {
        while (aheadCount.get() > 0) {
            Optional<Permit> slot = slots.tryAcquire();
            if (slot.isEmpty()) {
                return;
            }
            Attempt next = claimedAhead.poll();
            if (next == null) {
                slot.get().release(); // another thread took the last one, or it is being added
                return;
            }
            aheadCount.decrementAndGet();
            next.occupy(slot.get());
            start.accept(next);
        }
    }
}
