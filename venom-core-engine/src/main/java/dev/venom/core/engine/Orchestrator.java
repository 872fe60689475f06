package dev.venom.core.engine;

import dev.venom.core.engine.internal.Announcer;
import dev.venom.core.engine.internal.Attempt;
import dev.venom.core.engine.internal.Attempts;
import dev.venom.core.engine.internal.Dispatcher;
import dev.venom.core.engine.internal.EngineThreads;
import dev.venom.core.engine.internal.EngineState;
import dev.venom.core.engine.internal.EventBus;
import dev.venom.core.engine.internal.Lane;
import dev.venom.core.engine.internal.LeaseKeeper;
import dev.venom.core.engine.internal.Lifecycle;
import dev.venom.core.engine.internal.LostAnswers;
import dev.venom.core.engine.internal.Lanes;
import dev.venom.core.engine.internal.StoreHealth;
import dev.venom.core.engine.internal.Submitter;
import dev.venom.core.engine.internal.SystemTimers;
import dev.venom.core.engine.internal.Timers;
import dev.venom.core.engine.internal.remote.LongPolls;
import dev.venom.core.engine.internal.schedule.ScheduleRunner;
import dev.venom.core.engine.internal.remote.RemoteAttempts;
import dev.venom.core.engine.internal.remote.WorkerRegistry;
import dev.venom.core.model.TaskLog;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
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

    /** The longest wait before a retry under the default policy, however many attempts failed. */
    public static final Duration MAX_BACKOFF = RetryPolicy.DEFAULT.cap();

    /** How often an engine looks for schedules that are due. */
    public static final Duration SCHEDULE_LOOK = Duration.ofSeconds(1);

    /** The most tasks one {@link #submitAll} stores. */
    public static final int MAX_BATCH = 1_000;

    /** The longest idempotency key accepted. */
    public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 255;

    private final StateStore store;
    private final StoreSignals signals;
    private final TaskProcessor processor;
    private final String nodeId;
    private final Duration heartbeat;
    private final Duration pollInterval;
    private final Duration shutdownGrace;
    private final TaskLog language;
    private final int defaultMaxAttempts;
    private final Lifecycle lifecycle;
    private final Timers timers;
    private final ThreadPoolExecutor workers;
    private final EventBus events;
    private final Lanes lanes;
    /** The workers' threads: the slots of every queue made so far. */
    private int workerThreads;
    private final ExecutorService ops;
    private final Queues queues;
    private final Attempts attempts;
    private final Dispatcher dispatcher;
    private final LeaseKeeper leaseKeeper;
    private final Submitter submitter;
    private final LongPolls polls;
    private final RemoteWork remoteWork;
    private final Schedules schedules;
    private final Announcer announcer;
    private final ScheduleRunner scheduleRunner;

    private Orchestrator(Builder b) {
        this.store = b.store;
        this.signals = store instanceof StoreSignals told ? told : StoreSignals.NONE;
        this.processor = b.processor;
        this.nodeId = b.nodeId;
        this.heartbeat = b.heartbeat;
        this.pollInterval = b.pollInterval;
        this.shutdownGrace = b.shutdownGrace;
        this.language = b.language;
        this.defaultMaxAttempts = b.defaultMaxAttempts;
        this.lifecycle = new Lifecycle(nodeId);
        this.timers = b.timers != null ? b.timers : new SystemTimers(b.clock);
        // As many threads as slots over every queue, grown with each queue made: a processor that blocks
        // holds its own queue's slot only, never another queue's thread. Idle threads time out.
        this.workers = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), EngineThreads.named("venom-worker"));
        workers.allowCoreThreadTimeOut(true);
        this.lanes = new Lanes(b.queueLimits, b.remoteQueues, b.concurrency, this::growWorkers);
        this.events = new EventBus(b.listeners, b.eventCapacity);
        this.announcer = new Announcer(events);
        StoreHealth health = new StoreHealth(timers, b.lease);
        LostAnswers lostAnswers = new LostAnswers(timers, b.lease);
        this.attempts = new Attempts(store, processor, timers, events, b.retryPolicy, language, b.lease, lifecycle,
                workers, lanes, this::slotFreed, this::retryDue);
        WorkerRegistry registry = new WorkerRegistry(timers.clock());
        RemoteAttempts remoteAttempts = new RemoteAttempts(store, attempts.leases(), events, language, b.retryPolicy,
                timers.clock(), registry);
        this.polls = new LongPolls(remoteAttempts::claim, remoteAttempts::giveBack, timers);
        this.remoteWork = new RemoteWork(lanes, remoteAttempts, polls, registry);
        this.dispatcher = new Dispatcher(store, nodeId, b.lease, b.claimCooldown, lanes, attempts, announcer, events,
                health, lostAnswers, lifecycle, timers, polls::wake);
        this.leaseKeeper = new LeaseKeeper(store, nodeId, b.lease, lanes, attempts, announcer, events, health,
                lostAnswers, lifecycle, dispatcher, timers);
        this.submitter = new Submitter(store, nodeId, b.lease, b.defaultMaxAttempts, language, b.maxPending, lanes,
                attempts, announcer, events, dispatcher, lostAnswers, lifecycle, timers, polls::wake);
        this.ops = Executors.newFixedThreadPool(2, EngineThreads.named("venom-queue-ops"));
        this.queues = new Queues(store, lanes, dispatcher, events, language, timers.clock(), this::cancel, ops);
        this.schedules = new Schedules(store, timers.clock());
        this.scheduleRunner = new ScheduleRunner(store, this::submit, timers.clock());
    }

    /** A builder; {@link Builder#store store} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts claiming and running tasks. Idempotent.
     *
     * @throws EngineClosedException once closing
     */
    public synchronized Orchestrator start() {
        if (lifecycle.state() != EngineState.NEW) {
            lifecycle.start(); // running already: nothing to do; closing: refused
            return this;
        }
        leaseKeeper.rememberClaimsHeldBeforeStart();
        lifecycle.start();
        // Not a waiting mark: the inserting server claims its own tasks, and with free slots here (the only
        // time arrivals start) this one claims them too within a cooldown.
        signals.onNewTasks(() -> {
            dispatcher.wake();
            polls.wake();
        });
        signals.onCancelled(attempts::cancelled);
        signals.onDependentsChanged(this::dependentsChanged);
        if (events.wantsRemoteEvents()) {
            signals.onRemoteEvents(new StoreSignals.RemoteListener() {
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
        timers.every("schedules", this::lookAtSchedules, SCHEDULE_LOOK, SCHEDULE_LOOK);
        dispatcher.start(pollInterval);
        polls.start(pollInterval);
        leaseKeeper.start(heartbeat);
        return this;
    }

    /** Fires the schedules that are due, off the timer thread (it reads and writes the store). */
    private void lookAtSchedules() {
        if (!lifecycle.acceptsTasks()) {
            return;
        }
        try {
            ops.execute(scheduleRunner::fireDue);
        } catch (RejectedExecutionException closing) {
            log.debug("schedules not looked at: the engine is closing");
        }
    }

    /** Fires the schedules due now, on the caller's thread: what the engine does every second; for tests. */
    void fireDueSchedules() {
        scheduleRunner.fireDue();
    }

    /** Tells of dependents the store released or cancelled, and claims the released ones. */
    private void dependentsChanged(List<TaskChange> changes) {
        boolean released = false;
        boolean remote = false;
        for (TaskChange change : changes) {
            announcer.announce(change.after().id()); // its creation first, if its submitter has not told yet
            events.publish(TaskEvent.between(change.before(), change.after()));
            if (change.released()) {
                released = true;
                Lane lane = lanes.lane(change.after().queue());
                if (lane.remote()) {
                    remote = true;
                } else {
                    lane.markWaiting();
                }
            }
        }
        if (released) {
            dispatcher.wake();
            if (remote) {
                polls.wake();
            }
        }
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
     *     {@code maxPending} tasks are waiting, or {@link EngineClosedException} once the orchestrator is
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
        return submitter.submit(request, idempotencyKey);
    }

    /**
     * Creates a PENDING task for each request, all stored in one durable write or none: a crash at any point
     * leaves every one of them or none. The tasks are claimed as any stored task is.
     *
     * @param requests 1..{@value #MAX_BATCH} requests
     * @return the tasks as created (PENDING, version 1), in the order of the requests, once durable; fails
     *     as {@link #submit(TaskRequest)} does, with {@link TooManyPendingException} if the batch does not fit
     *     under {@code maxPending}
     */
    public CompletableFuture<List<VenomTask>> submitAll(List<TaskRequest> requests) {
        Objects.requireNonNull(requests, "requests");
        return submitBatch(requests.stream().map(BatchEntry::of).toList());
    }

    /**
     * Like {@link #submitAll}, where a task may also depend on earlier tasks of the same batch
     * ({@link BatchEntry#dependsOnEntries()}): it waits for them as for any dependency.
     *
     * @throws IllegalArgumentException if an entry names itself or a later entry, or names more than
     *     {@value TaskRequest#MAX_DEPENDENCIES} dependencies in all
     */
    public CompletableFuture<List<VenomTask>> submitBatch(List<BatchEntry> entries) {
        Objects.requireNonNull(entries, "entries");
        if (entries.isEmpty() || entries.size() > MAX_BATCH) {
            throw new IllegalArgumentException("a batch holds 1.." + MAX_BATCH + " tasks, was " + entries.size());
        }
        entries.forEach(entry -> Objects.requireNonNull(entry, "entry"));
        return submitter.submitAll(List.copyOf(entries));
    }

    /**
     * Creates a PENDING task for {@code request} inside the caller's JDBC {@code transaction} (auto-commit
     * off), on a store that shares the caller's database (PostgreSQL): the task exists if and only if that
     * transaction commits, and every engine on the store is woken to claim it only then. Nothing is committed
     * or rolled back here. Blocks for the statements, on the caller's thread.
     *
     * @param idempotencyKey 1..255 printable ASCII characters, or {@code null}; a key another task holds
     *                       answers that task
     * @return the task as it is stored once the transaction commits
     * @throws UnsupportedOperationException if the store has no JDBC transactions (the embedded journal)
     * @throws EngineClosedException once the orchestrator is closing
     */
    public VenomTask enqueue(TaskRequest request, String idempotencyKey, java.sql.Connection transaction) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(transaction, "transaction");
        if (idempotencyKey != null) {
            checkIdempotencyKey(idempotencyKey);
        }
        if (!lifecycle.acceptsTasks()) {
            throw lifecycle.closedException();
        }
        VenomTask task = VenomTask.create(UUID.randomUUID(), request, defaultMaxAttempts, idempotencyKey,
                timers.clock().instant(), language);
        return store.insert(task, transaction);
    }

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
        return store.update(current, current.cancel(timers.clock().instant(), language)).thenCompose(stored -> {
            if (stored.isPresent()) {
                log.info("task {} cancelled while {}", id, current.status());
                events.publish(TaskEvent.between(current, stored.get()));
                attempts.cancelled(id, current.attempts());
                return CompletableFuture.completedFuture(stored);
            }
            if (conflicts >= 100) {
                return CompletableFuture.failedFuture(new StoreException(
                        "task " + id + " kept changing; could not cancel it after " + conflicts + " tries"));
            }
            return cancel(id, conflicts + 1); // it changed meanwhile (a log line, a claim, its end): look again
        });
    }

    /** The protocol of remote workers, which run the tasks of the queues left to them. */
    public RemoteWork remoteWork() {
        return remoteWork;
    }

    /** The recurring schedules, which every running engine on the store fires. */
    public Schedules schedules() {
        return schedules;
    }

    /** Operator control of the named queues: pause, resume, purge, emergency stop. */
    public Queues queues() {
        return queues;
    }

    /** How many tasks are in {@code status} at this moment, never from a cache ({@link #count} may be). */
    public long countExact(TaskStatus status) {
        return store.countExact(status);
    }

    /**
     * The tasks that name the task with {@code id} in their {@code depends_on}, oldest first, at most
     * {@code limit}; whatever their status.
     */
    public List<VenomTask> dependentsOf(UUID id, int limit) {
        Objects.requireNonNull(id, "id");
        return store.dependentsOf(id, limit);
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
        return lifecycle.acceptsTasks();
    }

    /**
     * How many tasks the store holds in {@code status} ({@link StateStore#count}); with PostgreSQL possibly a
     * moment old, see {@link #countExact}.
     */
    public long count(TaskStatus status) {
        return store.count(status);
    }

    /** Why the store cannot take writes now, if it cannot ({@link StoreSignals#problem()}). */
    public Optional<String> storeProblem() {
        return signals.problem();
    }

    /** How many attempts may run at once. */
    public int concurrency() {
        return lanes.defaultLimit();
    }

    /** How many attempts run on this node now. */
    public int running() {
        return attempts.running();
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
        if (!lifecycle.drain()) {
            return;
        }
        polls.close(); // waiting remote claims are answered with none: their workers ask another server
        if (!timers.awaitRunning(Duration.ofSeconds(10))) {
            log.warn("a dispatch still running at shutdown may leave its tasks PROCESSING until the next start");
        }
        submitter.awaitArrivals();
        attempts.awaitAll(shutdownGrace);
        lifecycle.close();
        List<Attempt> unfinished = attempts.unfinished();
        if (!unfinished.isEmpty()) {
            log.warn("{} task(s) still running after the {} ms grace period; returning them to PENDING: {}",
                    unfinished.size(), shutdownGrace.toMillis(), unfinished.stream().map(Attempt::taskId).toList());
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
        timers.close();
        EngineThreads.shutdown(ops, "venom-queue-ops");
        EngineThreads.shutdown(workers, "venom-worker");
        events.close();
    }

    /** Adds {@code slots} threads to the workers, for a queue just made. */
    private synchronized void growWorkers(int slots) {
        workerThreads += slots;
        workers.setMaximumPoolSize(workerThreads); // the maximum first: it may never be below the core size
        workers.setCorePoolSize(workerThreads);
    }

    private void slotFreed() {
        dispatcher.wake();
    }

    private void retryDue(Instant due) {
        dispatcher.wakeAt(due);
    }

    /** Options of an {@link Orchestrator}; validated on input, copied by {@link #build()}. */
    public static final class Builder {
        private StateStore store;
        private TaskProcessor processor = new SimulatedProcessor(SimulatedProcessor.DEFAULT_DELAY);
        private int concurrency = 64;
        private final Map<String, Integer> queueLimits = new LinkedHashMap<>();
        private final java.util.Set<String> remoteQueues = new java.util.LinkedHashSet<>();
        private String nodeId = defaultNodeId();
        private Clock clock = Clock.systemUTC();
        private Duration lease = Duration.ofSeconds(30);
        private Duration heartbeat = Duration.ofSeconds(5);
        private Duration pollInterval = Duration.ofSeconds(1);
        private Duration claimCooldown = Duration.ZERO;
        private Duration shutdownGrace = Duration.ofSeconds(30);
        private int defaultMaxAttempts = 1;
        private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;
        private TaskLog language = TaskLog.EN;
        private Timers timers;
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
            this.retryPolicy = retryPolicy.withBase(positive(retryBase, "retryBase"));
            return this;
        }

        /**
         * The language of the lines and results this engine writes (a task keeps the lines it was given);
         * default {@link TaskLog#EN}. Give its store the same.
         */
        public Builder language(TaskLog language) {
            this.language = Objects.requireNonNull(language, "language");
            return this;
        }

        /** How long failed tasks wait before their next attempt; default {@link RetryPolicy#DEFAULT}. */
        public Builder retryPolicy(RetryPolicy retryPolicy) {
            this.retryPolicy = Objects.requireNonNull(retryPolicy, "retryPolicy");
            return this;
        }

        /**
         * The timer thread and clocks, for tests that move time by hand. Its clock replaces the one
         * {@link #clock} set, and a later {@code clock(...)} call is ignored.
         */
        Builder timers(Timers timers) {
            this.timers = Objects.requireNonNull(timers, "timers");
            this.clock = timers.clock();
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

        /**
         * Where tasks are kept. Required; not closed by the orchestrator. A store that also implements
         * {@link StoreSignals} is listened to.
         */
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

        /**
         * How many attempts of {@code queue} may run at once on this server, 1..10000; a queue not named here
         * has the {@link #concurrency} limit. Each queue has its own slots, so one busy queue never starves
         * another.
         */
        public Builder queue(String queue, int concurrency) {
            TaskRequest.checkQueue(queue);
            if (remoteQueues.contains(queue)) {
                throw new IllegalArgumentException("queue " + queue + " is remote; it has no concurrency here");
            }
            if (concurrency < 1 || concurrency > 10_000) {
                throw new IllegalArgumentException("concurrency of queue " + queue + " must be 1..10000, was "
                        + concurrency);
            }
            queueLimits.put(queue, concurrency);
            return this;
        }

        /**
         * Leaves {@code queue} to remote workers ({@link RemoteWork}): this server claims none of its tasks, and
         * workers may claim them. Every server sharing a store should name the same remote queues: one that does
         * not runs the queue's tasks with its own processor.
         */
        public Builder remoteQueue(String queue) {
            TaskRequest.checkQueue(queue);
            if (queueLimits.containsKey(queue)) {
                throw new IllegalArgumentException("queue " + queue + " has a concurrency here; it cannot be remote");
            }
            remoteQueues.add(queue);
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
            Objects.requireNonNull(clock, "clock");
            if (timers != null) {
                throw new IllegalStateException("the clock is the timers' clock; set clock(...) before timers(...)");
            }
            this.clock = clock;
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
