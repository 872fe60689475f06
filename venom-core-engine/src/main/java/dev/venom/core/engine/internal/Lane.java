package dev.venom.core.engine.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One named queue on this server: its own slots, so a busy queue never takes another's, whether an operator
 * paused it, and its "waiting mark", which tells a {@link Submitter} whether a new task of the queue may start
 * at once without overtaking one that waits. Thread-safe.
 */
public final class Lane {

    private final String name;
    private final Slots slots;
    /** Bumped whenever a due PENDING task of this queue may be waiting in the store. */
    private final AtomicLong waitingMarks = new AtomicLong();
    /** The mark read before the last claim that left this queue's slots free, so found nothing more due. */
    private volatile long drainedAt = -1;
    private volatile boolean paused;
    private volatile boolean pausedItself;

    Lane(String name, int limit) {
        this.name = name;
        this.slots = Slots.withWriteBackWindow(limit);
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

    /** True if no due PENDING task of this queue is known to wait (see {@link Dispatcher#nothingWaiting}). */
    public boolean nothingWaiting() {
        return drainedAt == waitingMarks.get();
    }

    /** True if a task could start here now: not paused and a slot free. */
    boolean canStartMore() {
        return !paused && slots.taken() < slots.limit();
    }
}
