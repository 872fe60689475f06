package dev.venom.core.engine.internal;

import dev.venom.core.engine.Claim;
import dev.venom.core.engine.RetryPolicy;
import dev.venom.core.engine.StateStore;
import dev.venom.core.engine.TaskProcessor;
import dev.venom.core.model.TaskLog;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The attempts running on this node, each with the slot it was claimed for, and what they share: the store,
 * the processor, the workers they run on. An attempt is registered under the {@linkplain #claimLock() claim
 * lock} by whoever claimed it, and leaves (giving its slot back) when it ends. Thread-safe.
 */
public final class Attempts {

    private static final Logger log = LoggerFactory.getLogger(Attempts.class);

    private final StateStore store;
    private final TaskProcessor processor;
    private final Timers timers;
    private final EventBus events;
    private final RetryPolicy retryPolicy;
    private final TaskLog language;
    private final Duration lease;
    private final Leases leases;
    private final Lifecycle lifecycle;
    private final ExecutorService workers;
    private final Lanes lanes;
    private final Runnable slotFreed;
    private final Consumer<Instant> retryDue;
    private final Map<UUID, Attempt> inFlight = new ConcurrentHashMap<>();
    private final Object claimLock = new Object();

    /**
     * @param lanes     the queues the attempts run in, whose slots they take
     * @param slotFreed called when an attempt has given its slot back and none claimed ahead took it
     * @param retryDue  called with the time a recorded retry comes due
     */
    public Attempts(StateStore store, TaskProcessor processor, Timers timers, EventBus events, RetryPolicy retryPolicy,
            TaskLog language, Duration lease, Lifecycle lifecycle, ExecutorService workers, Lanes lanes,
            Runnable slotFreed, Consumer<Instant> retryDue) {
        this.language = language;
        this.store = store;
        this.processor = processor;
        this.timers = timers;
        this.events = events;
        this.retryPolicy = retryPolicy;
        this.lease = lease;
        this.leases = new Leases(store, lease);
        this.lifecycle = lifecycle;
        this.workers = workers;
        this.lanes = lanes;
        this.slotFreed = slotFreed;
        this.retryDue = retryDue;
    }

    /**
     * Held by a claim from its call to the store until its attempts are registered, so that a cancel or a
     * search for unknown claims never finds a claim committed but not yet registered.
     */
    public Object claimLock() {
        return claimLock;
    }

    /** Registers the attempt {@code claim} gives, in the slot {@code permit} holds. */
    public Attempt register(Claim claim, Permit permit) {
        Attempt attempt = new Attempt(claim, permit, this);
        inFlight.put(attempt.id(), attempt);
        return attempt;
    }

    /** Registers the attempt {@code claim} gives, claimed ahead of a free slot: it starts when one frees. */
    public void registerAhead(Claim claim, Lane lane) {
        Attempt attempt = new Attempt(claim, null, this);
        inFlight.put(attempt.id(), attempt);
        lane.holdAhead(attempt);
    }

    /**
     * Starts what {@code lane} claimed ahead, as far as its slots are free. Claimed already, they start while
     * the engine drains too, and in a paused queue.
     */
    public void startClaimedAhead(Lane lane) {
        lane.startClaimedAhead(this::execute);
    }

    /** Runs a registered attempt on a worker; one that arrives as the workers stop goes back to PENDING. */
    public void execute(Attempt attempt) {
        try {
            workers.execute(attempt::run);
        } catch (RejectedExecutionException closing) {
            leave(attempt);
            attempt.release();
        }
    }

    /** Tells the attempt {@code attempt} of task {@code id}, if it runs here, that a client cancelled it. */
    public void cancelled(UUID id, int attempt) {
        Attempt running;
        synchronized (claimLock) {
            running = inFlight.get(id);
        }
        if (running != null && running.attempt() == attempt) {
            running.cancelledByClient();
        }
    }

    /** True if an attempt of the task with {@code id} runs here. */
    public boolean runs(UUID id) {
        return inFlight.containsKey(id);
    }

    /** How many attempts run here now. */
    public int running() {
        return inFlight.size();
    }

    /**
     * Renews the claim of every attempt that still holds one taken or renewed at least {@code fresh} ago: a
     * claim younger than that has nearly a whole lease left, and a brief task's ends before the next beat.
     */
    public void renewAll(Duration fresh) {
        long freshNanos = fresh.toNanos();
        for (Attempt attempt : inFlight.values()) {
            attempt.renew(freshNanos);
        }
    }

    /** Waits up to {@code timeout} for every attempt running now to end. */
    public void awaitAll(Duration timeout) {
        CompletableFuture<?>[] done = inFlight.values().stream().map(Attempt::done).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(done).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // the caller reports what is left
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.debug("an attempt ended abnormally during shutdown", e);
        }
    }

    /** The attempts running now, to return to PENDING at the end of a shutdown. */
    public List<Attempt> unfinished() {
        return List.copyOf(inFlight.values());
    }

    void finished(Attempt attempt) {
        leave(attempt);
        slotFreed(attempt);
    }

    private void leave(Attempt attempt) {
        inFlight.remove(attempt.id(), attempt);
        attempt.releaseSlots();
    }

    /** An attempt gave its slot back while its outcome is written: the slot may take new work. */
    void slotHandedOver(Attempt attempt) {
        slotFreed(attempt);
    }

    private void slotFreed(Attempt attempt) {
        startClaimedAhead(lanes.lane(attempt.queue()));
        slotFreed.run();
    }

    void ran(String queue, long nanos) {
        lanes.lane(queue).ran(nanos);
    }

    void retryDue(Instant at) {
        retryDue.accept(at);
    }

    StateStore store() {
        return store;
    }

    TaskProcessor processor() {
        return processor;
    }

    Timers timers() {
        return timers;
    }

    EventBus events() {
        return events;
    }

    RetryPolicy retryPolicy() {
        return retryPolicy;
    }

    TaskLog language() {
        return language;
    }

    Duration lease() {
        return lease;
    }

    /** The lease service the attempts renew through; remote workers' attempts share it. */
    public Leases leases() {
        return leases;
    }

    Lifecycle lifecycle() {
        return lifecycle;
    }
}
