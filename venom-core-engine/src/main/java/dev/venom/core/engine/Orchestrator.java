package dev.venom.core.engine;

import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.Timestamps;
import dev.venom.core.model.VenomTask;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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
    private final Duration pollInterval;
    private final Duration shutdownGrace;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService workers;
    private final Map<UUID, Attempt> inFlight = new ConcurrentHashMap<>();
    private final AtomicBoolean dispatchQueued = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean accepting = true;
    private volatile boolean claiming;

    private Orchestrator(Builder b) {
        this.store = b.store;
        this.processor = b.processor;
        this.concurrency = b.concurrency;
        this.nodeId = b.nodeId;
        this.clock = b.clock;
        this.lease = b.lease;
        this.pollInterval = b.pollInterval;
        this.shutdownGrace = b.shutdownGrace;
        this.scheduler = new ScheduledThreadPoolExecutor(1, named("venom-scheduler"));
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
            claiming = true;
            long pollMs = pollInterval.toMillis();
            long maintainMs = Math.max(1, lease.toMillis() / 3);
            scheduler.scheduleWithFixedDelay(guarded("dispatch", this::dispatch), 0, pollMs, TimeUnit.MILLISECONDS);
            scheduler.scheduleWithFixedDelay(guarded("lease upkeep", this::maintain), maintainMs, maintainMs,
                    TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /**
     * Creates a PENDING task for {@code request} and stores it.
     *
     * @return the stored task, once it is durable; fails with {@link StoreException} if it could not be
     *     stored, or {@link IllegalStateException} once the orchestrator is closing
     */
    public CompletableFuture<VenomTask> submit(TaskRequest request) {
        Objects.requireNonNull(request, "request");
        if (!accepting) {
            return CompletableFuture.failedFuture(
                    new IllegalStateException("orchestrator " + nodeId + " is shutting down"));
        }
        VenomTask task = VenomTask.create(UUID.randomUUID(), request.content(), clock.instant());
        return store.insert(task).whenComplete((stored, error) -> {
            if (error == null) {
                log.debug("task {} created", stored.id());
                wake();
            }
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

    /** How many attempts may run at once. */
    public int concurrency() {
        return concurrency;
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
        awaitAll(new ArrayList<>(inFlight.values()), shutdownGrace);
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

    /** Asks for a dispatch, unless one is queued or every slot is busy (a finishing attempt wakes it then). */
    private void wake() {
        if (claiming && inFlight.size() < concurrency && dispatchQueued.compareAndSet(false, true)) {
            try {
                scheduler.execute(guarded("dispatch", this::dispatch));
            } catch (RejectedExecutionException closing) {
                dispatchQueued.set(false);
            }
        }
    }

    private void dispatch() {
        dispatchQueued.set(false);
        int free = concurrency - inFlight.size();
        if (!claiming || free <= 0) {
            return;
        }
        for (Claim claim : store.claim(nodeId, free, lease)) {
            Attempt attempt = new Attempt(claim);
            inFlight.put(attempt.id, attempt);
            try {
                workers.execute(attempt::run);
            } catch (RejectedExecutionException closing) {
                inFlight.remove(attempt.id);
                attempt.release();
            }
        }
    }

    private void maintain() {
        for (Attempt attempt : inFlight.values()) {
            attempt.renew();
        }
        int rescued = store.rescueExpired();
        if (rescued > 0) {
            log.warn("rescued {} task(s) whose claim expired", rescued);
            wake();
        }
    }

    private void finished(Attempt attempt) {
        inFlight.remove(attempt.id, attempt);
        wake();
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

    static String messageOf(Throwable error) {
        Throwable cause = VenomException.unwrap(error);
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }

    /** One attempt of one claimed task: the processor's {@link TaskContext} and the writes it makes. */
    private final class Attempt implements TaskContext {
        final UUID id;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        private volatile Claim claim;
        private volatile boolean cancelled;
        private volatile boolean finishing;
        /** The latest stored version of the task; writes chain on it so they apply in order. */
        private CompletableFuture<VenomTask> tail;

        Attempt(Claim claim) {
            this.id = claim.task().id();
            this.claim = claim;
            this.tail = CompletableFuture.completedFuture(claim.task());
        }

        void run() {
            VenomTask task = claim.task();
            log.debug("task {} PENDING -> PROCESSING (attempt {})", id, task.attempts());
            CompletionStage<String> outcome;
            try {
                outcome = Objects.requireNonNull(processor.process(task, this), "processor returned null");
            } catch (Throwable t) {
                outcome = CompletableFuture.failedFuture(t);
            }
            outcome.whenComplete(this::finish);
        }

        private void finish(String result, Throwable failure) {
            finishing = true;
            Throwable error = failure == null && result == null
                    ? new IllegalStateException("processor returned a null result") : failure;
            if (cancelled) {
                log.debug("task {} attempt {} ended after it was cancelled; outcome discarded", id, attempt());
                finished(this);
                done.complete(null);
                return;
            }
            if (error != null) {
                log.warn("task {} attempt {} failed: {}", id, attempt(), messageOf(error));
                log.debug("task {} failure detail", id, error);
            }
            write(current -> error == null
                    ? current.complete(result, clock.instant())
                    : current.fail(messageOf(error), clock.instant()))
                    .whenComplete((stored, writeError) -> {
                        if (writeError != null) {
                            log.error("task {}: could not record the outcome of attempt {}", id, attempt(),
                                    writeError);
                        } else if (stored != null) {
                            log.debug("task {} PROCESSING -> {}", id, stored.status());
                        }
                        finished(this);
                        done.complete(null);
                    });
        }

        CompletableFuture<VenomTask> release() {
            cancelled = true;
            return write(current -> current.status().isTerminal() ? current : current.requeue(
                    "Interrupted by shutdown, will run again: " + Timestamps.format(clock.instant())));
        }

        void renew() {
            if (!cancelled && !finishing && store.renew(claim, lease).map(renewed -> claim = renewed).isEmpty()) {
                lost("its claim could not be renewed");
            }
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
                return store.update(current, next).thenApply(stored -> stored.orElseGet(() -> {
                    lost("it was changed elsewhere");
                    return null;
                }));
            });
            return tail;
        }

        private void lost(String why) {
            if (!cancelled) {
                cancelled = true;
                log.warn("task {} attempt {}: claim lost ({}); its result will be discarded", id, attempt(), why);
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
                write(current -> current.withLog(message + " - " + Timestamps.format(clock.instant())));
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
        private Duration pollInterval = Duration.ofSeconds(1);
        private Duration shutdownGrace = Duration.ofSeconds(30);

        private Builder() {
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

        /** How long a claim holds without renewal; renewed every third of it; default 30 s. */
        public Builder lease(Duration lease) {
            this.lease = positive(lease, "lease");
            return this;
        }

        /** How often the store is polled for due tasks besides wake-ups; default 1 s. */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = positive(pollInterval, "pollInterval");
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
            return new Orchestrator(this);
        }

        private static Duration positive(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException(name + " must be > 0, was " + value);
            }
            return value;
        }

        private static String defaultNodeId() {
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "localhost";
            }
            return host + "-" + ProcessHandle.current().pid();
        }
    }
}
