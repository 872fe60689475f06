package dev.venom.core.engine;

import dev.venom.core.engine.internal.EventBus;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.Timestamps;
import dev.venom.core.model.VenomTask;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts tasks, claims them from the {@link StateStore} up to a concurrency limit, runs them through the
 * {@link TaskProcessor} and records each transition as one compare-and-set write. Keeps no copy of task
 * state: the store is the truth, so several orchestrators may share one store.
 *
 * <p>Lifecycle: {@link #builder()}, {@link #start()}, then {@link #close()}, which stops claiming, lets
 * running attempts finish within the grace period and returns the rest to PENDING so they run again.
 * Thread-safe.
 */
public final class Orchestrator implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Orchestrator.class);

    private final StateStore store;
    private final TaskProcessor processor;
    private final int concurrency;
    private final String nodeId;
    private final Clock clock;
    private final Duration lease;
    private final Duration heartbeat;
    private final Duration pollInterval;
    private final long claimCooldownNanos;
    private final Duration shutdownGrace;
    private final int defaultMaxAttempts;
    private final Duration retryBase;
    private final long maxPending;
    private final ScheduledExecutorService scheduler;
    private final EventBus events;
    /** Tasks submitted here whose creation event is not yet published. */
    private final Map<UUID, VenomTask> unannounced = new ConcurrentHashMap<>();
    private final ExecutorService workers;
    private final Map<UUID, Attempt> inFlight = new ConcurrentHashMap<>();
    /**
     * Slots taken: the attempts in {@link #inFlight} and those reserved on their way in ({@link #reserve});
     * never above the concurrency. An attempt keeps its slot from its reservation until it leaves inFlight.
     */
    private final AtomicInteger slots = new AtomicInteger();
    /** True while a dispatch holds free slots for its claim. */
    private volatile boolean claimRunning;
    /** Tasks being stored already claimed; {@link #close()} waits for them. */
    private final AtomicInteger arriving = new AtomicInteger();
    /** Bumped whenever a due PENDING task may be waiting in the store: see {@link #nothingWaiting()}. */
    private final AtomicLong waitingMarks = new AtomicLong();
    /** The mark read before the last claim that left slots free, so found nothing more due. */
    private volatile long drainedAt = -1;
    /** Set once the store answered that it cannot store a task already claimed. */
    private volatile boolean arrivalsUnsupported;
    private final AtomicBoolean dispatchQueued = new AtomicBoolean();
    /** When the cooldown began: the start of the last claim that left slots free. Wake-ups wait it out. */
    private volatile long lastClaimNanos;
    /** Held from a claim until its attempts are registered in {@link #inFlight}. */
    private final Object claimLock = new Object();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean accepting = true;
    private volatile boolean storeDown;
    /**
     * After an outage, leases expired for every server alike; rescuing waits a lease (on this node's
     * monotonic clock) so the holders can renew them, and their recorded results are not lost.
     */
    private volatile long rescueAfterNanos = System.nanoTime();
    /** Set once a shutdown's grace period is over: changes the store refuses are then given up. */
    private volatile boolean abandonWrites;
    private volatile boolean claiming;
    private final Set<UUID> heldBeforeStart = ConcurrentHashMap.newKeySet();
    private volatile boolean heldBeforeStartUnknown;
    /** Set when a claim's answer may have been lost; the heartbeat looks for such claims until the deadline. */
    private volatile boolean lostAnswersPossible;
    private volatile long lostAnswersUntilNanos;

    private Orchestrator(Builder b) {
        this.store = b.store;
        this.processor = b.processor;
        this.concurrency = b.concurrency;
        this.nodeId = b.nodeId;
        this.clock = b.clock;
        this.lease = b.lease;
        this.heartbeat = b.heartbeat;
        this.pollInterval = b.pollInterval;
        this.claimCooldownNanos = b.claimCooldown.toNanos();
        this.lastClaimNanos = System.nanoTime() - claimCooldownNanos;
        this.shutdownGrace = b.shutdownGrace;
        this.defaultMaxAttempts = b.defaultMaxAttempts;
        this.retryBase = b.retryBase;
        this.maxPending = b.maxPending;
        this.events = new EventBus(b.listeners, b.eventCapacity);
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, named("venom-scheduler"));
        timers.setRemoveOnCancelPolicy(true); // a finished attempt's timeout timer goes at once
        timers.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.scheduler = timers;
        ThreadPoolExecutor pool = new ThreadPoolExecutor(concurrency, concurrency, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), named("venom-worker"));
        pool.allowCoreThreadTimeOut(true);
        this.workers = pool;
    }

    /** A builder; {@link Builder#store store} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts claiming and running tasks. Idempotent. */
    public Orchestrator start() {
        if (closed.get()) {
            throw new IllegalStateException("orchestrator " + nodeId + " is closed");
        }
        if (started.compareAndSet(false, true)) {
            rememberClaimsHeldBeforeStart();
            claiming = true;
            long pollMs = pollInterval.toMillis();
            long maintainMs = heartbeat.toMillis();
            // Not a waiting mark: the inserting server claims its own tasks, and with free slots here (the only
            // time arrivals start) this one claims them too within a cooldown.
            store.onNewTasks(this::wake);
            if (events.wantsRemoteEvents()) {
                store.onRemoteEvents(new StateStore.RemoteListener() {
                    @Override
                    public void events(List<TaskEvent> remote) {
                        events.publishRemote(remote);
                    }

                    @Override
                    public void missed() {
                        events.missed();
                    }

                    @Override
                    public boolean wanted() {
                        return events.wantsRemoteEventsNow();
                    }
                });
            }
            scheduler.scheduleWithFixedDelay(guarded("dispatch", this::dispatch), 0, pollMs, TimeUnit.MILLISECONDS);
            scheduler.scheduleWithFixedDelay(guarded("lease upkeep", this::maintain), maintainMs, maintainMs,
                    TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /**
     * Creates a PENDING task for {@code request} and stores it.
     *
     * <p>When a slot is free and no task is known to be waiting, the task is stored already claimed by this
     * node ({@link StateStore#insertClaimed}) and starts at once, without a claim of its own; otherwise it
     * waits for a claim. Either way it is durable before the future completes.
     *
     * @return the task as created (PENDING, version 1), once it is durable; fails with
     *     {@link StoreException} if it could not be stored, {@link TooManyPendingException} when
     *     {@code maxPending} tasks are waiting, or {@link IllegalStateException} once the orchestrator is
     *     closing
     */
    public CompletableFuture<VenomTask> submit(TaskRequest request) {
        return submit(request, null).thenApply(Submission::task);
    }

    /**
     * Like {@link #submit(TaskRequest)}, at most once per {@code idempotencyKey}: the first submission with a
     * key creates the task; a repeat with an equal request answers that task with {@code created} false; a
     * repeat with a different request fails with {@link IdempotencyConflictException}. A key lives as long
     * as its task.
     *
     * @param idempotencyKey 1..255 printable ASCII characters, or {@code null} for none
     */
    public CompletableFuture<Submission> submit(TaskRequest request, String idempotencyKey) {
        Objects.requireNonNull(request, "request");
        if (idempotencyKey != null) {
            checkIdempotencyKey(idempotencyKey);
        }
        if (!accepting) {
            return CompletableFuture.failedFuture(
                    new IllegalStateException("orchestrator " + nodeId + " is shutting down"));
        }
        if (maxPending > 0) {
            long pending;
            try {
                pending = store.count(TaskStatus.PENDING);
            } catch (StoreException e) {
                return CompletableFuture.failedFuture(e);
            }
            if (pending >= maxPending) {
                return CompletableFuture.failedFuture(new TooManyPendingException(pending, maxPending));
            }
        }
        VenomTask task = VenomTask.create(UUID.randomUUID(), request, defaultMaxAttempts, idempotencyKey,
                clock.instant());
        boolean eligible = idempotencyKey == null && task.runAt() == null && !arrivalsUnsupported;
        boolean mayStart = eligible && nothingWaiting();
        if (mayStart && reserve(1) == 1) {
            arriving.incrementAndGet();
            if (claiming) {
                return startOnArrival(task);
            }
            arriving.decrementAndGet(); // closing, and close() may have stopped waiting for arrivals
            slots.decrementAndGet();
        }
        // Marked waiting: a task that may never start on arrival, or one that found no free slot. Not one that
        // found the free slots held by a claim in progress, nor one queued behind tasks already marked: the
        // claim its wake-up asks for takes it within a cooldown, and marking it would keep arrivals off for
        // as long as inserts overlap claims.
        boolean waits = !eligible || mayStart && !claimRunning;
        unannounced.put(task.id(), task);
        return store.insert(task).whenComplete((stored, error) -> {
            if (error != null || !stored.id().equals(task.id())) {
                unannounced.remove(task.id());
            }
        }).thenApply(stored -> {
            if (stored.id().equals(task.id())) {
                log.debug("task {} created", stored.id());
                announce(stored.id());
                if (waits) {
                    waitingMarks.incrementAndGet();
                }
                wake();
                return new Submission(stored, true);
            }
            if (!request.matches(stored, defaultMaxAttempts)) {
                throw new IdempotencyConflictException(idempotencyKey, stored);
            }
            return new Submission(stored, false);
        });
    }

    /**
     * Stores {@code task} claimed by this node in one write and runs it, in the slot reserved for it. A store
     * that cannot stores it PENDING instead, and it is claimed as usual. One that lands once the orchestrator
     * is closing is returned to PENDING instead of run.
     */
    private CompletableFuture<Submission> startOnArrival(VenomTask task) {
        unannounced.put(task.id(), task); // a store that stores it PENDING lets a claim take it at once
        CompletableFuture<Optional<Claim>> stored;
        try {
            stored = Objects.requireNonNull(store.insertClaimed(task, nodeId, lease), "insertClaimed returned null");
        } catch (RuntimeException | Error e) {
            unannounced.remove(task.id());
            slots.decrementAndGet();
            arriving.decrementAndGet();
            throw e;
        }
        return stored.handle((claim, error) -> {
            if (error != null) {
                answerMayBeLost();
                unannounced.remove(task.id());
                slots.decrementAndGet();
                arriving.decrementAndGet();
                wake(); // the slot is free again
                throw error instanceof CompletionException c ? c : new CompletionException(error);
            }
            if (claim.isEmpty()) {
                slots.decrementAndGet();
                arriving.decrementAndGet();
                arrivalsUnsupported = true;
                log.debug("task {} created", task.id());
                announce(task.id());
                mayBeWaiting();
                return new Submission(task.withVersion(1), true);
            }
            log.debug("task {} created and claimed", task.id());
            Attempt attempt = new Attempt(claim.get());
            // Not under the claim lock, which a claim holds for its round trip: this may run on the store's
            // writer thread. A cancel that beats this line still ends the task: the attempt's writes are
            // fenced off by the version, its result is discarded, and its heartbeat stops it.
            inFlight.put(attempt.id, attempt);
            try {
                announce(task.id());
                events.publish(TaskEvent.claimed(claim.get().task()));
            } finally {
                if (claiming) {
                    execute(attempt);
                    arriving.decrementAndGet();
                } else {
                    attempt.release().whenComplete((requeued, releaseError) -> {
                        finished(attempt);
                        attempt.done.complete(null);
                        arriving.decrementAndGet();
                    });
                }
            }
            return new Submission(task.withVersion(1), true);
        });
    }

    /** Runs a registered attempt on a worker; one that arrives as the workers stop goes back to PENDING. */
    private void execute(Attempt attempt) {
        try {
            workers.execute(attempt::run);
        } catch (RejectedExecutionException closing) {
            leave(attempt);
            attempt.release();
        }
    }

    /**
     * Takes up to {@code wanted} free slots for attempts about to be put in {@link #inFlight}; a slot taken
     * but not used is given back to {@link #slots}.
     *
     * @return how many slots were taken
     */
    private int reserve(int wanted) {
        while (true) {
            int taken = slots.get();
            int grant = Math.min(wanted, concurrency - taken);
            if (grant <= 0) {
                return 0;
            }
            if (slots.compareAndSet(taken, taken + grant)) {
                return grant;
            }
        }
    }

    /**
     * True if no due PENDING task is known to wait: the last claim left slots free, and nothing since said
     * a task may be waiting (an insert that may not start on arrival or found no free slot, a retry coming
     * due, a rescue, a claim that filled every slot, a dispatch that found none free). Then a new task may
     * start at once without overtaking one that waits here. Tasks waiting that this node was not told of
     * (another server's, or one stored while a claim ran) are claimed by the wake-up they cause, within a
     * cooldown: arrivals may start before them meanwhile.
     */
    private boolean nothingWaiting() {
        return drainedAt == waitingMarks.get();
    }

    /** A due PENDING task may be waiting: arrivals queue behind it, and a claim is asked for. */
    private void mayBeWaiting() {
        waitingMarks.incrementAndGet();
        wake();
    }

    /** The longest idempotency key accepted. */
    public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 255;

    /**
     * Checks an idempotency key: 1..255 printable ASCII characters.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static void checkIdempotencyKey(String key) {
        if (key.isEmpty() || key.length() > MAX_IDEMPOTENCY_KEY_LENGTH) {
            throw new IllegalArgumentException("idempotency key must be 1.." + MAX_IDEMPOTENCY_KEY_LENGTH
                    + " characters, was " + key.length());
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException("idempotency key must be printable ASCII; character "
                        + (i + 1) + " is U+" + String.format("%04X", (int) c));
            }
        }
    }

    /**
     * Cancels a PENDING or PROCESSING task: it becomes CANCELLED ({@code Cancelled: <time>} logged); a
     * processor running it here sees {@link TaskContext#isCancelled()}, its future is cancelled, and a
     * result it still produces is discarded. With a shared store, an attempt on another node loses its
     * claim the same way.
     *
     * @return the cancelled task once durable, empty if no task has {@code id}; fails with
     *     {@link TaskEndedException} if the task had already ended
     */
    public CompletableFuture<Optional<VenomTask>> cancel(UUID id) {
        Objects.requireNonNull(id, "id");
        return cancel(id, 0);
    }

    private CompletableFuture<Optional<VenomTask>> cancel(UUID id, int conflicts) {
        Optional<VenomTask> found = store.find(id);
        if (found.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        VenomTask current = found.get();
        if (current.status().isTerminal()) {
            return CompletableFuture.failedFuture(new TaskEndedException(current));
        }
        return store.update(current, current.cancel(clock.instant())).thenCompose(stored -> {
            if (stored.isPresent()) {
                log.info("task {} cancelled while {}", id, current.status());
                events.publish(TaskEvent.between(current, stored.get()));
                Attempt running;
                synchronized (claimLock) {
                    running = inFlight.get(id);
                }
                if (running != null && running.claim.task().attempts() == current.attempts()) {
                    running.cancelledByClient();
                }
                return CompletableFuture.completedFuture(stored);
            }
            if (conflicts >= 100) {
                return CompletableFuture.failedFuture(new StoreException(
                        "task " + id + " kept changing; could not cancel it after " + conflicts + " tries"));
            }
            return cancel(id, conflicts + 1); // it changed meanwhile (a log line, a claim, its end): look again
        });
    }

    /** The task with {@code id}, as the store has it. */
    public Optional<VenomTask> find(UUID id) {
        return store.find(id);
    }

    /** One page of tasks, oldest first. */
    public TaskPage list(TaskQuery query) {
        return store.list(query);
    }

    /** This node's id, the owner of its claims. */
    public String nodeId() {
        return nodeId;
    }

    /** True until {@link #close()} begins: new tasks are accepted. */
    public boolean isAccepting() {
        return accepting;
    }

    /** How many tasks the store holds in {@code status} ({@link StateStore#count}). */
    public long count(TaskStatus status) {
        return store.count(status);
    }

    /** Why the store cannot take writes now, if it cannot ({@link StateStore#problem()}). */
    public Optional<String> storeProblem() {
        return store.problem();
    }

    /** How many attempts may run at once. */
    public int concurrency() {
        return concurrency;
    }

    /** How many attempts run on this node now. */
    public int running() {
        return inFlight.size();
    }

    /** The processor tasks run through. */
    public TaskProcessor processor() {
        return processor;
    }

    /**
     * Stops accepting and claiming, waits up to the grace period for running attempts, then cancels the
     * rest and returns them to PENDING so they run again. Does not close the store. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        accepting = false;
        claiming = false;
        awaitDispatchInProgress();
        awaitArrivals();
        awaitAll(new ArrayList<>(inFlight.values()), shutdownGrace);
        abandonWrites = true;
        List<Attempt> unfinished = new ArrayList<>(inFlight.values());
        if (!unfinished.isEmpty()) {
            log.warn("{} task(s) still running after the {} ms grace period; returning them to PENDING: {}",
                    unfinished.size(), shutdownGrace.toMillis(), unfinished.stream().map(a -> a.id).toList());
            List<CompletableFuture<?>> releases = new ArrayList<>();
            for (Attempt attempt : unfinished) {
                releases.add(attempt.release());
            }
            try {
                CompletableFuture.allOf(releases.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.error("could not return all unfinished tasks to PENDING; they run again after a restart", e);
            }
        }
        shutdown(scheduler, "venom-scheduler");
        shutdown(workers, "venom-worker");
        events.close();
    }

    /** The scheduler is single-threaded: once a no-op has run on it, no dispatch is still claiming. */
    private void awaitDispatchInProgress() {
        try {
            scheduler.submit(() -> { }).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("a dispatch still running at shutdown may leave its tasks PROCESSING until the next start", e);
        }
    }

    /**
     * Waits (10 s at most, whatever the grace period) for tasks being stored already claimed: those that land
     * now are returned to PENDING rather than run.
     */
    private void awaitArrivals() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (arriving.get() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Publishes the creation of a task submitted here, once: from its submitter or from the claim that took
     * it, whichever comes first, so a listener never hears of a task's claim before its creation.
     */
    private void announce(UUID id) {
        VenomTask created = unannounced.remove(id);
        if (created != null) {
            events.publish(List.of(TaskEvent.created(created.withVersion(1))));
        }
    }

    /**
     * Asks for a dispatch, unless one is queued or every slot is busy (a finishing attempt wakes it then).
     * Within the claim cooldown it is queued for the cooldown's end, so the wake-ups meanwhile share a claim.
     */
    private void wake() {
        if (claiming && inFlight.size() < concurrency && dispatchQueued.compareAndSet(false, true)) {
            try {
                long wait = lastClaimNanos + claimCooldownNanos - System.nanoTime();
                if (wait > 0) {
                    scheduler.schedule(guarded("dispatch", this::dispatch), wait, TimeUnit.NANOSECONDS);
                } else {
                    scheduler.execute(guarded("dispatch", this::dispatch));
                }
            } catch (RejectedExecutionException closing) {
                dispatchQueued.set(false);
            }
        }
    }

    /**
     * Asks for a dispatch when a retry is due, rather than up to a poll interval later. One timer per retry,
     * at most {@link #MAX_BACKOFF} ahead; they are dropped at shutdown.
     */
    private void wakeAt(Instant due) {
        // rounded up, so the claim it asks for does not come before the task is due
        long delayMs = Math.max(0, Duration.between(clock.instant(), due).toMillis() + 1);
        try {
            scheduler.schedule(this::mayBeWaiting, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // nothing to wake
        }
    }

    private void dispatch() {
        long now = System.nanoTime();
        lastClaimNanos = now; // before the flag clears, so a wake-up from here on waits out the cooldown
        dispatchQueued.set(false);
        int free = claiming ? reserve(concurrency) : 0;
        if (free == 0) {
            lastClaimNanos = now - claimCooldownNanos; // no claim made
            if (claiming) {
                waitingMarks.incrementAndGet(); // woken with every slot taken: what woke it waits for a slot
            }
            return;
        }
        List<Attempt> claimed = new ArrayList<>();
        long mark = waitingMarks.get(); // marks set from here on may be of tasks this claim does not see
        claimRunning = true;
        try {
            synchronized (claimLock) { // a cancel that wins against a fresh claim finds its attempt
                List<Claim> claims;
                try {
                    claims = store.claim(nodeId, free, lease);
                    if (claims.size() == free) {
                        // Every slot filled: more may be waiting, so the next free slot claims at once.
                        lastClaimNanos = now - claimCooldownNanos;
                        waitingMarks.incrementAndGet();
                    } else {
                        drainedAt = mark;
                    }
                    storeReachable();
                } catch (StoreException e) {
                    answerMayBeLost();
                    storeUnreachable(e);
                    return;
                }
                for (Claim claim : claims) {
                    announce(claim.task().id()); // a task claimed before its submitter heard back is created first
                    events.publish(TaskEvent.claimed(claim.task()));
                    Attempt attempt = new Attempt(claim);
                    inFlight.put(attempt.id, attempt);
                    claimed.add(attempt);
                }
            }
        } finally {
            claimRunning = false;
            slots.addAndGet(claimed.size() - free); // the slots the claim found no task for
            claimed.forEach(this::execute);
        }
    }

    /** The heartbeat: renews this node's leases, then returns expired ones (of any node) to the queue. */
    private void maintain() {
        try {
            for (Attempt attempt : inFlight.values()) {
                attempt.renew();
            }
            adoptUnknownClaims();
            storeReachable();
            if (System.nanoTime() - rescueAfterNanos < 0) {
                return; // just back from an outage: every server gets one lease to renew what it holds
            }
            int rescued = store.rescueExpired();
            if (rescued > 0) {
                log.warn("rescued {} task(s) whose claim expired", rescued);
                mayBeWaiting();
            }
        } catch (StoreException e) {
            storeUnreachable(e);
        }
    }

    /**
     * The claims this node id held when this engine started: those of an earlier process with the same id
     * (a restarted container keeps its host name and pid), whose attempts may have run. They are left to
     * expire and be rescued as before, never adopted.
     */
    private void rememberClaimsHeldBeforeStart() {
        try {
            store.claimsOf(nodeId).forEach(claim -> heldBeforeStart.add(claim.task().id()));
        } catch (StoreException e) {
            log.warn("could not read the claims node {} held before this start ({}); claims whose answer is lost "
                    + "are not looked for in this run", nodeId, e.getMessage());
            heldBeforeStartUnknown = true;
        }
    }

    /**
     * A claim, or a start on arrival, failed: it may still have committed (a database that answers after the
     * driver gave up). For two leases the heartbeat looks for such claims.
     */
    private void answerMayBeLost() {
        lostAnswersUntilNanos = System.nanoTime() + 2 * lease.toNanos();
        lostAnswersPossible = true;
    }

    /**
     * Runs the claims the store says this node holds but no attempt here knows of, after a claim or a start
     * on arrival failed in a way that may have committed. Such a task has used an attempt that never reached
     * the processor; left alone, its lease would expire and a rescue would count it, or fail the task on its
     * last attempt. Each runs once its claim is renewed (which proves it is still this very claim), even
     * over the concurrency limit: the failed call had given back the slots it was taken for.
     */
    private void adoptUnknownClaims() {
        if (!lostAnswersPossible || !claiming || heldBeforeStartUnknown) {
            return;
        }
        if (System.nanoTime() - lostAnswersUntilNanos > 0) {
            lostAnswersPossible = false;
            return;
        }
        for (Claim claim : store.claimsOf(nodeId)) {
            UUID id = claim.task().id();
            synchronized (claimLock) { // no claim of this node is between its commit and its registration
                // in this order: an arrival enters inFlight before it leaves unannounced
                if (heldBeforeStart.contains(id) || unannounced.containsKey(id) || inFlight.containsKey(id)) {
                    continue;
                }
            }
            Optional<Claim> renewed = store.renew(claim, lease);
            if (renewed.isEmpty()) {
                continue;
            }
            log.warn("task {}: claimed by this node without its knowing (the claim's answer was lost); running "
                    + "attempt {} now", id, claim.task().attempts());
            slots.incrementAndGet();
            events.publish(TaskEvent.claimed(renewed.get().task()));
            Attempt attempt = new Attempt(renewed.get());
            inFlight.put(attempt.id, attempt);
            execute(attempt);
        }
    }

    /** Logs an outage of the store once, not at every tick. */
    private void storeUnreachable(StoreException e) {
        if (!storeDown) {
            storeDown = true;
            log.error("the store is unreachable ({}); running attempts keep their results and claiming resumes "
                    + "when it is back", e.getMessage());
        }
    }

    private void storeReachable() {
        if (storeDown) {
            storeDown = false;
            rescueAfterNanos = System.nanoTime() + lease.toNanos();
            log.info("the store is reachable again; rescuing expired claims resumes in {} ms", lease.toMillis());
        }
    }

    private void finished(Attempt attempt) {
        leave(attempt);
        wake();
    }

    /** Takes {@code attempt} out of {@link #inFlight} and gives its slot back, once. */
    private void leave(Attempt attempt) {
        inFlight.remove(attempt.id, attempt);
        if (attempt.holdsSlot.compareAndSet(true, false)) {
            slots.decrementAndGet();
        }
    }

    private static void awaitAll(List<Attempt> attempts, Duration timeout) {
        CompletableFuture<?>[] done = attempts.stream().map(a -> a.done).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(done).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // reported by the caller, which knows what is left
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.debug("an attempt ended abnormally during shutdown", e);
        }
    }

    private static void shutdown(ExecutorService executor, String name) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                List<Runnable> dropped = executor.shutdownNow();
                log.warn("{} threads did not stop within 5 s; interrupted, {} queued job(s) dropped",
                        name, dropped.size());
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private static Runnable guarded(String what, Runnable job) {
        return () -> {
            try {
                job.run();
            } catch (Throwable t) {
                log.error("{} failed; retrying at the next tick", what, t);
            }
        };
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** The longest wait before a retry, however many attempts failed. */
    public static final Duration MAX_BACKOFF = Duration.ofMinutes(10);

    /**
     * The wait before the attempt after {@code failedAttempt}: {@code retryBase * 2^(failedAttempt-1)}, capped at
     * {@link #MAX_BACKOFF}, of which a random half is taken off ("equal jitter") so that tasks that failed
     * together do not retry together.
     */
    Duration backoff(int failedAttempt) {
        long baseMs = retryBase.toMillis();
        int shift = Math.min(Math.max(failedAttempt - 1, 0), 40);
        long exponential = baseMs > (MAX_BACKOFF.toMillis() >> shift) ? MAX_BACKOFF.toMillis() : baseMs << shift;
        long half = exponential / 2;
        return Duration.ofMillis(exponential - half + ThreadLocalRandom.current().nextLong(half + 1));
    }

    static String messageOf(Throwable error) {
        Throwable cause = VenomException.unwrap(error);
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }

    /** One attempt of one claimed task: the processor's {@link TaskContext} and the writes it makes. */
    private final class Attempt implements TaskContext {
        final UUID id;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        /** Its slot, given back once, when it leaves; an attempt replaced by a later claim keeps it till then. */
        private final AtomicBoolean holdsSlot = new AtomicBoolean(true);
        private volatile Claim claim;
        private volatile boolean cancelled;
        /** Set by whichever ends the attempt first: the processor, its timeout, or a client's cancel. */
        private final AtomicBoolean settled = new AtomicBoolean();
        private volatile CompletionStage<String> outcome;
        private volatile ScheduledFuture<?> timer;
        /** Set once the outcome is being written; the claim is held until that write ends. */
        private volatile boolean recording;
        /** The latest stored version of the task; writes chain on it so they apply in order. */
        private CompletableFuture<VenomTask> tail;

        Attempt(Claim claim) {
            this.id = claim.task().id();
            this.claim = claim;
            this.tail = CompletableFuture.completedFuture(claim.task());
        }

        void run() {
            VenomTask task = claim.task();
            if (cancelled || settled.get()) {
                log.debug("task {} attempt {} was cancelled before it started", id, task.attempts());
                finished(this);
                done.complete(null);
                return;
            }
            log.debug("task {} PENDING -> PROCESSING (attempt {})", id, task.attempts());
            if (task.timeoutMs() != null) {
                timer = scheduler.schedule(this::timedOut, task.timeoutMs(), TimeUnit.MILLISECONDS);
            }
            CompletionStage<String> result;
            try {
                result = Objects.requireNonNull(processor.process(task, this), "processor returned null");
            } catch (Throwable t) {
                result = CompletableFuture.failedFuture(t);
            }
            outcome = result;
            if (settled.get()) {
                result.toCompletableFuture().cancel(true); // timed out or cancelled while process() ran
            }
            result.whenComplete(this::finish);
        }

        /** The attempt outlived its {@code timeout_ms}: it fails (or retries) now, whatever the processor does. */
        private void timedOut() {
            if (settled.compareAndSet(false, true)) {
                cancelled = true;
                CompletionStage<String> running = outcome;
                if (running != null) {
                    running.toCompletableFuture().cancel(true);
                }
                record(new TimeoutException("timed out after " + claim.task().timeoutMs() + " ms"));
            }
        }

        /** A client cancelled the task (already recorded): stop, and discard whatever the processor returns. */
        void cancelledByClient() {
            cancelled = true;
            if (settled.compareAndSet(false, true)) {
                if (timer != null) {
                    timer.cancel(false);
                }
                CompletionStage<String> running = outcome;
                if (running != null) {
                    running.toCompletableFuture().cancel(true);
                }
                finished(this);
                done.complete(null);
            }
        }

        private void finish(String result, Throwable failure) {
            if (!settled.compareAndSet(false, true)) {
                log.debug("task {} attempt {}: the processor ended after the attempt was settled; outcome discarded",
                        id, attempt());
                return;
            }
            if (timer != null) {
                timer.cancel(false);
            }
            if (cancelled) {
                log.debug("task {} attempt {} ended after it was cancelled; outcome discarded", id, attempt());
                finished(this);
                done.complete(null);
                return;
            }
            Throwable error = failure == null && result == null
                    ? new IllegalStateException("processor returned a null result") : failure;
            if (error == null) {
                record(null, result);
            } else {
                record(error);
            }
        }

        private void record(Throwable error) {
            log.warn("task {} attempt {} failed: {}", id, attempt(), messageOf(error));
            log.debug("task {} failure detail", id, error);
            record(error, null);
        }

        /** Writes the attempt's outcome: COMPLETED, a scheduled retry, or FAILED. */
        private void record(Throwable error, String result) {
            recording = true;
            write(current -> {
                Instant now = clock.instant();
                if (error == null) {
                    return current.complete(result, now);
                }
                return current.hasAttemptsLeft()
                        ? current.retry(messageOf(error), now.plus(backoff(current.attempts())), now)
                        : current.fail(messageOf(error), now);
            }).whenComplete((stored, writeError) -> {
                if (writeError != null) {
                    log.error("task {}: could not record the outcome of attempt {}", id, attempt(), writeError);
                } else if (stored != null) {
                    log.debug("task {} PROCESSING -> {}", id, stored.status());
                    if (stored.status() == TaskStatus.PENDING && stored.runAt() != null) {
                        wakeAt(stored.runAt());
                    }
                }
                finished(this);
                done.complete(null);
            });
        }

        CompletableFuture<VenomTask> release() {
            cancelled = true;
            Instant now = clock.instant();
            return write(current -> current.status().isTerminal() ? current : current.requeue(
                    "Interrupted by shutdown, will run again: " + Timestamps.format(now), now));
        }

        /** Holds the claim while the attempt runs and until its outcome (a timeout's too) is written. */
        void renew() {
            boolean holding = recording ? !writtenOut() : !cancelled;
            if (!holding) {
                return;
            }
            // Once the outcome is decided, its compare-and-set write is what tells whether the claim still held.
            if (store.renew(claim, lease).map(renewed -> claim = renewed).isEmpty() && !settled.get()) {
                lost("its claim could not be renewed");
            }
        }

        /** True once the attempt's outcome is recorded (its claim then ends, as it should). */
        private synchronized boolean writtenOut() {
            return settled.get() && tail.isDone();
        }

        private synchronized CompletableFuture<VenomTask> write(UnaryOperator<VenomTask> change) {
            tail = tail.thenCompose(current -> {
                if (current == null) {
                    return CompletableFuture.completedFuture(null);
                }
                VenomTask next = change.apply(current);
                if (next == current) {
                    return CompletableFuture.completedFuture(current);
                }
                return persist(current, next, 0);
            });
            return tail;
        }

        /**
         * Writes {@code next} over {@code current}. While the store is unreachable the change is kept and
         * retried (1 s, doubling to 16 s) until it is written, the claim turns out lost, or the orchestrator
         * gives up at the end of a shutdown.
         */
        private CompletableFuture<VenomTask> persist(VenomTask current, VenomTask next, int failures) {
            return store.update(current, next).handle((stored, error) -> {
                if (error == null) {
                    if (stored.isPresent()) {
                        events.publish(TaskEvent.between(current, stored.get()));
                        return CompletableFuture.completedFuture(stored.get());
                    }
                    if (failures > 0 && wasWritten(next)) { // the commit went through; only its answer was lost
                        return CompletableFuture.completedFuture(store.find(id).orElse(null));
                    }
                    lost("it was changed elsewhere");
                    return CompletableFuture.<VenomTask>completedFuture(null);
                }
                if (!(VenomException.unwrap(error) instanceof StoreException) || abandonWrites) {
                    return CompletableFuture.<VenomTask>failedFuture(error);
                }
                if (failures == 0) {
                    log.warn("task {} attempt {}: the store is unavailable ({}); keeping the change and retrying",
                            id, attempt(), VenomException.unwrap(error).getMessage());
                }
                long delayMs = 1000L << Math.min(failures, 4);
                return CompletableFuture.supplyAsync(() -> persist(current, next, failures + 1),
                        CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS)).thenCompose(f -> f);
            }).thenCompose(f -> f);
        }

        private boolean wasWritten(VenomTask next) {
            try {
                return store.find(id).filter(found -> found.status() == next.status()
                        && found.attempts() == next.attempts() && found.logs().equals(next.logs())).isPresent();
            } catch (StoreException e) {
                return false;
            }
        }

        private void lost(String why) {
            if (!cancelled) {
                cancelled = true;
                log.warn("task {} attempt {}: claim lost ({}); its result will be discarded", id, attempt(), why);
                CompletionStage<String> running = outcome;
                if (running != null && !settled.get()) {
                    running.toCompletableFuture().cancel(true);
                }
            }
        }

        @Override
        public UUID taskId() {
            return id;
        }

        @Override
        public int attempt() {
            return claim.task().attempts();
        }

        @Override
        public void log(String message) {
            Objects.requireNonNull(message, "message");
            if (!cancelled) {
                Instant now = clock.instant();
                write(current -> current.withLog(message + " - " + Timestamps.format(now), now));
            }
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }
    }

    /** Options of an {@link Orchestrator}; validated on input, copied by {@link #build()}. */
    public static final class Builder {
        private StateStore store;
        private TaskProcessor processor = new SimulatedProcessor(SimulatedProcessor.DEFAULT_DELAY);
        private int concurrency = 64;
        private String nodeId = defaultNodeId();
        private Clock clock = Clock.systemUTC();
        private Duration lease = Duration.ofSeconds(30);
        private Duration heartbeat = Duration.ofSeconds(5);
        private Duration pollInterval = Duration.ofSeconds(1);
        private Duration claimCooldown = Duration.ZERO;
        private Duration shutdownGrace = Duration.ofSeconds(30);
        private int defaultMaxAttempts = 1;
        private Duration retryBase = Duration.ofSeconds(1);
        private long maxPending;
        private final List<TaskListener> listeners = new ArrayList<>();
        private int eventCapacity = 65_536;

        private Builder() {
        }

        /** Adds a listener of task events (metrics, live streams); called on an engine thread, in order. */
        public Builder listener(TaskListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** How many events may wait for slow listeners before new ones are dropped; default 65,536. */
        public Builder eventCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("eventCapacity must be >= 1, was " + capacity);
            }
            this.eventCapacity = capacity;
            return this;
        }

        /** Attempts a task may make when its request does not say, 1..100; default 1 (no retries). */
        public Builder defaultMaxAttempts(int maxAttempts) {
            if (maxAttempts < 1 || maxAttempts > TaskRequest.MAX_ATTEMPTS) {
                throw new IllegalArgumentException(
                        "defaultMaxAttempts must be 1.." + TaskRequest.MAX_ATTEMPTS + ", was " + maxAttempts);
            }
            this.defaultMaxAttempts = maxAttempts;
            return this;
        }

        /** The wait before the first retry, doubled for each further one up to 10 min; default 1 s. */
        public Builder retryBase(Duration retryBase) {
            this.retryBase = positive(retryBase, "retryBase");
            return this;
        }

        /**
         * The most PENDING tasks there may be before {@link #submit} refuses new ones with
         * {@link TooManyPendingException}; {@code 0} (the default) for no limit.
         */
        public Builder maxPending(long maxPending) {
            if (maxPending < 0) {
                throw new IllegalArgumentException("maxPending must be >= 0, was " + maxPending);
            }
            this.maxPending = maxPending;
            return this;
        }

        /** Where tasks are kept. Required; not closed by the orchestrator. */
        public Builder store(StateStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** What runs each task; default {@link SimulatedProcessor} with the original's 2 s delay. */
        public Builder processor(TaskProcessor processor) {
            this.processor = Objects.requireNonNull(processor, "processor");
            return this;
        }

        /** How many attempts may run at once, 1..10000; default 64. */
        public Builder concurrency(int concurrency) {
            if (concurrency < 1 || concurrency > 10_000) {
                throw new IllegalArgumentException("concurrency must be 1..10000, was " + concurrency);
            }
            this.concurrency = concurrency;
            return this;
        }

        /** This node's id, the owner named in its claims; default {@code <hostname>-<pid>}. */
        public Builder nodeId(String nodeId) {
            if (nodeId == null || nodeId.isBlank()) {
                throw new IllegalArgumentException("nodeId must not be blank");
            }
            this.nodeId = nodeId;
            return this;
        }

        /** The clock for timestamps; default UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How long a claim holds without renewal; default 30 s. Must exceed the heartbeat. */
        public Builder lease(Duration lease) {
            this.lease = positive(lease, "lease");
            return this;
        }

        /** How often running claims are renewed and expired ones (of any node) rescued; default 5 s. */
        public Builder heartbeat(Duration heartbeat) {
            this.heartbeat = positive(heartbeat, "heartbeat");
            return this;
        }

        /** How often the store is polled for due tasks besides wake-ups; default 1 s. */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = positive(pollInterval, "pollInterval");
            return this;
        }

        /**
         * The least time between two claims that do not fill every free slot, 0..1 s; default 0. A claim has
         * a fixed cost besides its tasks (with PostgreSQL, an index scan past the entries of recently
         * claimed tasks), so under load fewer, larger claims cost less (BENCHMARKS.md). A wake-up once a
         * cooldown has passed since the previous claim, the periodic poll's included, claims at once; one
         * sooner waits for the rest of it, so a task may start up to this much later. Keep it well below
         * the poll interval.
         */
        public Builder claimCooldown(Duration claimCooldown) {
            Objects.requireNonNull(claimCooldown, "claimCooldown");
            if (claimCooldown.isNegative() || claimCooldown.compareTo(Duration.ofSeconds(1)) > 0) {
                throw new IllegalArgumentException("claimCooldown must be 0..1000 ms, was "
                        + BigDecimal.valueOf(claimCooldown.toNanos(), 6).stripTrailingZeros().toPlainString()
                        + " ms");
            }
            this.claimCooldown = claimCooldown;
            return this;
        }

        /** How long {@link #close()} waits for running attempts; default 30 s. */
        public Builder shutdownGrace(Duration shutdownGrace) {
            Objects.requireNonNull(shutdownGrace, "shutdownGrace");
            if (shutdownGrace.isNegative()) {
                throw new IllegalArgumentException("shutdownGrace must be >= 0, was " + shutdownGrace);
            }
            this.shutdownGrace = shutdownGrace;
            return this;
        }

        /** An orchestrator with these options, not yet started. */
        public Orchestrator build() {
            if (store == null) {
                throw new IllegalStateException("store is required: Orchestrator.builder().store(...)");
            }
            if (heartbeat.compareTo(lease) >= 0) {
                throw new IllegalArgumentException("heartbeat (" + heartbeat.toMillis() + " ms) must be shorter than "
                        + "the lease (" + lease.toMillis() + " ms), or claims expire between renewals");
            }
            return new Orchestrator(this);
        }

        private static Duration positive(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException(name + " must be > 0, was " + value);
            }
            return value;
        }
    }

    /** The node id an orchestrator has unless told otherwise: {@code <hostname>-<pid>}. */
    public static String defaultNodeId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return host + "-" + ProcessHandle.current().pid();
    }
}
