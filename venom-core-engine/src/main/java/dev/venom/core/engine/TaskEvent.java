package dev.venom.core.engine;

import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Something that happened to a task on this engine, for {@link TaskListener}s: metrics, live streams.
 *
 * @param type what happened
 * @param task the task just after it happened
 * @param from the status before, for {@link Type#STATUS_CHANGED}; otherwise the task's status
 * @param log  the line appended, for {@link Type#LOG_APPENDED}; otherwise {@code null}
 * @param at   when (the task's {@code updated_at})
 */
public record TaskEvent(Type type, VenomTask task, TaskStatus from, String log, Instant at) {

    /** The kinds of event. */
    public enum Type {
        /** Accepted and stored, PENDING. */
        CREATED,
        /** Moved from {@code from} to the task's status (a claim, a completion, a failure, a requeue). */
        STATUS_CHANGED,
        /** A worker claimed it for an attempt (after its PENDING to PROCESSING change). */
        CLAIMED,
        /** A line was added to the task's logs. */
        LOG_APPENDED,
        /** A failed attempt was scheduled to run again at the task's {@code run_at}. */
        RETRY_SCHEDULED,
        /** An attempt was stopped and its task put back to PENDING to run again (a shutdown, an expired claim). */
        REQUEUED,
        /** A client cancelled it. */
        CANCELLED,
        /** A running attempt reported its progress ({@link VenomTask#progress()}). */
        PROGRESS
    }

    public TaskEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(at, "at");
    }

    /**
     * The events a store reports for a change it saw another server commit: {@link Type#CREATED} when
     * {@code from} is null, otherwise each new log line, then the status change if there was one; a running
     * task changed without either reported its {@link Type#PROGRESS}.
     *
     * @param asOf     the task as the change left it
     * @param from     its status before the change; null for a new task
     * @param newLines the log lines the change appended
     */
    public static List<TaskEvent> observed(VenomTask asOf, TaskStatus from, List<String> newLines) {
        if (from == null) {
            return List.of(created(asOf));
        }
        List<TaskEvent> events = new ArrayList<>(newLines.size() + 2);
        for (String line : newLines) {
            events.add(new TaskEvent(Type.LOG_APPENDED, asOf, asOf.status(), line, asOf.updatedAt()));
        }
        if (from != asOf.status()) {
            events.add(new TaskEvent(Type.STATUS_CHANGED, asOf, from, null, asOf.updatedAt()));
            if (asOf.status() == TaskStatus.CANCELLED) {
                events.add(new TaskEvent(Type.CANCELLED, asOf, from, null, asOf.updatedAt()));
            } else if (from == TaskStatus.PENDING && asOf.status() == TaskStatus.PROCESSING) {
                events.add(new TaskEvent(Type.CLAIMED, asOf, from, null, asOf.updatedAt()));
            }
        } else if (newLines.isEmpty() && asOf.status() == TaskStatus.PROCESSING && asOf.progress() != null) {
            // a running task written without a line or a new status: its attempt reported progress
            events.add(new TaskEvent(Type.PROGRESS, asOf, from, null, asOf.updatedAt()));
        }
        return events;
    }

    /** The event of a new task. */
    public static TaskEvent created(VenomTask task) {
        return new TaskEvent(Type.CREATED, task, task.status(), null, task.updatedAt());
    }

    /** The events of a claim: its {@code Processing started} line, PENDING to PROCESSING, then the claim. */
    public static List<TaskEvent> claimed(VenomTask started) {
        List<String> logs = started.logs();
        return List.of(
                new TaskEvent(Type.LOG_APPENDED, started, started.status(), logs.get(logs.size() - 1), started.updatedAt()),
                new TaskEvent(Type.STATUS_CHANGED, started, TaskStatus.PENDING, null, started.updatedAt()),
                new TaskEvent(Type.CLAIMED, started, TaskStatus.PENDING, null, started.updatedAt()));
    }

    /** The events that lead from {@code before} to {@code after}: each new log line, then the status change. */
    public static List<TaskEvent> between(VenomTask before, VenomTask after) {
        List<TaskEvent> events = new ArrayList<>(3);
        List<String> old = before.logs();
        List<String> now = after.logs();
        if (now.size() > old.size() && now.subList(0, old.size()).equals(old)) {
            for (String line : now.subList(old.size(), now.size())) {
                events.add(new TaskEvent(Type.LOG_APPENDED, after, after.status(), line, after.updatedAt()));
            }
        }
        if (after.progress() != null && !after.progress().equals(before.progress())
                && after.status() == before.status()) {
            events.add(new TaskEvent(Type.PROGRESS, after, after.status(), null, after.updatedAt()));
        }
        if (before.status() != after.status()) {
            events.add(new TaskEvent(Type.STATUS_CHANGED, after, before.status(), null, after.updatedAt()));
            if (after.status() == TaskStatus.CANCELLED) {
                events.add(new TaskEvent(Type.CANCELLED, after, before.status(), null, after.updatedAt()));
            } else if (VenomTask.isRetry(before, after)) {
                events.add(new TaskEvent(Type.RETRY_SCHEDULED, after, before.status(), null, after.updatedAt()));
            } else if (before.status() == TaskStatus.PROCESSING && after.status() == TaskStatus.PENDING) {
                events.add(new TaskEvent(Type.REQUEUED, after, before.status(), null, after.updatedAt()));
            }
        }
        return events;
    }
}
