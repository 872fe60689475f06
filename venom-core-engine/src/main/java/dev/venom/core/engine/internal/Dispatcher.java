package dev.venom.core.engine.internal;

import dev.venom.core.engine.Claim;
import dev.venom.core.engine.ClaimRequest;
import dev.venom.core.engine.QueueEvent;
import dev.venom.core.engine.QueueState;
import dev.venom.core.engine.StateStore;
import dev.venom.core.engine.StoreException;
import dev.venom.core.engine.TaskEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The claim loop: claims due tasks for every free slot of every queue that is not paused, in one call, and
 * registers their attempts, when woken (a new task, a slot freed, a retry come due, a queue resumed) and at
 * every poll. Wake-ups within the claim cooldown wait for its end and share one claim. It keeps each
 * {@link Lane}'s "waiting mark", and reads the queues and their pause state from the store every second, so a
 * pause or a new queue on another server is seen here within a second. Runs on the timer thread.
 */
public final class Dispatcher {

    private final StateStore store;
    private final String nodeId;
    private final Duration lease;
    private final long cooldownNanos;
    private final Lanes lanes;
    private final Attempts attempts;
    private final Announcer announcer;
    private final EventBus events;
    private final StoreHealth health;
    private final LostAnswers lostAnswers;
    private final Lifecycle lifecycle;
    private final Timers timers;
    private final Runnable remoteMayBeWaiting;
    private final AtomicBoolean queued = new AtomicBoolean();
    private final Object queueRefresh = new Object();
    /** When the cooldown began: the start of the last claim that left slots free. Wake-ups wait it out. */
    private volatile long lastClaimNanos;
    /** True while a dispatch holds free slots for its claim. */
    private volatile boolean claimRunning;

    public Dispatcher(StateStore store, String nodeId, Duration lease, Duration cooldown, Lanes lanes,
            Attempts attempts, Announcer announcer, EventBus events, StoreHealth health, LostAnswers lostAnswers,
            Lifecycle lifecycle, Timers timers) {
        this(store, nodeId, lease, cooldown, lanes, attempts, announcer, events, health, lostAnswers, lifecycle, timers,
                () -> { });
    }

    /** @param remoteMayBeWaiting told whenever a due task may be waiting, for remote workers' waiting claims */
    public Dispatcher(StateStore store, String nodeId, Duration lease, Duration cooldown, Lanes lanes,
            Attempts attempts, Announcer announcer, EventBus events, StoreHealth health, LostAnswers lostAnswers,
            Lifecycle lifecycle, Timers timers, Runnable remoteMayBeWaiting) {
        this.remoteMayBeWaiting = remoteMayBeWaiting;
        this.store = store;
        this.nodeId = nodeId;
        this.lease = lease;
        this.cooldownNanos = cooldown.toNanos();
        this.lanes = lanes;
        this.attempts = attempts;
        this.announcer = announcer;
        this.events = events;
        this.health = health;
        this.lostAnswers = lostAnswers;
        this.lifecycle = lifecycle;
        this.timers = timers;
        this.lastClaimNanos = timers.nanoTime() - cooldownNanos;
    }

    /** Polls every {@code interval}, the first time at once, and reads the queues every second. */
    public void start(Duration interval) {
        refreshQueues();
        timers.every("queues", this::refreshQueues, QUEUE_REFRESH, QUEUE_REFRESH);
        timers.every("dispatch", this::dispatch, Duration.ZERO, interval);
    }

    /** How often the queues and their pause state are read from the store. */
    static final Duration QUEUE_REFRESH = Duration.ofSeconds(1);

    /**
     * Reads the queues and their pause state from the store, tells the listeners of each pause and resume
     * (this server's or another's), and claims at once from a queue resumed.
     */
    public void refreshQueues() {
        Lanes.Changes changes;
        // One refresh at a time, read and applied together: an older read applied after a newer one would
        // undo an operator's pause until the next refresh.
        synchronized (queueRefresh) {
            try {
                changes = lanes.apply(store.queues());
            } catch (StoreException e) {
                health.unreachable(e);
                return;
            }
            Instant now = timers.clock().instant();
            for (QueueState change : changes.pauses()) {
                events.publishQueue(new QueueEvent(change.paused() ? QueueEvent.Type.PAUSED
                        : QueueEvent.Type.RESUMED, change.name(), 0, now));
            }
        }
        if (changes.resumed()) {
            mayBeWaiting();
        }
    }

    /**
     * Asks for a dispatch, unless one is queued or every slot is busy (a finishing attempt wakes it then).
     * Within the claim cooldown it is queued for the cooldown's end, so the wake-ups meanwhile share a claim.
     * While a claim runs it is left to that claim, which runs the next at once if it filled every place.
     */
    public void wake() {
        if (lifecycle.claims() && lanes.anyCanClaim() && queued.compareAndSet(false, true) && !claimRunning) {
            scheduleQueued();
        }
    }

    /** Runs the queued dispatch at the cooldown's end, or at once if the cooldown is over. */
    private void scheduleQueued() {
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
        remoteMayBeWaiting.run();
    }

    /** A due PENDING task of any queue may be waiting: arrivals queue behind it until a claim leaves slots free. */
    public void markWaiting() {
        lanes.markAllWaiting();
    }

    /**
     * True if no due PENDING task of {@code lane}'s queue is known to wait: the last claim left its slots
     * free, and nothing since said a task may be waiting (an insert that may not start on arrival or found no
     * free slot, a retry coming due, a rescue, a claim that filled every slot, a dispatch that found none
     * free). Then a new task may start at once without overtaking one that waits here. Tasks waiting that
     * this node was not told of (another server's, or one stored while a claim ran) are claimed by the
     * wake-up they cause, within a cooldown: arrivals may start before them meanwhile.
     */
    public boolean nothingWaiting(Lane lane) {
        return lane.nothingWaiting();
    }

    /** True while a claim holds the free slots. */
    public boolean claimRunning() {
        return claimRunning;
    }

    /**
     * Claims a task for every free slot of every queue not paused, and as many ahead as each queue may hold
     * (see {@link Lane}), in one call, and runs them.
     */
    public void dispatch() {
        long now = timers.nanoTime();
        lastClaimNanos = now; // before the flag clears, so a wake-up from here on waits out the cooldown
        queued.set(false);
        Map<String, LaneClaim> asked = new HashMap<>();
        if (lifecycle.claims()) {
            for (Lane lane : lanes.all()) {
                if (lane.paused() || lane.remote()) {
                    continue;
                }
                long mark = lane.mark(); // marks set from here on may be of tasks this claim does not see
                attempts.startClaimedAhead(lane); // a slot that freed goes to what waits ahead first
                int ahead = lane.aheadRoom();
                // While tasks claimed ahead still wait, a new claim may only queue behind them: given a free
                // slot it would start before tasks claimed earlier, of a higher priority or older.
                Grant free = lane.claimedAhead() > 0 ? lane.slots().acquire(0)
                        : lane.slots().acquire(lane.slots().limit());
                if (free.isEmpty() && ahead == 0) {
                    lane.markWaiting(); // every slot taken: what woke it may wait for a slot
                } else {
                    asked.put(lane.name(), new LaneClaim(lane, free, ahead, mark));
                }
            }
        }
        if (asked.isEmpty()) {
            lastClaimNanos = now - cooldownNanos; // no claim made
            return;
        }
        List<Attempt> claimed = new ArrayList<>();
        claimRunning = true;
        try {
            synchronized (attempts.claimLock()) {
                Map<String, Integer> limits = new HashMap<>();
                asked.forEach((queue, laneClaim) -> limits.put(queue, laneClaim.limit()));
                List<Claim> claims;
                try {
                    long asking = timers.nanoTime();
                    claims = store.claim(new ClaimRequest(nodeId, lease, limits));
                    lanes.claimRoundTrip().took(timers.nanoTime() - asking);
                    health.reachable();
                } catch (StoreException e) {
                    lostAnswers.mayBeLost();
                    health.unreachable(e);
                    return;
                }
                for (Claim claim : claims) {
                    announcer.announce(claim.task().id()); // a task claimed before its submitter heard back
                    events.publish(TaskEvent.claimed(claim.task()));
                    LaneClaim laneClaim = asked.get(claim.task().queue());
                    if (laneClaim == null) { // a store that gave a queue not asked for
                        Lane lane = lanes.lane(claim.task().queue());
                        claimed.add(attempts.register(claim, lane.slots().acquireBeyondLimit()));
                    } else {
                        laneClaim.take(claim, claimed);
                    }
                }
                for (LaneClaim laneClaim : asked.values()) {
                    if (laneClaim.filled()) {
                        // Every slot filled: more may be waiting, so the next free slot claims at once.
                        lastClaimNanos = now - cooldownNanos;
                        laneClaim.lane.markWaiting();
                    } else {
                        laneClaim.lane.drained(laneClaim.mark);
                    }
                }
            }
        } finally {
            claimRunning = false;
            asked.values().forEach(laneClaim -> laneClaim.free.releaseRest()); // no task found for them
            claimed.forEach(attempts::execute);
            asked.values().forEach(laneClaim -> attempts.startClaimedAhead(laneClaim.lane)); // a slot freed meanwhile
            if (queued.get()) {
                // Woken while it ran: now that this claim is known to have filled every place or not, the next
                // runs at once or at the cooldown's end. (A wake-up that saw it finish may have asked too: a
                // second dispatch finds nothing more to claim, or claims what freed meanwhile.)
                scheduleQueued();
            }
        }
    }

    /** What one dispatch asks of one lane: its free slots, and room for tasks claimed ahead of them. */
    private final class LaneClaim {
        private final Lane lane;
        private final Grant free;
        private final int ahead;
        private final long mark;
        private int taken;

        LaneClaim(Lane lane, Grant free, int ahead, long mark) {
            this.lane = lane;
            this.free = free;
            this.ahead = ahead;
            this.mark = mark;
        }

        int limit() {
            return free.size() + ahead;
        }

        /** Registers a task claimed for this lane: in a free slot, else ahead, else beyond the limit. */
        void take(Claim claim, List<Attempt> toRun) {
            taken++;
            if (taken <= free.size()) {
                toRun.add(attempts.register(claim, free.take()));
            } else if (taken <= limit()) {
                attempts.registerAhead(claim, lane);
            } else {
                toRun.add(attempts.register(claim, lane.slots().acquireBeyondLimit())); // more than asked
            }
        }

        boolean filled() {
            return taken >= limit();
        }
    }
}
