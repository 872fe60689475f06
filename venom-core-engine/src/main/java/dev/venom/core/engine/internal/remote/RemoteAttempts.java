package dev.venom.core.engine.internal.remote;

import dev.venom.core.engine.AttemptNotCurrentException;
import dev.venom.core.engine.Claim;
import dev.venom.core.engine.ClaimRequest;
import dev.venom.core.engine.Heartbeat;
import dev.venom.core.engine.NoSuchTaskException;
import dev.venom.core.engine.RetryPolicy;
import dev.venom.core.engine.StateStore;
import dev.venom.core.engine.StoreException;
import dev.venom.core.engine.TaskEvent;
import dev.venom.core.engine.VenomException;
import dev.venom.core.engine.WorkRequest;
import dev.venom.core.engine.internal.DependencyResults;
import dev.venom.core.engine.internal.EventBus;
import dev.venom.core.engine.internal.Leases;
import dev.venom.core.model.Progress;
import dev.venom.core.model.TaskLog;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remote workers' attempts: their claims, and each later call fenced by the attempt it names. A call is
 * applied only while that attempt is the task's current one and a remote worker holds it, as one
 * compare-and-set write; otherwise it fails with {@link AttemptNotCurrentException} and changes nothing. Writes
 * make the same transitions, log lines and retries as a local attempt's. Thread-safe.
 */
public final class RemoteAttempts {

    private static final Logger log = LoggerFactory.getLogger(RemoteAttempts.class);
    /** The prefix of the owner of every remote worker's claims. */
    public static final String OWNER_PREFIX = "worker:";
    /** How often a write is tried again when the task changed under it (another call of the same attempt). */
    private static final int WRITE_TRIES = 20;

    private final StateStore store;
    private final Leases leases;
    private final EventBus events;
    private final TaskLog language;
    private final RetryPolicy retryPolicy;
    private final Clock clock;
    private final WorkerRegistry registry;

    public RemoteAttempts(StateStore store, Leases leases, EventBus events, TaskLog language, RetryPolicy retryPolicy,
                          Clock clock, WorkerRegistry registry) {
        this.store = store;
        this.leases = leases;
        this.events = events;
        this.language = language;
        this.retryPolicy = retryPolicy;
        this.clock = clock;
        this.registry = registry;
    }

    /** The owner a worker's claims are held by. */
    public static String owner(String workerId) {
        return OWNER_PREFIX + workerId;
    }

    /** Claims now, without waiting: from each queue in turn, up to the request's max over all. */
    public List<Claim> claim(WorkRequest request) {
        registry.claimed(request.workerId(), request.queues(), request.labels());
        List<Claim> claimed = new ArrayList<>();
        try {
            for (String queue : request.queues()) {
                int room = request.max() - claimed.size();
                if (room <= 0) {
                    break;
                }
                for (Claim claim : store.claim(new ClaimRequest(request.owner(), leases.lease(), Map.of(queue, room),
                        request.labels()))) {
                    events.publish(TaskEvent.claimed(claim.task()));
                    claimed.add(claim);
                }
            }
        } catch (RuntimeException e) {
            giveBack(claimed); // those of the queues before the one that failed: none reaches the worker
            throw e;
        }
        if (!claimed.isEmpty()) {
            log.debug("worker {} claimed {} task(s)", request.workerId(), claimed.size());
        }
        return claimed;
    }

    /**
     * Renews the attempt's lease and records {@code progress} (if given and new). A cancelled task answers
     * {@code cancelRequested} instead of failing, once, so the worker learns why to stop.
     */
    public Heartbeat heartbeat(UUID id, int attempt, String workerId, Progress progress) {
        Claim claim;
        try {
            claim = inTime(current(id, attempt, workerId), workerId);
        } catch (AttemptNotCurrentException notCurrent) {
            Optional<VenomTask> task = store.find(id);
            if (task.isPresent() && task.get().status() == TaskStatus.CANCELLED && task.get().attempts() == attempt) {
                return new Heartbeat(null, true);
            }
            throw notCurrent;
        }
        registry.seen(workerOf(claim));
        Optional<Claim> renewed = leases.renew(claim);
        if (renewed.isEmpty()) {
            return heartbeat(id, attempt, workerId, progress); // it changed meanwhile: say why, or renew again
        }
        if (progress != null && !progress.equals(claim.task().progress())) {
            write(id, attempt, workerId, Timeout.CHECKED,
                    (task, owner) -> task.reportProgress(progress, clock.instant()));
        }
        return new Heartbeat(renewed.get().leaseExpiresAt(), false);
    }

    /** Adds the worker's log lines, each timestamped now. */
    public VenomTask log(UUID id, int attempt, String workerId, List<String> lines) {
        return write(id, attempt, workerId, Timeout.APPLIES, (task, owner) -> {
            Instant now = clock.instant();
            VenomTask next = task;
            for (String line : lines) {
                next = next.withLog(TaskLog.processorLine(line, now), now);
            }
            return next;
        }).task();
    }

    /** The attempt returned {@code result}: COMPLETED. */
    public VenomTask complete(UUID id, int attempt, String workerId, String result) {
        Written done = write(id, attempt, workerId, Timeout.APPLIES,
                (task, owner) -> task.complete(result, clock.instant(), language));
        registry.completed(done.workerId());
        return done.task();
    }

    /**
     * The attempt failed with {@code error}: retried after {@code retryAfter} (or the retry policy's delay) if
     * {@code retryable} and attempts are left, else FAILED.
     */
    public VenomTask fail(UUID id, int attempt, String workerId, String error, boolean retryable,
                          Duration retryAfter) {
        Written written = write(id, attempt, workerId, Timeout.CHECKED, (task, owner) -> {
            Instant now = clock.instant();
            if (retryable && task.hasAttemptsLeft()) {
                Duration delay = retryAfter != null ? retryAfter : retryPolicy.delayAfter(task.attempts());
                return task.retry(error, now.plus(delay), now, language);
            }
            return task.fail(error, now, language);
        });
        registry.failed(written.workerId());
        return written.task();
    }

    /** The worker gives the attempt back without an outcome (it stops): PENDING, to run again. */
    public VenomTask release(UUID id, int attempt, String workerId) {
        return write(id, attempt, workerId, Timeout.CHECKED, (task, owner) -> task.requeue(
                language.released(owner, clock.instant()), clock.instant())).task();
    }

    /** Gives back claims no worker received (its wait was answered into a closed connection). */
    public void giveBack(List<Claim> claims) {
        for (Claim claim : claims) {
            try {
                String workerId = claim.owner().substring(OWNER_PREFIX.length());
                release(claim.task().id(), claim.task().attempts(), workerId);
                log.info("task {}: attempt {} given back, its worker {} did not receive it", claim.task().id(),
                        claim.task().attempts(), workerId);
            } catch (RuntimeException e) {
                log.warn("task {}: could not give back attempt {} ({}); it runs again once its lease expires",
                        claim.task().id(), claim.task().attempts(), VenomException.unwrap(e).getMessage());
            }
        }
    }

    /** How many tasks {@code workerId} holds now. */
    public int inFlight(String workerId) {
        return store.claimsOf(owner(workerId)).size();
    }

    private static String workerOf(Claim claim) {
        return claim.owner().substring(OWNER_PREFIX.length());
    }

    /** A change of a remote attempt's task, given the task and the claim's owner. */
    @FunctionalInterface
    private interface Change {
        VenomTask apply(VenomTask task, String owner);
    }

    /** A write done: the task as stored, and the worker that held the attempt. */
    private record Written(VenomTask task, String workerId) {
    }

    /**
     * The claim, if its attempt has not outlived the task's {@code timeout_ms} (counted from its start, as a
     * local attempt's is). One that has fails now, retried as a local attempt's timeout is, and its worker is
     * told it is no longer current; a late result of it is not recorded.
     */
    private Claim inTime(Claim claim, String workerId) {
        VenomTask task = claim.task();
        Long timeoutMs = task.timeoutMs();
        if (timeoutMs == null) {
            return claim;
        }
        Instant now = clock.instant();
        boolean late = TaskLog.lastProcessingStarted(task.logs())
                .map(started -> now.isAfter(started.plusMillis(timeoutMs))).orElse(false);
        if (!late) {
            return claim;
        }
        String why = language.timedOut(timeoutMs);
        try {
            Written failed = write(task.id(), task.attempts(), workerId, Timeout.CHECKED,
                    (current, owner) -> current.hasAttemptsLeft()
                    ? current.retry(why, now.plus(retryPolicy.delayAfter(current.attempts())), now, language)
                    : current.fail(why, now, language));
            registry.failed(failed.workerId());
        } catch (AttemptNotCurrentException raced) {
            // it ended another way meanwhile: that one stands
        }
        throw new AttemptNotCurrentException(task.id(), task.attempts(), "it ran past its timeout_ms ("
                + timeoutMs + " ms)");
    }

    /** Whether a write first ends an attempt past its {@code timeout_ms}. */
    private enum Timeout {
        /** It does: the write would record the attempt's work. */
        APPLIES,
        /** Already checked, or the write ends the attempt anyway. */
        CHECKED
    }

    /** One compare-and-set write of the current attempt, tried again while other calls of it change the task. */
    private Written write(UUID id, int attempt, String workerId, Timeout timeout, Change change) {
        for (int tries = 1; ; tries++) {
            Claim current = current(id, attempt, workerId);
            Claim claim = timeout == Timeout.APPLIES ? inTime(current, workerId) : current;
            VenomTask before = claim.task();
            Optional<VenomTask> stored = store.update(before, change.apply(before, claim.owner())).join();
            if (stored.isPresent()) {
                events.publish(TaskEvent.between(before, stored.get()));
                return new Written(stored.get(), workerOf(claim));
            }
            if (tries >= WRITE_TRIES) {
                throw new StoreException("task " + id + " kept changing; could not write attempt " + attempt
                        + " after " + tries + " tries");
            }
        }
    }

    /** The claim of attempt {@code attempt}, if it is current and a remote worker (that one, if named) holds it. */
    private Claim current(UUID id, int attempt, String workerId) {
        Optional<Claim> claim = store.claimOf(id);
        if (claim.isPresent() && claim.get().task().attempts() == attempt
                && claim.get().owner().startsWith(OWNER_PREFIX)) {
            if (workerId != null && !claim.get().owner().equals(owner(workerId))) {
                throw new AttemptNotCurrentException(id, attempt, "it is held by " + claim.get().owner()
                        + ", not by " + owner(workerId));
            }
            return claim.get();
        }
        VenomTask task = store.find(id).orElseThrow(() -> new NoSuchTaskException(id));
        throw new AttemptNotCurrentException(id, attempt, why(task, attempt, claim));
    }

    private static String why(VenomTask task, int attempt, Optional<Claim> claim) {
        if (task.attempts() > attempt) {
            return "attempt " + task.attempts() + " has started since";
        }
        if (task.attempts() < attempt) {
            return "the task has had " + task.attempts() + " attempt(s)";
        }
        return switch (task.status()) {
            case PENDING -> "its lease expired or it was given back; the task waits to run again";
            case PROCESSING -> "it is held by " + claim.map(Claim::owner).orElse("a server")
                    + ", not by a remote worker";
            case CANCELLED -> "the task was cancelled";
            case COMPLETED, FAILED -> "the task has ended " + task.status();
        };
    }

    /** What the dependencies of {@code task} returned ({@link DependencyResults}). */
    public Map<UUID, String> dependencyResults(VenomTask task) {
        return DependencyResults.of(task, store);
    }
}
