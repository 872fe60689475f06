package dev.venom.core.engine.internal;

import dev.venom.core.engine.BatchEntry;
import dev.venom.core.engine.Claim;
import dev.venom.core.engine.IdempotencyConflictException;
import dev.venom.core.engine.StateStore;
import dev.venom.core.engine.StoreException;
import dev.venom.core.engine.Submission;
import dev.venom.core.engine.TaskEvent;
import dev.venom.core.engine.TooManyPendingException;
import dev.venom.core.model.TaskLog;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admits new tasks: refuses them while the engine drains or too many wait, and stores each either PENDING
 * for a claim or, when a slot is free and nothing waits that it would overtake, already claimed by this
 * node so it starts at once ("start on arrival"). Thread-safe.
 */
public final class Submitter {

    private static final Logger log = LoggerFactory.getLogger(Submitter.class);

    private final StateStore store;
    private final String nodeId;
    private final Duration lease;
    private final int defaultMaxAttempts;
    private final TaskLog language;
    private final long maxPending;
    private final Lanes lanes;
    /** Told when a task is stored in a queue remote workers serve. */
    private final Runnable remoteArrival;
    private final Attempts attempts;
    private final Announcer announcer;
    private final EventBus events;
    private final Dispatcher dispatcher;
    private final LostAnswers lostAnswers;
    private final Lifecycle lifecycle;
    private final Timers timers;
    /** Tasks being stored already claimed; a shutdown waits for them. */
    private final Slots arriving = Slots.unbounded();
    /** Set once the store answered that it cannot store a task already claimed. */
    private volatile boolean arrivalsUnsupported;

    public Submitter(StateStore store, String nodeId, Duration lease, int defaultMaxAttempts, TaskLog language,
            long maxPending,
            Lanes lanes, Attempts attempts, Announcer announcer, EventBus events, Dispatcher dispatcher,
            LostAnswers lostAnswers, Lifecycle lifecycle, Timers timers, Runnable remoteArrival) {
        this.remoteArrival = remoteArrival;
        this.store = store;
        this.nodeId = nodeId;
        this.lease = lease;
        this.defaultMaxAttempts = defaultMaxAttempts;
        this.language = language;
        this.maxPending = maxPending;
        this.lanes = lanes;
        this.attempts = attempts;
        this.announcer = announcer;
        this.events = events;
        this.dispatcher = dispatcher;
        this.lostAnswers = lostAnswers;
        this.lifecycle = lifecycle;
        this.timers = timers;
    }

    /** Creates and stores a task for {@code request}; see {@code Orchestrator.submit}. */
    public CompletableFuture<Submission> submit(TaskRequest request, String idempotencyKey) {
        Optional<RuntimeException> refused = refusal(1);
        if (refused.isPresent()) {
            return CompletableFuture.failedFuture(refused.get());
        }
        VenomTask task = VenomTask.create(UUID.randomUUID(), request, defaultMaxAttempts, idempotencyKey,
                timers.clock().instant(), language);
        boolean eligible = idempotencyKey == null && task.runAt() == null && task.dependsOn().isEmpty()
                && !arrivalsUnsupported;
        Lane lane = lanes.lane(task.queue());
        boolean mayStart = eligible && !lane.remote() && !lane.paused() && dispatcher.nothingWaiting(lane);
        if (mayStart) {
            Optional<Permit> slot = lane.slots().tryAcquire();
            if (slot.isPresent()) {
                Permit arrival = arriving.acquireBeyondLimit();
                if (lifecycle.claims()) {
                    return startOnArrival(task, slot.get(), arrival);
                }
                arrival.release(); // closing, and the shutdown may have stopped waiting for arrivals
                slot.get().release();
            }
        }
        // Marked waiting: a task that may never start on arrival, or one that found no free slot. Not one that
        // found the free slots held by a claim in progress, nor one queued behind tasks already marked: the
        // claim its wake-up asks for takes it within a cooldown, and marking it would keep arrivals off for
        // as long as inserts overlap claims.
        boolean waits = !eligible || mayStart && !dispatcher.claimRunning();
        announcer.expect(task);
        return store.insert(task).whenComplete((stored, error) -> {
            if (error != null || !stored.id().equals(task.id())) {
                announcer.forget(task.id());
            }
        }).thenApply(stored -> {
            if (stored.id().equals(task.id())) {
                log.debug("task {} created", stored.id());
                announcer.announce(stored.id());
                if (stored.status() != TaskStatus.PENDING) {
                    if (stored.version() == 1) { // a dependency had ended unfinished; a later change tells itself
                        events.publish(TaskEvent.between(task.withVersion(1), stored));
                    }
                } else if (stored.isWaiting()) {
                    log.debug("task {} waits on {}", stored.id(), stored.waitingOn());
                } else if (lane.remote()) {
                    remoteArrival.run();
                } else {
                    if (waits) {
                        lane.markWaiting();
                    }
                    dispatcher.wake();
                }
                return new Submission(stored, true);
            }
            if (!request.matches(stored, defaultMaxAttempts)) {
                throw new IdempotencyConflictException(idempotencyKey, stored);
            }
            return new Submission(stored, false);
        });
    }

    /**
     * Why {@code adding} new tasks are refused, if they are: the engine is closing, or they would take the
     * PENDING tasks past {@code maxPending} (or the count could not be read).
     */
    private Optional<RuntimeException> refusal(int adding) {
        if (!lifecycle.acceptsTasks()) {
            return Optional.of(lifecycle.closedException());
        }
        if (maxPending > 0) {
            try {
                long pending = store.count(TaskStatus.PENDING);
                if (pending + adding > maxPending) {
                    return Optional.of(new TooManyPendingException(pending, maxPending));
                }
            } catch (StoreException e) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /**
     * Creates and stores a task for each request, all in one durable write or none; they are claimed as any
     * stored task is (a batch never starts on arrival).
     */
    public CompletableFuture<List<VenomTask>> submitAll(List<BatchEntry> entries) {
        Optional<RuntimeException> refused = refusal(entries.size());
        if (refused.isPresent()) {
            return CompletableFuture.failedFuture(refused.get());
        }
        Instant now = timers.clock().instant();
        List<UUID> ids = new ArrayList<>(entries.size());
        entries.forEach(entry -> ids.add(UUID.randomUUID()));
        List<VenomTask> tasks = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            tasks.add(VenomTask.create(ids.get(i), withEntries(entries.get(i), i, ids), defaultMaxAttempts, null,
                    now, language));
        }
        announcer.expectAll(tasks);
        CompletableFuture<List<VenomTask>> stored;
        try {
            stored = store.insertAll(tasks);
        } catch (RuntimeException e) {
            tasks.forEach(task -> announcer.forget(task.id()));
            throw e;
        }
        return stored.whenComplete((done, error) -> {
            if (error != null) {
                tasks.forEach(task -> announcer.forget(task.id()));
                return;
            }
            boolean remote = false;
            for (int i = 0; i < done.size(); i++) {
                VenomTask task = done.get(i);
                announcer.announce(task.id());
                if (task.status() != TaskStatus.PENDING) {
                    if (task.version() == 1) { // a dependency had ended unfinished
                        events.publish(TaskEvent.between(tasks.get(i).withVersion(1), task));
                    }
                    continue;
                }
                if (task.isWaiting()) {
                    continue;
                }
                Lane lane = lanes.lane(task.queue());
                remote |= lane.remote();
                lane.markWaiting();
            }
            dispatcher.wake();
            if (remote) {
                remoteArrival.run();
            }
        });
    }

    /**
     * The request of the batch's entry at {@code index}, depending also on the earlier entries it names.
     *
     * @throws IllegalArgumentException if it names itself or a later entry
     */
    private static TaskRequest withEntries(BatchEntry entry, int index, List<UUID> ids) {
        if (entry.dependsOnEntries().isEmpty()) {
            return entry.request();
        }
        List<UUID> dependsOn = new ArrayList<>(entry.request().dependsOnOrNone());
        for (int earlier : entry.dependsOnEntries()) {
            if (earlier < 0 || earlier >= index) {
                throw new IllegalArgumentException("entry " + index + " may depend on earlier entries only (0.."
                        + (index - 1) + "), not on entry " + earlier);
            }
            dependsOn.add(ids.get(earlier));
        }
        return entry.request().withDependsOn(dependsOn);
    }

    /**
     * Stores {@code task} claimed by this node in one write and runs it, in the slot reserved for it. A store
     * that cannot stores it PENDING instead, and it is claimed as usual. One that lands once the engine is
     * closing is returned to PENDING instead of run.
     */
    private CompletableFuture<Submission> startOnArrival(VenomTask task, Permit slot, Permit arrival) {
        announcer.expect(task); // a store that stores it PENDING lets a claim take it at once
        CompletableFuture<Optional<Claim>> stored;
        try {
            stored = Objects.requireNonNull(store.insertClaimed(task, nodeId, lease), "insertClaimed returned null");
        } catch (RuntimeException | Error e) {
            announcer.forget(task.id());
            slot.release();
            arrival.release();
            throw e;
        }
        return stored.handle((claim, error) -> {
            if (error != null) {
                lostAnswers.mayBeLost();
                announcer.forget(task.id());
                slot.release();
                arrival.release();
                dispatcher.wake(); // the slot is free again
                throw error instanceof CompletionException c ? c : new CompletionException(error);
            }
            if (claim.isEmpty()) {
                slot.release();
                arrival.release();
                arrivalsUnsupported = true;
                log.debug("task {} created", task.id());
                announcer.announce(task.id());
                dispatcher.mayBeWaiting();
                return new Submission(task.withVersion(1), true);
            }
            log.debug("task {} created and claimed", task.id());
            // Not under the claim lock, which a claim holds for its round trip: this may run on the store's
            // writer thread. A cancel that beats this line still ends the task: the attempt's writes are
            // fenced off by the version, its result is discarded, and its heartbeat stops it.
            Attempt attempt = attempts.register(claim.get(), slot);
            try {
                announcer.announce(task.id());
                events.publish(TaskEvent.claimed(claim.get().task()));
            } finally {
                if (lifecycle.claims()) {
                    attempts.execute(attempt);
                    arrival.release();
                } else {
                    attempt.giveBack().whenComplete((ignored, e) -> arrival.release());
                }
            }
            return new Submission(task.withVersion(1), true);
        });
    }

    /**
     * Waits (10 s at most, whatever the grace period) for tasks being stored already claimed: those that land
     * now are returned to PENDING rather than run.
     */
    public void awaitArrivals() {
        arriving.awaitNone(Duration.ofSeconds(10));
    }
}
