package dev.venom.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * One task as clients and stores see it; immutable. Status, result and the log line of a transition
 * always change together, because each transition returns one new record.
 *
 * <p>JSON: {@code id, content, created_at, status, result, logs, attempts, finished_at}, in that order;
 * {@code result} and {@code finished_at} are written as {@code null} until the task ends. {@code version} is the store's
 * compare-and-set counter and never leaves the process as JSON.
 *
 * @param id        unique id
 * @param content   the client's input; any string
 * @param createdAt when the task was accepted (UTC)
 * @param status    where the task is in its life
 * @param result    the processor's result, {@code "Error: <message>"} on failure, {@code null} before the end
 * @param logs      timestamped log lines, oldest first
 * @param attempts  how many times a worker has claimed it; the claim's fencing token
 * @param finishedAt when it reached COMPLETED or FAILED; {@code null} before
 * @param version   bumped by the store on every write; {@code 0} for a task never stored
 */
@JsonPropertyOrder({"id", "content", "created_at", "status", "result", "logs", "attempts", "finished_at"})
@JsonIgnoreProperties(ignoreUnknown = true)
public record VenomTask(
        @JsonProperty("id") UUID id,
        @JsonProperty("content") String content,
        @JsonIgnore Instant createdAt,
        @JsonProperty("status") TaskStatus status,
        @JsonProperty("result") String result,
        @JsonProperty("logs") List<String> logs,
        @JsonProperty("attempts") int attempts,
        @JsonIgnore Instant finishedAt,
        @JsonIgnore long version) {

    public VenomTask {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(status, "status");
        logs = logs == null ? List.of() : List.copyOf(logs);
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must be >= 0, was " + attempts);
        }
    }

    /** Reads a task from JSON; times in {@link Timestamps} form, naive ones as UTC. */
    @JsonCreator
    static VenomTask fromJson(@JsonProperty("id") UUID id, @JsonProperty("content") String content,
                              @JsonProperty("created_at") String createdAt, @JsonProperty("status") TaskStatus status,
                              @JsonProperty("result") String result, @JsonProperty("logs") List<String> logs,
                              @JsonProperty("attempts") int attempts, @JsonProperty("finished_at") String finishedAt) {
        return new VenomTask(id, content, createdAt == null ? null : Timestamps.parse(createdAt), status, result,
                logs, attempts, finishedAt == null ? null : Timestamps.parse(finishedAt), 0);
    }

    /** {@code created_at} as JSON writes it. */
    @JsonProperty("created_at")
    String createdAtJson() {
        return Timestamps.format(createdAt);
    }

    /** {@code finished_at} as JSON writes it, {@code null} before the end. */
    @JsonProperty("finished_at")
    String finishedAtJson() {
        return finishedAt == null ? null : Timestamps.format(finishedAt);
    }

    /** A new PENDING task with its {@code Task started} log line. */
    public static VenomTask create(UUID id, String content, Instant now) {
        Instant at = Timestamps.truncate(now);
        return new VenomTask(id, content, at, TaskStatus.PENDING, null,
                List.of("Task started: " + Timestamps.format(at)), 0, null, 0);
    }

    /** Claimed by a worker: PROCESSING, one more attempt, {@code Processing started} logged. */
    public VenomTask start(Instant now) {
        requireStatus(TaskStatus.PENDING, "start");
        return new VenomTask(id, content, createdAt, TaskStatus.PROCESSING, null,
                append("Processing started: " + Timestamps.format(now)), attempts + 1, null, version);
    }

    /** The processor returned {@code output}: COMPLETED with that result and its log line. */
    public VenomTask complete(String output, Instant now) {
        requireStatus(TaskStatus.PROCESSING, "complete");
        Instant at = Timestamps.truncate(now);
        return new VenomTask(id, content, createdAt, TaskStatus.COMPLETED, output,
                append("Processing completed: " + Timestamps.format(at)), attempts, at, version);
    }

    /** The processor failed with {@code message}: FAILED, result {@code "Error: <message>"}, log line. */
    public VenomTask fail(String message, Instant now) {
        requireStatus(TaskStatus.PROCESSING, "fail");
        Instant at = Timestamps.truncate(now);
        return new VenomTask(id, content, createdAt, TaskStatus.FAILED, "Error: " + message,
                append("Processing failed: " + message + " - " + Timestamps.format(at)), attempts, at, version);
    }

    /**
     * Back to PENDING so a worker runs it again, with {@code logLine} saying why
     * (a restart, an expired claim, a shutdown). Only an unfinished task can be requeued.
     */
    public VenomTask requeue(String logLine) {
        if (status.isTerminal()) {
            throw new IllegalStateException("cannot requeue task " + id + ": it is already " + status);
        }
        return new VenomTask(id, content, createdAt, TaskStatus.PENDING, null, append(logLine), attempts, null,
                version);
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

    /** The same task with one more log line. */
    public VenomTask withLog(String line) {
        return new VenomTask(id, content, createdAt, status, result, append(line), attempts, finishedAt, version);
    }

    /** The same task as stored at {@code newVersion}; for stores only. */
    public VenomTask withVersion(long newVersion) {
        return new VenomTask(id, content, createdAt, status, result, logs, attempts, finishedAt, newVersion);
    }

    private List<String> append(String line) {
        Objects.requireNonNull(line, "line");
        List<String> next = new ArrayList<>(logs.size() + 1);
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
