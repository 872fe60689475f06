package dev.venom.core.engine.internal.schedule;

import dev.venom.core.engine.Schedule;
import dev.venom.core.engine.ScheduleExistsException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The schedules of a store held in memory, by name, each written by compare-and-set on its version and
 * identity (a schedule deleted and created again is another). The whole of the in-memory store's schedules;
 * the embedded journal records each change in its schedules file first. Thread-safe.
 */
public final class ScheduleTable {

    private final Map<String, Schedule> byName = new TreeMap<>();

    /** Every schedule, by name. */
    public synchronized List<Schedule> all() {
        return List.copyOf(byName.values());
    }

    /** Puts {@code schedule} at version 1; the one stored. */
    public synchronized Schedule insert(Schedule schedule) {
        if (byName.containsKey(schedule.name())) {
            throw new ScheduleExistsException(schedule.name());
        }
        Schedule stored = schedule.withVersion(1);
        byName.put(stored.name(), stored);
        return stored;
    }

    /** Replaces {@code expected} by {@code next} if it is still at its version; empty if not. */
    public synchronized Optional<Schedule> update(Schedule expected, Schedule next) {
        Schedule current = byName.get(expected.name());
        if (current == null || current.version() != expected.version() || !current.sameSchedule(expected)
                || !next.name().equals(expected.name())) {
            return Optional.empty();
        }
        Schedule stored = next.withVersion(expected.version() + 1);
        byName.put(stored.name(), stored);
        return Optional.of(stored);
    }

    /** Removes the schedule named {@code name}; false if there was none. */
    public synchronized boolean delete(String name) {
        return byName.remove(name) != null;
    }

    /** Puts the schedules as they were stored before: for a durable store loading. */
    public synchronized void restore(List<Schedule> stored) {
        byName.clear();
        stored.forEach(schedule -> byName.put(schedule.name(), schedule));
    }
}
