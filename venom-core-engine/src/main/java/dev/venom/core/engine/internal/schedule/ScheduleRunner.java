package dev.venom.core.engine.internal.schedule;

import dev.venom.core.engine.IdempotencyConflictException;
import dev.venom.core.engine.Schedule;
import dev.venom.core.engine.StateStore;
import dev.venom.core.engine.Submission;
import dev.venom.core.engine.VenomException;
import dev.venom.core.model.TaskRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires the store's schedules: at each look, every schedule's due times ({@link Firing}) become tasks with
 * the schedule's idempotency key for the time, so that of all the servers that look, and of every look
 * repeated after a crash, exactly one task is created per time; then the schedule records what it handled
 * (compare-and-set: a server that lost the race leaves it to the winner). One look at a time.
 */
public final class ScheduleRunner {

    private static final Logger log = LoggerFactory.getLogger(ScheduleRunner.class);
    /** The longest a look waits for one write: a store that never answers must not hold every later look. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final StateStore store;
    private final BiFunction<TaskRequest, String, CompletableFuture<Submission>> submit;
    private final Clock clock;
    private final AtomicBoolean looking = new AtomicBoolean();
    /** Since when this engine looks: the times after it are this engine's to fire, however late. */
    private final Instant runningSince;

    /** @param submit creates a task for a request under an idempotency key (the engine's submit) */
    public ScheduleRunner(StateStore store, BiFunction<TaskRequest, String, CompletableFuture<Submission>> submit,
                          Clock clock) {
        this.store = store;
        this.submit = submit;
        this.clock = clock;
        this.runningSince = clock.instant();
    }

    /** Fires what is due now; a look already running makes this one a no-op. */
    public void fireDue() {
        if (!looking.compareAndSet(false, true)) {
            return;
        }
        try {
            Instant now = clock.instant();
            for (Schedule schedule : store.schedules()) {
                try {
                    fire(schedule, now);
                } catch (RuntimeException e) {
                    log.warn("schedule {} could not fire; it tries again at the next look", schedule.name(), e);
                }
            }
        } catch (RuntimeException e) {
            log.warn("schedules could not be read; they fire at the next look: {}",
                    VenomException.unwrap(e).getMessage());
        } finally {
            looking.set(false);
        }
    }

    private void fire(Schedule schedule, Instant now) {
        Optional<Firing> firing = Firing.of(schedule, now, runningSince);
        if (firing.isEmpty()) {
            return;
        }
        Instant lastRun = null;
        UUID lastTask = null;
        for (Firing.Occurrence occurrence : firing.get().occurrences()) {
            try {
                Submission created = submit.apply(schedule.task(), occurrence.key()).get(WAIT.toMillis(),
                        TimeUnit.MILLISECONDS);
                lastRun = occurrence.time();
                lastTask = created.task().id();
                if (created.created()) {
                    log.info("schedule {} fired for {}{}: task {}", schedule.name(), occurrence.time(),
                            occurrence.catchUp() ? " (the catch-up of the times missed from then on)" : "", lastTask);
                }
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                Throwable cause = VenomException.unwrap(e instanceof ExecutionException ? e.getCause() : e);
                if (cause instanceof IdempotencyConflictException conflict) {
                    log.warn("schedule {} at {}: its key holds task {}, made by another definition; not fired again",
                            schedule.name(), occurrence.time(), conflict.existing().id());
                    continue;
                }
                log.warn("schedule {} could not fire for {}; it tries again at the next look: {}", schedule.name(),
                        occurrence.time(), cause.toString());
                return; // nothing recorded: the next look fires the same times under the same keys
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        try {
            store.updateSchedule(schedule, schedule.covered(firing.get().coveredUntil(), lastRun, lastTask))
                    .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.warn("schedule {}: what it fired could not be recorded; the next look repeats it under the same keys: "
                    + "{}", schedule.name(), VenomException.unwrap(e).toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
