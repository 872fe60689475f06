package dev.venom.core.engine;

import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The recurring schedules of the store, shared by every server on it: create, list, pause, resume, delete.
 * Every running engine fires them ({@code ScheduleRunner}). Get it from {@link Orchestrator#schedules()}.
 * The calls that read before they write ({@link #apply}, {@link #pause}) block for those reads.
 */
public final class Schedules {

    private final StateStore store;
    private final Clock clock;

    Schedules(StateStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * Stores a new schedule; its first time is the first after now.
     *
     * @return it as stored, once durable; fails with {@link ScheduleExistsException} if the name is taken
     */
    public CompletableFuture<Schedule> create(Schedule schedule) {
        Objects.requireNonNull(schedule, "schedule");
        return store.insertSchedule(schedule.withVersion(0));
    }

    /**
     * Makes the schedule named as {@code definition} define what it does: created if there is none,
     * redefined (keeping its state: what it fired, whether it is paused) if it defines something else,
     * untouched if it is the same. For configuration applied at every start.
     */
    public CompletableFuture<Schedule> apply(Schedule definition) {
        Objects.requireNonNull(definition, "definition");
        for (int tries = 0; tries < 10; tries++) {
            Optional<Schedule> current = find(definition.name());
            if (current.isEmpty()) {
                return create(definition).exceptionallyCompose(error -> VenomException.unwrap(error)
                        instanceof ScheduleExistsException ? apply(definition) : CompletableFuture.failedFuture(error));
            }
            if (current.get().sameDefinition(definition)) {
                return CompletableFuture.completedFuture(current.get());
            }
            Optional<Schedule> written = store.updateSchedule(current.get(), current.get().redefined(definition))
                    .join();
            if (written.isPresent()) {
                return CompletableFuture.completedFuture(written.get());
            }
        }
        return CompletableFuture.failedFuture(new StoreException("schedule " + definition.name()
                + " kept changing; could not redefine it"));
    }

    /** The clock schedules are created and resumed on: the engine's. */
    public Clock clock() {
        return clock;
    }

    /** Every schedule, by name. */
    public List<Schedule> list() {
        return store.schedules();
    }

    /** The schedule named {@code name}, if any. */
    public Optional<Schedule> find(String name) {
        return store.schedules().stream().filter(schedule -> schedule.name().equals(name)).findFirst();
    }

    /**
     * Holds the schedule (true) or lets it go on from now (false), on every server.
     *
     * @return it as stored; fails with {@link NoSuchScheduleException} for an unknown name
     */
    public CompletableFuture<Schedule> pause(String name, boolean paused) {
        for (int tries = 0; tries < 10; tries++) {
            Optional<Schedule> found = find(name);
            if (found.isEmpty()) {
                return CompletableFuture.failedFuture(new NoSuchScheduleException(name));
            }
            Schedule current = found.get();
            if (current.paused() == paused) {
                return CompletableFuture.completedFuture(current);
            }
            Optional<Schedule> written = store.updateSchedule(current, current.withPaused(paused, clock.instant()))
                    .join();
            if (written.isPresent()) {
                return CompletableFuture.completedFuture(written.get());
            }
        }
        return CompletableFuture.failedFuture(new StoreException("schedule " + name
                + " kept changing; could not " + (paused ? "pause" : "resume") + " it"));
    }

    /**
     * Deletes the schedule: it creates no more tasks (those it created stay).
     *
     * @return true once durable, false if there was none
     */
    public CompletableFuture<Boolean> delete(String name) {
        return store.deleteSchedule(Schedule.checkName(name));
    }
}
