package dev.venom.core.http.internal;

import dev.venom.core.engine.Orchestrator;
import dev.venom.core.engine.QueueEvent;
import dev.venom.core.engine.QueueInfo;
import dev.venom.core.engine.QueueState;
import dev.venom.core.engine.StoreException;
import dev.venom.core.engine.TaskEvent;
import dev.venom.core.engine.TaskListener;
import dev.venom.core.model.TaskLog;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import dev.venom.core.persistence.CommitObserver;
import dev.venom.core.persistence.PooledStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The engine's figures for Prometheus, kept from its {@link TaskEvent}s: tasks created and finished by
 * status, attempts by outcome, how long tasks waited to be claimed and how long they ran; the number of
 * tasks in each status, read from the store when scraped; the store's commits and connection pool; JVM and
 * process figures.
 */
public final class TaskMetrics implements TaskListener {

    private final MeterRegistry registry;
    private final Counter created;
    /** How long tasks waited to be claimed, by queue; only the event thread adds to it. */
    private final Map<String, Timer> queueWaits = new HashMap<>();
    private final Timer processing;
    /** The queues with gauges of their own; any thread may add one. */
    private final Set<String> queuesWatched = ConcurrentHashMap.newKeySet();
    private volatile Orchestrator watched;
    /** The queues as last read for the gauges: read at most once a second, when scraped. */
    private volatile QueueReading queueReading = new QueueReading(Map.of(), 0);

    private record QueueReading(Map<String, QueueInfo> queues, long readAtNanos) {
    }
    private final Map<String, Counter> attempts = new HashMap<>();
    private final Map<TaskStatus, Counter> finished = new EnumMap<>(TaskStatus.class);
    /** When each running attempt was claimed, by task; only the event thread touches it. */
    private final Map<UUID, Instant> claimedAt = new HashMap<>();
    private static final int MAX_RUNNING_TRACKED = 100_000;

    public TaskMetrics(MeterRegistry registry) {
        this.registry = registry;
        // "venom_tasks_created_total" cannot be: the Prometheus client reserves the _created suffix.
        this.created = Counter.builder("venom.tasks.submitted").description("Tasks accepted and stored")
                .register(registry);
        this.processing = Timer.builder("venom.task.processing")
                .description("From a claim until the attempt's outcome was stored")
                .publishPercentileHistogram().register(registry);
        for (String outcome : List.of("completed", "failed", "retried", "cancelled", "interrupted")) {
            attempts.put(outcome, Counter.builder("venom.task.attempts").description("Attempts ended, by how they ended")
                    .tag("outcome", outcome).register(registry));
        }
        for (TaskStatus status : List.of(TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED)) {
            finished.put(status, Counter.builder("venom.tasks.finished")
                    .description("Tasks that reached a final status").tag("status", status.name()).register(registry));
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /**
     * Publishes {@code venom_tasks{status}}: the tasks in each status, counted by the store when scraped; and
     * for each queue {@code venom_queue_tasks{queue,status}} (PENDING and PROCESSING) and
     * {@code venom_queue_paused{queue}}, for the queues known now and each one a task or an operator names later.
     */
    public void watch(Orchestrator orchestrator) {
        for (TaskStatus status : TaskStatus.values()) {
            Gauge.builder("venom.tasks", orchestrator, o -> count(o, status))
                    .description("Tasks in each status, as the store counts them")
                    .tag("status", status.name()).register(registry);
        }
        watched = orchestrator;
        try {
            orchestrator.queues().list().forEach(queue -> watchQueue(queue.name()));
        } catch (StoreException e) {
            watchQueue(TaskRequest.DEFAULT_QUEUE); // the others get theirs with their next task
        }
    }

    private void watchQueue(String queue) {
        if (watched == null || queue.equals(QueueState.ALL) || !queuesWatched.add(queue)) {
            return;
        }
        Gauge.builder("venom.queue.tasks", this, m -> m.queue(queue).map(QueueInfo::pending).orElse(0L))
                .description("Tasks of each queue waiting or running, on every server")
                .tag("queue", queue).tag("status", TaskStatus.PENDING.name()).register(registry);
        Gauge.builder("venom.queue.tasks", this, m -> m.queue(queue).map(QueueInfo::processing).orElse(0L))
                .description("Tasks of each queue waiting or running, on every server")
                .tag("queue", queue).tag("status", TaskStatus.PROCESSING.name()).register(registry);
        Gauge.builder("venom.queue.paused", this, m -> m.queue(queue).map(q -> q.paused() ? 1 : 0).orElse(0))
                .description("1 while an operator has paused the queue (or every queue)")
                .tag("queue", queue).register(registry);
    }

    /** {@code queue} as read at most a second ago; unknown while the store cannot be read. */
    private Optional<QueueInfo> queue(String queue) {
        QueueReading reading = queueReading;
        if (System.nanoTime() - reading.readAtNanos() > TimeUnit.SECONDS.toNanos(1)) {
            Map<String, QueueInfo> queues = new HashMap<>();
            try {
                watched.queues().list().forEach(info -> queues.put(info.name(), info));
            } catch (StoreException e) {
                return Optional.empty();
            }
            reading = new QueueReading(queues, System.nanoTime());
            queueReading = reading;
        }
        return Optional.ofNullable(reading.queues().get(queue));
    }

    @Override
    public void onQueueEvent(QueueEvent event) {
        watchQueue(event.queue());
    }

    /**
     * Records each commit of a store: {@code <name>_seconds} (a histogram of how long it took) and
     * {@code <name>_changes} (a histogram of how many changes it carried).
     */
    public CommitObserver commits(String name, String what) {
        Timer time = Timer.builder(name).description("How long each " + what + " took")
                .publishPercentileHistogram().register(registry);
        DistributionSummary size = DistributionSummary.builder(name + ".changes")
                .description("How many changes each " + what + " made durable")
                .serviceLevelObjectives(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000).register(registry);
        return (changes, nanos) -> {
            time.record(nanos, TimeUnit.NANOSECONDS);
            size.record(changes);
        };
    }

    /** Publishes the PostgreSQL connection pool: connections by state, waiting threads, the size limit. */
    public void watch(PooledStore store) {
        Gauge.builder("venom.db.pool.connections", store, s -> s.pool().active())
                .description("Connections of the PostgreSQL pool, by state").tag("state", "active").register(registry);
        Gauge.builder("venom.db.pool.connections", store, s -> s.pool().idle())
                .description("Connections of the PostgreSQL pool, by state").tag("state", "idle").register(registry);
        Gauge.builder("venom.db.pool.waiting", store, s -> s.pool().waiting())
                .description("Threads waiting for a PostgreSQL connection").register(registry);
        Gauge.builder("venom.db.pool.max", store, s -> s.pool().max())
                .description("The PostgreSQL pool's size limit").register(registry);
    }

    private static double count(Orchestrator orchestrator, TaskStatus status) {
        try {
            return orchestrator.count(status);
        } catch (StoreException e) {
            return Double.NaN; // unknown while the store is unreachable
        }
    }

    @Override
    public void onEvent(TaskEvent event) {
        VenomTask task = event.task();
        switch (event.type()) {
            case CREATED -> {
                created.increment();
                watchQueue(task.queue());
            }
            case STATUS_CHANGED -> statusChanged(event.from(), task, event.at());
            case RETRY_SCHEDULED -> attempts.get("retried").increment();
            case REQUEUED -> attempts.get("interrupted").increment();
            default -> {
                // logs and cancels show in the status changes that come with them
            }
        }
    }

    private void statusChanged(TaskStatus from, VenomTask task, Instant at) {
        if (from == TaskStatus.PENDING && task.status() == TaskStatus.PROCESSING) {
            Instant due = task.runAt() != null && task.runAt().isAfter(task.createdAt()) ? task.runAt() : task.createdAt();
            queueWaits.computeIfAbsent(task.queue(), queue -> Timer.builder("venom.task.queue.wait")
                    .description("From when a task was due (created, run_at or retry time) until a worker claimed it")
                    .tag("queue", queue).publishPercentileHistogram().register(registry))
                    .record(nonNegative(Duration.between(due, at)));
            if (claimedAt.size() >= MAX_RUNNING_TRACKED) {
                claimedAt.clear(); // ends lost with dropped events; the log lines still tell the claim times
            }
            claimedAt.put(task.id(), at);
            return;
        }
        if (from == TaskStatus.PROCESSING) {
            Instant claimed = claimedAt.remove(task.id());
            (claimed != null ? java.util.Optional.of(claimed) : TaskLog.lastProcessingStarted(task.logs()))
                    .ifPresent(started -> processing.record(nonNegative(Duration.between(started, at))));
            String outcome = switch (task.status()) {
                case COMPLETED -> "completed";
                case FAILED -> "failed";
                case CANCELLED -> "cancelled";
                default -> null; // a retry or a requeue: counted by its own event
            };
            if (outcome != null) {
                attempts.get(outcome).increment();
            }
        }
        if (task.status().isTerminal()) {
            finished.get(task.status()).increment();
        }
    }

    private static Duration nonNegative(Duration duration) {
        return duration.isNegative() ? Duration.ZERO : duration;
    }

    @Override
    public String toString() {
        return "metrics";
    }
}
