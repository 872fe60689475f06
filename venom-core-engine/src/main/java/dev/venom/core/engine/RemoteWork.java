package dev.venom.core.engine;

import dev.venom.core.engine.internal.Lanes;
import dev.venom.core.engine.internal.remote.LongPolls;
import dev.venom.core.engine.internal.remote.RemoteAttempts;
import dev.venom.core.engine.internal.remote.WorkerRegistry;
import dev.venom.core.model.Progress;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The worker protocol of remote workers (any language, any machine), as the HTTP routes serve it: claim tasks of
 * the queues served remotely ({@link Orchestrator.Builder#remoteQueue}), then heartbeat, log, complete, fail
 * or release each attempt. Every call after the claim names the attempt (the task's attempt number, its
 * fencing token) and is applied only while it is current; otherwise {@link AttemptNotCurrentException} and
 * nothing changes. A worker that stops calling loses its claims when their lease expires, as a stopped
 * server does. Thread-safe; the calls other than {@link #claim} block on the store.
 */
public final class RemoteWork {

    private final Lanes lanes;
    private final RemoteAttempts attempts;
    private final LongPolls polls;
    private final WorkerRegistry registry;

    RemoteWork(Lanes lanes, RemoteAttempts attempts, LongPolls polls, WorkerRegistry registry) {
        this.lanes = lanes;
        this.attempts = attempts;
        this.polls = polls;
        this.registry = registry;
    }

    /** The owner a worker's claims are held by: {@code worker:<id>}. */
    public static String owner(String workerId) {
        return RemoteAttempts.owner(workerId);
    }

    /** The queues this server leaves to remote workers. */
    public Set<String> queues() {
        return lanes.remoteQueues();
    }

    /**
     * Claims up to {@code request.max()} due tasks for the worker, waiting up to its wait for one (without
     * holding a thread). Each claim is PROCESSING, its attempt started, held by {@code worker:<id>} for a
     * lease. Answers none once the engine closes.
     *
     * @throws IllegalArgumentException if a queue asked for is not served by remote workers here
     */
    public CompletableFuture<List<Claim>> claim(WorkRequest request) {
        Objects.requireNonNull(request, "request");
        for (String queue : request.queues()) {
            if (!lanes.remoteQueues().contains(queue)) {
                throw new IllegalArgumentException("queue '" + queue + "' is not served by remote workers here "
                        + "(remote queues: " + (lanes.remoteQueues().isEmpty() ? "none" : String.join(", ",
                        lanes.remoteQueues().stream().sorted().toList())) + ")");
            }
        }
        return polls.claim(request);
    }

    /**
     * Renews the attempt's lease and records its progress, if given.
     *
     * @param workerId the worker that calls, or null; if given, the attempt must be held by it
     * @return until when the lease holds, or that the task was cancelled and the worker should stop
     */
    public Heartbeat heartbeat(UUID taskId, int attempt, String workerId, Progress progress) {
        return attempts.heartbeat(taskId, attempt, workerId, progress);
    }

    /** Adds {@code lines} to the task's logs, each with the time now. */
    public VenomTask log(UUID taskId, int attempt, String workerId, List<String> lines) {
        return attempts.log(taskId, attempt, workerId, List.copyOf(lines));
    }

    /** The attempt produced {@code result}: the task is COMPLETED. */
    public VenomTask complete(UUID taskId, int attempt, String workerId, String result) {
        Objects.requireNonNull(result, "result");
        return attempts.complete(taskId, attempt, workerId, result);
    }

    /**
     * The attempt failed: the task is retried ({@code retryAfter} from now, or after the retry policy's delay)
     * while {@code retryable} and attempts are left, else FAILED with {@code Error: <error>}.
     */
    public VenomTask fail(UUID taskId, int attempt, String workerId, String error, boolean retryable,
                          Duration retryAfter) {
        Objects.requireNonNull(error, "error");
        VenomTask after = attempts.fail(taskId, attempt, workerId, error, retryable, retryAfter);
        if (after.status() == TaskStatus.PENDING && after.runAt() != null) {
            polls.wakeAt(after.runAt()); // a waiting worker takes the retry when it comes due
        }
        return after;
    }

    /** The worker gives the attempt back unfinished (it is stopping): PENDING, to run again. */
    public VenomTask release(UUID taskId, int attempt, String workerId) {
        return attempts.release(taskId, attempt, workerId);
    }

    /**
     * The results of the dependencies of a claimed task, by id, for its worker (as {@link
     * TaskContext#dependencyResults()} gives them to a processor here); read from the store, so off the I/O
     * threads.
     */
    public Map<UUID, String> dependencyResults(VenomTask task) {
        return attempts.dependencyResults(task);
    }

    /** Gives back claims that never reached their worker (its connection closed first). */
    public void giveBack(List<Claim> claims) {
        attempts.giveBack(claims);
    }

    /** The workers heard from here in the last {@link WorkerRegistry#FORGET_AFTER}, by id. */
    public List<WorkerInfo> workers() {
        return registry.recent().stream().map(seen -> new WorkerInfo(seen.workerId(), seen.labels(), seen.queues(),
                seen.lastSeen(), attempts.inFlight(seen.workerId()), seen.completed(), seen.failed())).toList();
    }

    /** How many claims wait for a task now. */
    public int waiting() {
        return polls.waiting();
    }
}
