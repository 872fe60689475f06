package dev.venom.core.engine.internal.schedule;

import dev.venom.core.engine.Misfire;
import dev.venom.core.engine.Schedule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a schedule has to do at {@code now}: the times due since it last looked, each to create a task.
 * A time within {@link #GRACE} of now is on time and fires; an older one was missed (no server ran the
 * schedule then): skipped, or with {@link Misfire#RUN_ONCE} all of them together fire one catch-up task, keyed
 * by the first. Pure, so every server given the same schedule decides the same.
 *
 * @param times        the times to create a task for, oldest first
 * @param coveredUntil what the schedule has handled once they are created
 */
public record Firing(List<Instant> times, Instant coveredUntil) {

    /** How late a time may be found and still fire as on time: a server's tick, a restart, a short outage. */
    public static final Duration GRACE = Duration.ofMinutes(1);
    /** The most on-time occurrences one look fires (a one-second cron over {@link #GRACE}). */
    private static final int MAX_TIMES = 120;

    /** What {@code schedule} has to do at {@code now}; empty if nothing is due (or it is paused). */
    public static Optional<Firing> of(Schedule schedule, Instant now) {
        if (schedule.paused()) {
            return Optional.empty();
        }
        Optional<Instant> first = schedule.recurrence().nextAfter(schedule.coveredUntil(), schedule.createdAt());
        if (first.isEmpty() || first.get().isAfter(now)) {
            return Optional.empty();
        }
        Instant onTimeFrom = now.minus(GRACE);
        List<Instant> times = new ArrayList<>();
        Instant from = schedule.coveredUntil();
        if (first.get().isBefore(onTimeFrom)) {
            if (schedule.misfire() == Misfire.RUN_ONCE) {
                times.add(first.get());
            }
            from = onTimeFrom.minusNanos(1000); // times are kept to the microsecond
        }
        for (Optional<Instant> next = schedule.recurrence().nextAfter(from, schedule.createdAt());
             next.isPresent() && !next.get().isAfter(now) && times.size() < MAX_TIMES;
             next = schedule.recurrence().nextAfter(next.get(), schedule.createdAt())) {
            times.add(next.get());
        }
        return Optional.of(new Firing(List.copyOf(times), now));
    }
}
