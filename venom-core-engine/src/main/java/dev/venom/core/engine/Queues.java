package dev.venom.core.engine;

import dev.venom.core.engine.internal.Dispatcher;
import dev.venom.core.engine.internal.EventBus;
import dev.venom.core.engine.internal.Lanes;
import dev.venom.core.model.TaskLog;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operator control of the named queues, for every server sharing the store: pause and resume (durable, seen
 * by every server within a second), purge, and the emergency stop. Get it from {@link Orchestrator#queues()}.
 * Every operation runs on the engine's own queue threads; its future completes when it is done and durable.
 */
public final class Queues {

    private static final Logger log = LoggerFactory.getLogger(Queues.class);
    /** Tasks read, and written, per step of a purge or an emergency stop. */
    static final int BATCH = 500;

    private final StateStore store;
    private final Lanes lanes;
    private final Dispatcher dispatcher;
    private final EventBus events;
    private final TaskLog language;
    private final Clock clock;
    private final Function<UUID, CompletableFuture<Optional<VenomTask>>> cancel;
    private final Executor ops;

    Queues(StateStore store, Lanes lanes, Dispatcher dispatcher, EventBus events, TaskLog language, Clock clock,
           Function<UUID, CompletableFuture<Optional<VenomTask>>> cancel, Executor ops) {
        this.store = store;
        this.lanes = lanes;
        this.dispatcher = dispatcher;
        this.events = events;
        this.language = language;
        this.clock = clock;
        this.cancel = cancel;
        this.ops = ops;
    }

    /** Every queue known here or to the store, by name, with its state and counts. */
    public List<QueueInfo> list() {
        List<QueueState> states = store.queues();
        Map<String, QueueCounts> counts = store.queueCounts();
        boolean all = states.contains(new QueueState(QueueState.ALL, true));
        Map<String, Boolean> paused = new TreeMap<>();
        lanes.all().forEach(lane -> paused.put(lane.name(), false));
        states.stream().filter(state -> !state.name().equals(QueueState.ALL))
                .forEach(state -> paused.put(state.name(), state.paused()));
        counts.keySet().forEach(name -> paused.putIfAbsent(name, false));
        List<QueueInfo> queues = new ArrayList<>(paused.size());
        paused.forEach((name, itself) -> {
            QueueCounts count = counts.getOrDefault(name, QueueCounts.EMPTY);
            queues.add(new QueueInfo(name, all || itself, lanes.limitOf(name), running(name), count.pending(),
                    count.processing(), count.oldestPending()));
        });
        return queues;
    }

    /** One queue, known or not (an unknown queue is empty and not paused unless every queue is). */
    public QueueInfo get(String queue) {
        TaskRequest.checkQueue(queue);
        return list().stream().filter(info -> info.name().equals(queue)).findFirst()
                .orElse(new QueueInfo(queue, allPaused(), lanes.limitOf(queue), 0, 0, 0, Optional.empty()));
    }

    /** True while every queue is paused. */
    public boolean allPaused() {
        return store.queues().contains(new QueueState(QueueState.ALL, true));
    }

    /**
     * Pauses {@code queue} on every server: it accepts and stores tasks but starts none; running attempts
     * finish. Completes once durable.
     */
    public CompletableFuture<Void> pause(String queue) {
        return setPaused(TaskRequest.checkQueue(queue), true);
    }

    /** Resumes {@code queue}: its waiting tasks are claimed at once. Completes once durable. */
    public CompletableFuture<Void> resume(String queue) {
        return setPaused(TaskRequest.checkQueue(queue), false);
    }

    /** Pauses every queue, those created later too. */
    public CompletableFuture<Void> pauseAll() {
        return setPaused(QueueState.ALL, true);
    }

    /** Resumes every queue, each one paused by itself too. */
    public CompletableFuture<Void> resumeAll() {
        return setPaused(QueueState.ALL, false);
    }

    private CompletableFuture<Void> setPaused(String queue, boolean paused) {
        return CompletableFuture.supplyAsync(() -> store.pause(queue, paused), ops).thenCompose(done -> done)
                .thenRunAsync(dispatcher::refreshQueues, ops);
    }

    /**
     * Cancels every PENDING task of {@code queue}, or of every queue when empty, with the line {@code Purged:
     * <time>}, in batches; nothing is deleted. A task claimed meanwhile is left to run.
     *
     * @return how many tasks were purged
     */
    public CompletableFuture<Integer> purge(Optional<String> queue) {
        queue.ifPresent(TaskRequest::checkQueue);
        return CompletableFuture.supplyAsync(() -> purgeNow(queue), ops);
    }

    /**
     * Pauses every queue, cancels every PROCESSING task (a processor running one sees the cancel at once,
     * on any server) and purges every PENDING one. {@link #resumeAll()} undoes the pause only.
     */
    public CompletableFuture<EmergencyStop> emergencyStop() {
        return pauseAll().thenApplyAsync(paused -> {
            long pausedAt = System.nanoTime();
            int cancelled = cancelRunning();
            int purged = purgeNow(Optional.empty());
            // Another server sees the pause at its next queue refresh; a task it started on arrival before
            // then is caught by a second sweep once every server has seen it.
            long wait = SWEEP_AGAIN_AFTER.toNanos() - (System.nanoTime() - pausedAt);
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            cancelled += cancelRunning();
            purged += purgeNow(Optional.empty());
            log.warn("emergency stop: every queue paused, {} running task(s) cancelled, {} pending purged",
                    cancelled, purged);
            return new EmergencyStop(cancelled, purged);
        }, ops);
    }

    /** How long after the pause the emergency stop sweeps again: past every server's queue refresh. */
    static final Duration SWEEP_AGAIN_AFTER = Duration.ofMillis(1500);

    /** Cancels every PROCESSING task; how many it cancelled. */
    private int cancelRunning() {
        int cancelled = 0;
        for (VenomTask task : every(TaskStatus.PROCESSING, Optional.empty())) {
            try {
                cancelled += cancel.apply(task.id()).join().isPresent() ? 1 : 0;
            } catch (RuntimeException e) {
                // it ended meanwhile (TaskEndedException), or the store failed: it is not counted
                log.debug("emergency stop: task {} not cancelled: {}", task.id(), e.getMessage());
            }
        }
        return cancelled;
    }

    private int purgeNow(Optional<String> queue) {
        int purged = 0;
        List<VenomTask> batch;
        do {
            batch = store.list(new TaskQuery(Set.of(TaskStatus.PENDING), Optional.empty(), BATCH, queue)).tasks();
            List<CompletableFuture<Boolean>> writes = new ArrayList<>(batch.size());
            for (VenomTask task : batch) {
                VenomTask after = task.purge(clock.instant(), language);
                writes.add(store.update(task, after).thenApply(stored -> {
                    stored.ifPresent(done -> events.publish(TaskEvent.between(task, done)));
                    return stored.isPresent();
                }));
            }
            int written = 0;
            for (CompletableFuture<Boolean> write : writes) {
                written += write.join() ? 1 : 0;
            }
            purged += written;
            if (written == 0) {
                break; // every one changed meanwhile: what is left is being claimed, not waiting
            }
        } while (batch.size() == BATCH);
        String name = queue.orElse(QueueState.ALL);
        log.info("queue {} purged: {} pending task(s) cancelled", name, purged);
        events.publishQueue(new QueueEvent(QueueEvent.Type.PURGED, name, purged, clock.instant()));
        return purged;
    }

    /** Every task in {@code status} now, oldest first, read in pages. */
    private List<VenomTask> every(TaskStatus status, Optional<String> queue) {
        List<VenomTask> found = new ArrayList<>();
        TaskQuery query = new TaskQuery(Set.of(status), Optional.empty(), BATCH, queue);
        while (true) {
            TaskPage page = store.list(query);
            found.addAll(page.tasks());
            if (page.nextCursor().isEmpty()) {
                return found;
            }
            query = query.after(page);
        }
    }

    private int running(String queue) {
        return lanes.all().stream().filter(lane -> lane.name().equals(queue)).findFirst()
                .map(lane -> lane.slots().taken()).orElse(0);
    }
}
