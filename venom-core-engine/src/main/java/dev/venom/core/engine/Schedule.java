package dev.venom.core.engine;

import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.Timestamps;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A recurring schedule: a task created at each of its {@link Recurrence}'s times, exactly once however many
 * servers run it (its idempotency key names the schedule and the time). Immutable; each change is a new
 * record, written by the store with compare-and-set on {@code version}.
 *
 * @param name         {@code [A-Za-z0-9_.-]{1,64}}, unique
 * @param recurrence   when it fires
 * @param task         what each occurrence creates; without {@code run_at} or dependencies
 * @param misfire      what it does about times missed while no server ran it
 * @param paused       true while an operator holds it: it fires nothing, and resuming goes on from then
 * @param createdAt    when it was created: where an interval counts from
 * @param coveredUntil every time up to this one has been handled (fired, or skipped as missed)
 * @param lastRunAt    the time of the last occurrence that created a task, or {@code null}
 * @param lastTaskId   the task it created then, or {@code null}
 * @param version      bumped by the store on every write; {@code 0} for one never stored
 */
public record Schedule(String name, Recurrence recurrence, TaskRequest task, Misfire misfire, boolean paused,
                       Instant createdAt, Instant coveredUntil, Instant lastRunAt, UUID lastTaskId, long version) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    public Schedule {
        checkName(name);
        Objects.requireNonNull(recurrence, "recurrence");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(misfire, "misfire");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(coveredUntil, "coveredUntil");
        if (task.runAt() != null) {
            throw new IllegalArgumentException("a schedule's task has no run_at: the schedule says when it runs");
        }
        if (!task.dependsOnOrNone().isEmpty()) {
            throw new IllegalArgumentException("a schedule's task has no depends_on");
        }
        createdAt = Timestamps.truncate(createdAt);
        coveredUntil = Timestamps.truncate(coveredUntil);
        lastRunAt = lastRunAt == null ? null : Timestamps.truncate(lastRunAt);
    }

    /** A new schedule, created {@code now}: its first time is the first after now. */
    public static Schedule create(String name, Recurrence recurrence, TaskRequest task, Misfire misfire,
                                  Instant now) {
        return new Schedule(name, recurrence, task, misfire, false, now, now, null, null, 0);
    }

    /**
     * Checks a schedule's name: 1..64 of {@code A-Z a-z 0-9 _ . -}.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("schedule name must match [A-Za-z0-9_.-]{1,64}, was '" + name + "'");
        }
        return name;
    }

    /** The idempotency key of the task its occurrence at {@code time} creates. */
    public String keyOf(Instant time) {
        return "schedule:" + name + ":" + Timestamps.format(time);
    }

    /** The idempotency key of the one task that catches up the times missed from {@code first} on. */
    public String catchUpKeyOf(Instant first) {
        return "schedule:" + name + ":catch-up:" + Timestamps.format(first);
    }

    /** Its next {@code count} times from {@code now} on (or from an overdue time not yet handled). */
    public List<Instant> nextTimes(int count, Instant now) {
        return recurrence.next(count, paused || coveredUntil.isAfter(now) ? now : coveredUntil, createdAt);
    }

    /** Paused, or resumed {@code now}: a resumed schedule goes on from now, the times it was held are not run. */
    public Schedule withPaused(boolean hold, Instant now) {
        return new Schedule(name, recurrence, task, misfire, hold, createdAt, hold ? coveredUntil : now, lastRunAt,
                lastTaskId, version);
    }

    /** Every time up to {@code until} handled, the last task created being {@code taskId} for {@code runAt}. */
    public Schedule covered(Instant until, Instant runAt, UUID taskId) {
        return new Schedule(name, recurrence, task, misfire, paused, createdAt, until,
                runAt != null ? runAt : lastRunAt, runAt != null ? taskId : lastTaskId, version);
    }

    /**
     * {@code definition}'s recurrence, task and misfire policy, keeping this one's state; it goes on from when
     * {@code definition} was made (its times before are not fired, nor counted as missed).
     */
    public Schedule redefined(Schedule definition) {
        Instant from = coveredUntil.isAfter(definition.coveredUntil) ? coveredUntil : definition.coveredUntil;
        return new Schedule(name, definition.recurrence, definition.task, definition.misfire, paused, createdAt,
                from, lastRunAt, lastTaskId, version);
    }

    /** True if {@code other} is this schedule at some version, not one deleted before and created again. */
    public boolean sameSchedule(Schedule other) {
        return name.equals(other.name) && createdAt.equals(other.createdAt);
    }

    /** True if {@code other} defines the same recurrence, task and misfire policy. */
    public boolean sameDefinition(Schedule other) {
        return recurrence.equals(other.recurrence) && task.equals(other.task) && misfire == other.misfire;
    }

    /** The same schedule as stored at {@code newVersion}; for stores only. */
    public Schedule withVersion(long newVersion) {
        return new Schedule(name, recurrence, task, misfire, paused, createdAt, coveredUntil, lastRunAt, lastTaskId,
                newVersion);
    }
}
