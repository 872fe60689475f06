package dev.venom.core.engine.internal;

import dev.venom.core.engine.Claim;
import dev.venom.core.engine.ClaimRequest;
import dev.venom.core.engine.StateStore;
import dev.venom.core.engine.StoreException;
import dev.venom.core.engine.TaskEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The claim loop: claims due tasks for every free slot and registers their attempts, when woken (a new task,
 * a slot freed, a retry come due) and at every poll. Wake-ups within the claim cooldown wait for its end and
 * share one claim. It also keeps the "waiting mark" that tells a {@link Submitter} whether a new task may
 * start at once without overtaking one that waits. Runs on the timer thread.
 */
public final class Dispatcher {

    private final StateStore store;
    private final String nodeId;
    private final Duration lease;
    private final long cooldownNanos;
    private final Slots slots;
    private final Attempts attempts;
    private final Announcer announcer;
    private final EventBus events;
    private final StoreHealth health;
    private final LostAnswers lostAnswers;
    private final Lifecycle lifecycle;
    private final Timers timers;
    private final AtomicBoolean queued = new AtomicBoolean();
    /** Bumped whenever a due PENDING task may be waiting in the store: see {@link #nothingWaiting()}. */
    private final AtomicLong waitingMarks = new AtomicLong();
    /** The mark read before the last claim that left slots free, so found nothing more due. */
    private volatile long drainedAt = -1;
    /** When the cooldown began: the start of the last claim that left slots free. Wake-ups wait it out. */
    private volatile long lastClaimNanos;
    /** True while a dispatch holds free slots for its claim. */
    private volatile boolean claimRunning;

    public Dispatcher(StateStore store, String nodeId, Duration lease, Duration cooldown, Slots slots,
            Attempts attempts, Announcer announcer, EventBus events, StoreHealth health, LostAnswers lostAnswers,
            Lifecycle lifecycle, Timers timers) {
        this.store = store;
        this.nodeId = nodeId;
        this.lease = lease;
        this.cooldownNanos = cooldown.toNanos();
        this.slots = slots;
        this.attempts = attempts;
        this.announcer = announcer;
        this.events = events;
        this.health = health;
        this.lostAnswers = lostAnswers;
        this.lifecycle = lifecycle;
        this.timers = timers;
        this.lastClaimNanos = timers.nanoTime() - cooldownNanos;
    }

    /** Polls every {@code interval}, the first time at once. */
    public void start(Duration interval) {
        timers.every("dispatch", this::dispatch, Duration.ZERO, interval);
    }

    /**
     * Asks for a dispatch, unless one is queued or every slot is busy (a finishing attempt wakes it then).
     * Within the claim cooldown it is queued for the cooldown's end, so the wake-ups meanwhile share a claim.
     */
    public void wake() {
        if (lifecycle.claims() && attempts.running() < slots.limit() && queued.compareAndSet(false, true)) {
            try {
                long wait = lastClaimNanos + cooldownNanos - timers.nanoTime();
                if (wait > 0) {
                    timers.schedule("dispatch", this::dispatch, Duration.ofNanos(wait));
                } else {
                    timers.execute("dispatch", this::dispatch);
                }
            } catch (RejectedExecutionException closing) {
                queued.set(false);
            }
        }
    }

    /**
     * Asks for a dispatch when a retry is due, rather than up to a poll interval later. One timer per retry;
     * they are dropped at shutdown.
     */
    public void wakeAt(Instant due) {
        // rounded up, so the claim it asks for does not come before the task is due
        long delayMs = Math.max(0, Duration.between(timers.clock().instant(), due).toMillis() + 1);
        try {
            timers.schedule("retry wake-up", this::mayBeWaiting, Duration.ofMillis(delayMs));
        } catch (RejectedExecutionException closing) {
            // nothing to wake
        }
    }

    /** A due PENDING task may be waiting: arrivals queue behind it, and a claim is asked for. */
    public void mayBeWaiting() {
        markWaiting();
        wake();
    }

    /** A due PENDING task may be waiting: arrivals queue behind it until a claim leaves slots free. */
    public void markWaiting() {
        waitingMarks.incrementAndGet();
    }

    /**
     * True if no due PENDING task is known to wait: the last claim left slots free, and nothing since said
     * a task may be waiting (an insert that may not start on arrival or found no free slot, a retry coming
     * due, a rescue, a claim that filled every slot, a dispatch that found none free). Then a new task may
     * start at once without overtaking one that waits here. Tasks waiting that this node was not told of
     * (another server's, or one stored while a claim ran) are claimed by the wake-up they cause, within a
     * cooldown: arrivals may start before them meanwhile.
     */
    public boolean nothingWaiting() {
        return drainedAt == waitingMarks.get();
    }

    /** True while a claim holds the free slots. */
    public boolean claimRunning() {
        return claimRunning;
    }

    /** Claims a task for every free slot and runs them. */
    public void dispatch() {
        long now = timers.nanoTime();
        lastClaimNanos = now; // before the flag clears, so a wake-up from here on waits out the cooldown
        queued.set(false);
        Grant free = slots.acquire(lifecycle.claims() ? slots.limit() : 0);
        if (free.isEmpty()) {
            lastClaimNanos = now - cooldownNanos; // no claim made
            if (lifecycle.claims()) {
                markWaiting(); // woken with every slot taken: what woke it waits for a slot
            }
            return;
        }
        List<Attempt> claimed = new ArrayList<>();
        long mark = waitingMarks.get(); // marks set from here on may be of tasks this claim does not see
        claimRunning = true;
        try {
            synchronized (attempts.claimLock()) {
                List<Claim> claims;
                try {
                    claims = store.claim(ClaimRequest.of(nodeId, free.size(), lease));
                    if (claims.size() == free.size()) {
                        // Every slot filled: more may be waiting, so the next free slot claims at once.
                        lastClaimNanos = now - cooldownNanos;
                        markWaiting();
                    } else {
                        drainedAt = mark;
                    }
                    health.reachable();
                } catch (StoreException e) {
                    lostAnswers.mayBeLost();
                    health.unreachable(e);
                    return;
                }
                for (Claim claim : claims) {
                    announcer.announce(claim.task().id()); // a task claimed before its submitter heard back
                    events.publish(TaskEvent.claimed(claim.task()));
                    claimed.add(attempts.register(claim, free.take()));
                }
            }
        } finally {
            claimRunning = false;
            free.releaseRest(); // the slots the claim found no task for
            claimed.forEach(attempts::execute);
        }
    }
}
