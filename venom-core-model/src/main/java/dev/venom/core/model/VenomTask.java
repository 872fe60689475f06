package dev.venom.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One task as clients and stores see it; immutable. Status, result and the log line of a transition
 * always change together, because each transition returns one new record.
 *
 * <p>JSON: {@code id, content, created_at, status, result, logs, priority, attempts, max_attempts, run_at,
 * timeout_ms, idempotency_key, queue, updated_at, finished_at, requires, progress, depends_on, waiting_on}, in that
 * order; {@code result} and {@code finished_at} are {@code null} until the task ends, {@code progress} until an
 * attempt reports one. A task written by the original service (only the first six fields) reads with the defaults. {@code version} is the store's compare-and-set counter and never leaves the
 * process as JSON.
 *
 * @param id             unique id
 * @param content        the client's input; any string
 * @param createdAt      when the task was accepted (UTC)
 * @param status         where the task is in its life
 * @param result         the processor's result, {@code "Error: <message>"} on failure, {@code null} before the end
 * @param logs           timestamped log lines, oldest first
 * @param priority       0..9; a higher priority is claimed first
 * @param attempts       how many times a worker has claimed it; the claim's fencing token
 * @param maxAttempts    1..100; a failed attempt below it is retried
 * @param runAt          not claimed before this time; {@code null} for "now". A retry sets it to the backoff time
 * @param timeoutMs      an attempt running longer fails; {@code null} for no limit
 * @param idempotencyKey the client's key that created it, or {@code null}
 * @param queue          the named queue it waits in ({@link TaskRequest#DEFAULT_QUEUE} unless given)
 * @param updatedAt      the time of the last change
 * @param finishedAt     when it reached a terminal status; {@code null} before
 * @param requires       labels a remote worker must have to run it ({@link Labels}); empty for none
 * @param progress       what the current (or last) attempt last reported, or {@code null}
 * @param dependsOn      the tasks it runs after, named at creation; empty for none
 * @param waitingOn      those of {@code dependsOn} not yet COMPLETED while it waits: a PENDING task that waits is
 *                       not claimed. Empty once released or ended (or never waiting)
 * @param version        bumped by the store on every write; {@code 0} for a task never stored
 *
 * <p>Times are kept to the microsecond, as the JSON form carries them.
 */
@JsonPropertyOrder({"id", "content", "created_at", "status", "result", "logs", "priority", "attempts", "max_attempts",
        "run_at", "timeout_ms", "idempotency_key", "queue", "updated_at", "finished_at", "requires", "progress",
        "depends_on", "waiting_on"})
@JsonIgnoreProperties(ignoreUnknown = true)
public record VenomTask(
        @JsonProperty("id") UUID id,
        @JsonProperty("content") String content,
        @JsonIgnore Instant createdAt,
        @JsonProperty("status") TaskStatus status,
        @JsonProperty("result") String result,
        @JsonProperty("logs") List<String> logs,
        @JsonProperty("priority") int priority,
        @JsonProperty("attempts") int attempts,
        @JsonProperty("max_attempts") int maxAttempts,
        @JsonIgnore Instant runAt,
        @JsonProperty("timeout_ms") Long timeoutMs,
        @JsonProperty("idempotency_key") String idempotencyKey,
        @JsonProperty("queue") String queue,
        @JsonIgnore Instant updatedAt,
        @JsonIgnore Instant finishedAt,
        @JsonProperty("requires") Map<String, String> requires,
        @JsonProperty("progress") Progress progress,
        @JsonProperty("depends_on") List<UUID> dependsOn,
        @JsonProperty("waiting_on") List<UUID> waitingOn,
        @JsonIgnore long version) {

    /** The most tasks one task may depend on. */
    public static final int MAX_DEPENDENCIES = TaskRequest.MAX_DEPENDENCIES;

    public VenomTask {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(status, "status");
        createdAt = Timestamps.truncate(createdAt);
        runAt = runAt == null ? null : Timestamps.truncate(runAt);
        finishedAt = finishedAt == null ? null : Timestamps.truncate(finishedAt);
        updatedAt = updatedAt == null ? null : Timestamps.truncate(updatedAt);
        logs = logs == null ? List.of() : List.copyOf(logs);
        queue = queue == null ? TaskRequest.DEFAULT_QUEUE : TaskRequest.checkQueue(queue);
        requires = Labels.check("requires", requires);
        dependsOn = dependsOn == null || dependsOn.isEmpty() ? List.of() : TaskRequest.checkDependsOn(dependsOn);
        waitingOn = waitingOn == null || waitingOn.isEmpty() || status.isTerminal() ? List.of() // an end waits no more
                : List.copyOf(waitingOn);
        if (!waitingOn.isEmpty() && !dependsOn.containsAll(waitingOn)) {
            throw new IllegalArgumentException("waiting_on " + waitingOn + " names tasks outside depends_on " + dependsOn);
        }
        if (!waitingOn.isEmpty() && status != TaskStatus.PENDING) {
            throw new IllegalArgumentException("a task waiting on " + waitingOn + " is PENDING, not " + status);
        }
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must be >= 0, was " + attempts);
        }
        TaskRequest.checkPriority(priority);
        TaskRequest.checkMaxAttempts(maxAttempts);
        if (timeoutMs != null) {
            TaskRequest.checkTimeoutMs(timeoutMs);
        }
        if (updatedAt == null) {
            updatedAt = finishedAt != null ? finishedAt : createdAt;
        }
    }

    /** A task without dependencies. */
    public VenomTask(UUID id, String content, Instant createdAt, TaskStatus status, String result, List<String> logs,
                     int priority, int attempts, int maxAttempts, Instant runAt, Long timeoutMs, String idempotencyKey,
                     String queue, Instant updatedAt, Instant finishedAt, Map<String, String> requires,
                     Progress progress, long version) {
        this(id, content, createdAt, status, result, logs, priority, attempts, maxAttempts, runAt, timeoutMs,
                idempotencyKey, queue, updatedAt, finishedAt, requires, progress, List.of(), List.of(), version);
    }

    /** A task without requirements or progress. */
    public VenomTask(UUID id, String content, Instant createdAt, TaskStatus status, String result, List<String> logs,
                     int priority, int attempts, int maxAttempts, Instant runAt, Long timeoutMs, String idempotencyKey,
                     String queue, Instant updatedAt, Instant finishedAt, long version) {
        this(id, content, createdAt, status, result, logs, priority, attempts, maxAttempts, runAt, timeoutMs,
                idempotencyKey, queue, updatedAt, finishedAt, Map.of(), null, version);
    }

    /** A task with the default options, as the original service kept them. */
    public VenomTask(UUID id, String content, Instant createdAt, TaskStatus status, String result, List<String> logs,
                     int attempts, Instant finishedAt, long version) {
        this(id, content, createdAt, status, result, logs, TaskRequest.DEFAULT_PRIORITY, attempts,
                1, null, null, null, null, null, finishedAt, version);
    }

    /**
     * Reads a task from JSON; times in {@link Timestamps} form, naive ones as UTC; missing options as defaults.
     * A task the original service finished (it kept neither {@code attempts} nor {@code finished_at}) ran
     * once, and finished at the time of its last log line.
     */
    @JsonCreator
    static VenomTask fromJson(@JsonProperty("id") UUID id, @JsonProperty("content") String content,
                              @JsonProperty("created_at") String createdAt, @JsonProperty("status") TaskStatus status,
                              @JsonProperty("result") String result, @JsonProperty("logs") List<String> logs,
                              @JsonProperty("priority") Integer priority, @JsonProperty("attempts") Integer attempts,
                              @JsonProperty("max_attempts") Integer maxAttempts, @JsonProperty("run_at") String runAt,
                              @JsonProperty("timeout_ms") Long timeoutMs,
                              @JsonProperty("idempotency_key") String idempotencyKey,
                              @JsonProperty("queue") String queue,
                              @JsonProperty("updated_at") String updatedAt,
                              @JsonProperty("finished_at") String finishedAt,
                              @JsonProperty("requires") Map<String, String> requires,
                              @JsonProperty("progress") Progress progress,
                              @JsonProperty("depends_on") List<UUID> dependsOn,
                              @JsonProperty("waiting_on") List<UUID> waitingOn) {
        boolean finishedByTheOriginal = attempts == null && status != null && status.isTerminal();
        Instant finished = time(finishedAt);
        if (finished == null && finishedByTheOriginal && logs != null && !logs.isEmpty()) {
            finished = TaskLog.timeAtEnd(logs.get(logs.size() - 1)).orElse(null);
        }
        return new VenomTask(id, content, time(createdAt), status, result, logs,
                priority == null ? TaskRequest.DEFAULT_PRIORITY : priority,
                attempts != null ? attempts : finishedByTheOriginal ? 1 : 0,
                maxAttempts == null ? 1 : maxAttempts, time(runAt), timeoutMs, idempotencyKey, queue,
                time(updatedAt), finished, requires, progress, dependsOn, waitingOn, 0);
    }

    private static Instant time(String text) {
        return text == null ? null : Timestamps.parse(text);
    }

    @JsonProperty("created_at")
    String createdAtJson() {
        return Timestamps.format(createdAt);
    }

    @JsonProperty("run_at")
    String runAtJson() {
        return runAt == null ? null : Timestamps.format(runAt);
    }

    @JsonProperty("updated_at")
    String updatedAtJson() {
        return Timestamps.format(updatedAt);
    }

    @JsonProperty("finished_at")
    String finishedAtJson() {
        return finishedAt == null ? null : Timestamps.format(finishedAt);
    }

    /** A new PENDING task with default options and its {@code Task started} log line. */
    public static VenomTask create(UUID id, String content, Instant now) {
        return create(id, new TaskRequest(content), 1, null, now);
    }

    /**
     * A new PENDING task for {@code request}, with its {@code Task started} log line.
     *
     * @param defaultMaxAttempts the attempts allowed when the request does not say
     * @param idempotencyKey     the client's key for this creation, or {@code null}
     */
    public static VenomTask create(UUID id, TaskRequest request, int defaultMaxAttempts, String idempotencyKey,
                                   Instant now) {
        return create(id, request, defaultMaxAttempts, idempotencyKey, now, TaskLog.EN);
    }

    /** {@link #create(UUID, TaskRequest, int, String, Instant)} with its line in {@code language}. */
    public static VenomTask create(UUID id, TaskRequest request, int defaultMaxAttempts, String idempotencyKey,
                                   Instant now, TaskLog language) {
        Instant at = Timestamps.truncate(now);
        return new VenomTask(id, request.content(), at, TaskStatus.PENDING, null,
                List.of(language.taskStarted(at)), request.priorityOr(TaskRequest.DEFAULT_PRIORITY), 0,
                request.maxAttemptsOr(defaultMaxAttempts), request.runAt() == null ? null
                : Timestamps.truncate(request.runAt()), request.timeoutMs(), idempotencyKey, request.queueOrDefault(),
                at, null, request.requiresOrNone(), null, request.dependsOnOrNone(), request.dependsOnOrNone(), 0);
    }

    /**
     * This new task as it is stored, given the status of each of its dependencies now ({@code ended} maps
     * each one): waiting on those not yet COMPLETED; or, if one ended FAILED or CANCELLED, CANCELLED at once
     * with {@code Dependency <id> ended <status>} logged. For stores, which read the statuses under a lock.
     *
     * @throws IllegalArgumentException if {@code statuses} lacks a dependency
     */
    public VenomTask resolveDependencies(Map<UUID, TaskStatus> statuses, Instant now, TaskLog language) {
        List<UUID> waiting = new ArrayList<>(dependsOn.size());
        for (UUID dependency : dependsOn) {
            TaskStatus status = statuses.get(dependency);
            if (status == null) {
                throw new IllegalArgumentException("the status of dependency " + dependency + " is not given");
            }
            if (status == TaskStatus.FAILED || status == TaskStatus.CANCELLED) {
                return dependencyEnded(dependency, status, now, language);
            }
            if (status != TaskStatus.COMPLETED) {
                waiting.add(dependency);
            }
        }
        return withWaitingOn(waiting);
    }

    /**
     * The dependency {@code dependency}, which this task waits on, ended {@code ended}: COMPLETED leaves one
     * fewer to wait on ({@code Dependencies completed} logged once none is left); FAILED or CANCELLED cancels
     * this task with {@code Dependency <id> ended <status>} logged.
     */
    public VenomTask dependencyEnded(UUID dependency, TaskStatus ended, Instant now, TaskLog language) {
        if (!ended.isTerminal()) {
            throw new IllegalArgumentException("dependency " + dependency + " has not ended, it is " + ended);
        }
        requireStatus(TaskStatus.PENDING, "release");
        Instant at = Timestamps.truncate(now);
        if (ended != TaskStatus.COMPLETED) {
            return next(TaskStatus.CANCELLED, null, language.dependencyEnded(dependency, ended, at), attempts, runAt,
                    at, at);
        }
        List<UUID> left = new ArrayList<>(waitingOn);
        left.remove(dependency);
        VenomTask released = withWaitingOn(left);
        return left.isEmpty() ? released.next(TaskStatus.PENDING, null, language.dependenciesCompleted(at), attempts,
                runAt, at, null) : released.withUpdatedAt(at);
    }

    /** True while it waits for dependencies to complete: PENDING, yet not claimable. */
    @JsonIgnore
    public boolean isWaiting() {
        return !waitingOn.isEmpty() && status == TaskStatus.PENDING;
    }

    private VenomTask withWaitingOn(List<UUID> waiting) {
        return new VenomTask(id, content, createdAt, status, result, logs, priority, attempts, maxAttempts, runAt,
                timeoutMs, idempotencyKey, queue, updatedAt, finishedAt, requires, progress, dependsOn, waiting,
                version);
    }

    private VenomTask withUpdatedAt(Instant at) {
        return new VenomTask(id, content, createdAt, status, result, logs, priority, attempts, maxAttempts, runAt,
                timeoutMs, idempotencyKey, queue, at, finishedAt, requires, progress, dependsOn, waitingOn, version);
    }

    /** Claimed by a worker: PROCESSING, one more attempt, {@code Processing started} logged. */
    public VenomTask start(Instant now) {
        return start(now, TaskLog.EN);
    }

    /** {@link #start(Instant)} with its line in {@code language}. */
    public VenomTask start(Instant now, TaskLog language) {
        requireStatus(TaskStatus.PENDING, "start");
        if (!waitingOn.isEmpty()) {
            throw new IllegalStateException("cannot start task " + id + ": it waits on " + waitingOn);
        }
        VenomTask started = next(TaskStatus.PROCESSING, null, language.processingStarted(now), attempts + 1, runAt,
                now, null);
        return progress == null ? started : started.withProgress(null);
    }

    /**
     * A new task claimed in the write that stores it: {@link #start}ed, at version 2, its creation being
     * version 1. For stores only ({@code StateStore.insertClaimed}).
     *
     * @throws IllegalArgumentException unless this is a new PENDING task without {@code run_at} or
     *     idempotency key
     */
    public VenomTask startOnArrival(Instant now) {
        return startOnArrival(now, TaskLog.EN);
    }

    /** {@link #startOnArrival(Instant)} with its line in {@code language}. */
    public VenomTask startOnArrival(Instant now, TaskLog language) {
        if (status != TaskStatus.PENDING || attempts != 0 || version > 1 || runAt != null || idempotencyKey != null
                || !dependsOn.isEmpty()) {
            throw new IllegalArgumentException("task " + id + " cannot be claimed as it is stored: that takes a new "
                    + "PENDING task without run_at or idempotency key, and it is " + status + " after " + attempts
                    + " attempt(s), version " + version + (runAt != null ? ", run_at " + runAt : "")
                    + (idempotencyKey != null ? ", with an idempotency key" : "")
                    + (!dependsOn.isEmpty() ? ", with dependencies" : ""));
        }
        return start(now, language).withVersion(2);
    }

    /** The processor returned {@code output}: COMPLETED with that result and its log line. */
    public VenomTask complete(String output, Instant now) {
        return complete(output, now, TaskLog.EN);
    }

    /** {@link #complete(String, Instant)} with its line in {@code language}. */
    public VenomTask complete(String output, Instant now, TaskLog language) {
        requireStatus(TaskStatus.PROCESSING, "complete");
        Instant at = Timestamps.truncate(now);
        return next(TaskStatus.COMPLETED, output, language.processingCompleted(at), attempts, runAt,
                at, at);
    }

    /** The processor failed with {@code message}: FAILED, result {@code "Error: <message>"}, log line. */
    public VenomTask fail(String message, Instant now) {
        return fail(message, now, TaskLog.EN);
    }

    /** {@link #fail(String, Instant)} with its result and line in {@code language}. */
    public VenomTask fail(String message, Instant now, TaskLog language) {
        requireStatus(TaskStatus.PROCESSING, "fail");
        Instant at = Timestamps.truncate(now);
        return next(TaskStatus.FAILED, language.errorResult(message),
                language.processingFailed(message, at), attempts, runAt, at, at);
    }

    /** True if a failure of the current attempt should be retried rather than end the task. */
    public boolean hasAttemptsLeft() {
        return attempts < maxAttempts;
    }

    /**
     * The attempt failed with {@code message} and another one is allowed: back to PENDING, not claimable
     * before {@code retryAt}, with the failure and {@code Retry scheduled: attempt <n> of <m> at <time>}
     * logged.
     */
    public VenomTask retry(String message, Instant retryAt, Instant now) {
        return retry(message, retryAt, now, TaskLog.EN);
    }

    /** {@link #retry(String, Instant, Instant)} with its lines in {@code language}. */
    public VenomTask retry(String message, Instant retryAt, Instant now, TaskLog language) {
        requireStatus(TaskStatus.PROCESSING, "retry");
        if (!hasAttemptsLeft()) {
            throw new IllegalStateException("cannot retry task " + id + ": attempt " + attempts + " of "
                    + maxAttempts + " was the last");
        }
        Instant at = Timestamps.truncate(now);
        Instant due = Timestamps.truncate(retryAt);
        List<String> lines = append(language.attemptFailed(attempts, message, at));
        lines.add(language.retryScheduled(attempts + 1, maxAttempts, due));
        return new VenomTask(id, content, createdAt, TaskStatus.PENDING, null, lines, priority, attempts, maxAttempts,
                due, timeoutMs, idempotencyKey, queue, at, null, requires, progress, dependsOn, waitingOn, version);
    }

    /** Cancelled by a client while PENDING or PROCESSING: CANCELLED, {@code Cancelled: <time>} logged. */
    public VenomTask cancel(Instant now) {
        return cancel(now, TaskLog.EN);
    }

    /** {@link #cancel(Instant)} with its line in {@code language}. */
    public VenomTask cancel(Instant now, TaskLog language) {
        if (status.isTerminal()) {
            throw new IllegalStateException("cannot cancel task " + id + ": it is already " + status);
        }
        Instant at = Timestamps.truncate(now);
        return next(TaskStatus.CANCELLED, null, language.cancelled(at), attempts, runAt, at, at);
    }

    /**
     * Cancelled by an operator's purge of its queue: a PENDING task becomes CANCELLED with {@code Purged:
     * <time>} logged.
     */
    public VenomTask purge(Instant now, TaskLog language) {
        requireStatus(TaskStatus.PENDING, "purge");
        Instant at = Timestamps.truncate(now);
        return next(TaskStatus.CANCELLED, null, language.purged(at), attempts, runAt, at, at);
    }

    /**
     * Back to PENDING so a worker runs it again, with {@code logLine} saying why
     * (a restart, an expired claim, a shutdown). Only an unfinished task can be requeued.
     */
    public VenomTask requeue(String logLine, Instant now) {
        if (status.isTerminal()) {
            throw new IllegalStateException("cannot requeue task " + id + ": it is already " + status);
        }
        return next(TaskStatus.PENDING, null, logLine, attempts, runAt, Timestamps.truncate(now), null);
    }

    /**
     * The claim of {@code owner} expired (its server died or stalled): back to PENDING to run elsewhere, or
     * FAILED if that was its last allowed attempt. Either way the log names the lost owner.
     */
    public VenomTask claimExpired(String owner, Instant now) {
        return claimExpired(owner, now, TaskLog.EN);
    }

    /** {@link #claimExpired(String, Instant)} with its result and line in {@code language}. */
    public VenomTask claimExpired(String owner, Instant now, TaskLog language) {
        requireStatus(TaskStatus.PROCESSING, "rescue");
        Instant at = Timestamps.truncate(now);
        if (hasAttemptsLeft()) {
            return requeue(language.claimExpiredRequeued(owner, at), at);
        }
        return next(TaskStatus.FAILED, language.claimExpiredResult(owner), language.claimExpiredFailed(owner, at),
                attempts, runAt, at, at);
    }

    /**
     * True if {@code after} is {@code before}'s failed attempt put back to wait for a retry ({@link #retry}),
     * rather than requeued to run again at once (a shutdown, an expired claim): only a retry moves
     * {@code run_at}.
     */
    public static boolean isRetry(VenomTask before, VenomTask after) {
        return before.status == TaskStatus.PROCESSING && after.status == TaskStatus.PENDING
                && after.attempts == before.attempts && after.runAt != null && !after.runAt.equals(before.runAt);
    }

    /** True if a worker may claim it at {@code now}: PENDING, waiting on no dependency, and due. */
    public boolean isDue(Instant now) {
        return status == TaskStatus.PENDING && waitingOn.isEmpty() && (runAt == null || !runAt.isAfter(now));
    }

    /**
     * When the task ended, for retention: {@code finished_at}, or for a task finished by the original
     * service (which did not record it) its creation time; empty while it runs.
     */
    public Optional<Instant> endedAt() {
        if (!status.isTerminal()) {
            return Optional.empty();
        }
        return Optional.of(finishedAt != null ? finishedAt : createdAt);
    }

    /** The same task with one more log line, written at {@code now}. */
    public VenomTask withLog(String line, Instant now) {
        return next(status, result, line, attempts, runAt, Timestamps.truncate(now), finishedAt);
    }

    /** The same task as stored at {@code newVersion}; for stores only. */
    public VenomTask withVersion(long newVersion) {
        return new VenomTask(id, content, createdAt, status, result, logs, priority, attempts, maxAttempts, runAt,
                timeoutMs, idempotencyKey, queue, updatedAt, finishedAt, requires, progress, dependsOn, waitingOn, newVersion);
    }

    /** A running attempt reported {@code reported}, at {@code now}; the task must be PROCESSING. */
    public VenomTask reportProgress(Progress reported, Instant now) {
        Objects.requireNonNull(reported, "reported");
        requireStatus(TaskStatus.PROCESSING, "report progress of");
        return new VenomTask(id, content, createdAt, status, result, logs, priority, attempts, maxAttempts, runAt,
                timeoutMs, idempotencyKey, queue, Timestamps.truncate(now), finishedAt, requires, reported, dependsOn,
                waitingOn, version);
    }

    private VenomTask withProgress(Progress next) {
        return new VenomTask(id, content, createdAt, status, result, logs, priority, attempts, maxAttempts, runAt,
                timeoutMs, idempotencyKey, queue, updatedAt, finishedAt, requires, next, dependsOn, waitingOn, version);
    }

    private VenomTask next(TaskStatus nextStatus, String nextResult, String line, int nextAttempts, Instant nextRunAt,
                           Instant now, Instant nextFinishedAt) {
        return new VenomTask(id, content, createdAt, nextStatus, nextResult, append(line), priority, nextAttempts,
                maxAttempts, nextRunAt, timeoutMs, idempotencyKey, queue, Timestamps.truncate(now), nextFinishedAt,
                requires, progress, dependsOn, waitingOn, version);
    }

    private List<String> append(String line) {
        Objects.requireNonNull(line, "line");
        List<String> next = new ArrayList<>(logs.size() + 2);
        next.addAll(logs);
        next.add(line);
        return next;
    }

    private void requireStatus(TaskStatus expected, String transition) {
        if (status != expected) {
            throw new IllegalStateException(
                    "cannot " + transition + " task " + id + ": it is " + status + ", not " + expected);
        }
    }
}
