package dev.venom.core.engine.internal.schedule;

import dev.venom.core.engine.Misfire;
import dev.venom.core.engine.Schedule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a schedule has to do at {@code now}, for a server running since {@code runningSince}: the times due
 * since it last looked, each to create a task. A time this server was running at, or within {@link #GRACE}
 * of now, fires (late after a store outage, but not lost); an older one was missed while no server that
 * looks now ran: skipped, or with {@link Misfire#RUN_ONCE} all of them together fire one catch-up task.
 * Pure: servers that started at the same time decide the same, and the keys make a time fire once.
 *
 * @param occurrences  the tasks to create, oldest first
 * @param coveredUntil what the schedule has handled once they are created: the last time fired, so that the
 *                     next search starts from a time of the expression (a cron search from just after a time
 *                     on the fall-back night would find its repeat)
 */
public record Firing(List<Occurrence> occurrences, Instant coveredUntil) {

    /** How late a time may be found and still fire as on time: a server's tick, a restart, a short outage. */
    public static final Duration GRACE = Duration.ofMinutes(1);
    /** The most on-time occurrences one look fires (a one-second cron over {@link #GRACE}). */
    private static final int MAX_TIMES = 120;

    /**
     * One task to create: for {@code time}, or the catch-up of the missed times from {@code time} on.
     *
     * @param key its idempotency key: the same on every server, another for a catch-up than for its time
     */
    public record Occurrence(Instant time, boolean catchUp, String key) {
    }

    /** What {@code schedule} has to do at {@code now}; empty if nothing is due (or it is paused). */
    public static Optional<Firing> of(Schedule schedule, Instant now, Instant runningSince) {
        if (schedule.paused()) {
            return Optional.empty();
        }
        Optional<Instant> first = schedule.recurrence().nextAfter(schedule.coveredUntil(), schedule.createdAt());
        if (first.isEmpty() || first.get().isAfter(now)) {
            return Optional.empty();
        }
        Instant graceFrom = now.minus(GRACE);
        Instant onTimeFrom = runningSince.isBefore(graceFrom) ? runningSince : graceFrom;
        List<Occurrence> occurrences = new ArrayList<>();
        Instant from = schedule.coveredUntil();
        Instant covered = from;
        if (first.get().isBefore(onTimeFrom)) {
            if (schedule.misfire() == Misfire.RUN_ONCE) {
                occurrences.add(new Occurrence(first.get(), true, schedule.catchUpKeyOf(first.get())));
            }
            from = onTimeFrom.minusNanos(1000); // times are kept to the microsecond
            covered = from;
        }
        for (Optional<Instant> next = schedule.recurrence().nextAfter(from, schedule.createdAt());
             next.isPresent() && !next.get().isAfter(now) && occurrences.size() < MAX_TIMES;
             next = schedule.recurrence().nextAfter(next.get(), schedule.createdAt())) {
            occurrences.add(new Occurrence(next.get(), false, schedule.keyOf(next.get())));
            covered = next.get();
        }
        return Optional.of(new Firing(List.copyOf(occurrences), covered));
    }
}
