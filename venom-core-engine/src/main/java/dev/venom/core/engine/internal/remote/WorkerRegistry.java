package dev.venom.core.engine.internal.remote;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The remote workers this server has heard from: what they asked for last, when, and how their attempts
 * ended here. Forgets a worker not seen for {@link #FORGET_AFTER}. Thread-safe.
 */
public final class WorkerRegistry {

    /** A worker not seen for this long is no longer listed. */
    public static final Duration FORGET_AFTER = Duration.ofMinutes(5);

    private final Clock clock;
    private final Map<String, Seen> workers = new ConcurrentHashMap<>();

    public WorkerRegistry(Clock clock) {
        this.clock = clock;
    }

    /** What one worker has done here. */
    public static final class Seen {
        final String workerId;
        volatile Map<String, String> labels = Map.of();
        volatile List<String> queues = List.of();
        volatile Instant lastSeen;
        final AtomicLong completed = new AtomicLong();
        final AtomicLong failed = new AtomicLong();

        Seen(String workerId, Instant now) {
            this.workerId = workerId;
            this.lastSeen = now;
        }

        public String workerId() {
            return workerId;
        }

        public Map<String, String> labels() {
            return labels;
        }

        public List<String> queues() {
            return queues;
        }

        public Instant lastSeen() {
            return lastSeen;
        }

        public long completed() {
            return completed.get();
        }

        public long failed() {
            return failed.get();
        }
    }

    /** The worker asked for {@code queues} with {@code labels}. */
    public void claimed(String workerId, List<String> queues, Map<String, String> labels) {
        Seen seen = seen(workerId);
        seen.queues = queues;
        seen.labels = labels;
    }

    /** The worker made some other call. */
    public Seen seen(String workerId) {
        Instant now = clock.instant();
        Seen seen = workers.computeIfAbsent(workerId, id -> new Seen(id, now));
        seen.lastSeen = now;
        return seen;
    }

    public void completed(String workerId) {
        seen(workerId).completed.incrementAndGet();
    }

    public void failed(String workerId) {
        seen(workerId).failed.incrementAndGet();
    }

    /** The workers seen within {@link #FORGET_AFTER}, by id; older ones are forgotten. */
    public List<Seen> recent() {
        Instant since = clock.instant().minus(FORGET_AFTER);
        workers.values().removeIf(seen -> seen.lastSeen.isBefore(since));
        return workers.values().stream().sorted(Comparator.comparing(Seen::workerId)).toList();
    }
}
