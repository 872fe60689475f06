package dev.venom.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Recurring schedules fired by engines whose time is advanced by hand: each time once, misfires, pauses. */
class SchedulesTest {

    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    private final SettableClock clock = new SettableClock(T0);
    private final InMemoryStateStore store = new InMemoryStateStore(clock);
    private final List<Orchestrator> engines = new ArrayList<>();

    private Orchestrator engine(String node) {
        Orchestrator engine = Orchestrator.builder().store(store).timers(new ManualTimers(clock)).nodeId(node)
                .processor((task, ctx) -> CompletableFuture.completedFuture("ok")).build().start();
        engines.add(engine);
        return engine;
    }

    @AfterEach
    void close() {
        engines.forEach(Orchestrator::close);
    }

    private Schedule create(Orchestrator engine, String name, Recurrence recurrence, Misfire misfire) {
        return engine.schedules().create(Schedule.create(name, recurrence, new TaskRequest("report " + name)
                .withQueue("reports").withPriority(3), misfire, clock.instant())).join();
    }

    /** Advances the clock second by second for {@code span}, every engine looking at each second. */
    private void run(Duration span) {
        for (long s = 0; s < span.toSeconds(); s++) {
            clock.advance(Duration.ofSeconds(1));
            engines.forEach(Orchestrator::fireDueSchedules);
        }
    }

    private List<VenomTask> tasks() {
        return store.list(TaskQuery.firstPage(1000)).tasks();
    }

    @Test
    void eachMinuteCreatesOneTaskWithTheSchedulesOptionsAndKey() {
        Orchestrator engine = engine("a");
        create(engine, "minutely", Recurrence.cron("* * * * *", "UTC"), Misfire.SKIP);

        run(Duration.ofMinutes(3));

        assertThat(tasks()).extracting(VenomTask::idempotencyKey).containsExactly(
                "schedule:minutely:2026-12-07T10:01:00.000000Z", "schedule:minutely:2026-12-07T10:02:00.000000Z",
                "schedule:minutely:2026-12-07T10:03:00.000000Z");
        assertThat(tasks()).allSatisfy(task -> {
            assertThat(task.content()).isEqualTo("report minutely");
            assertThat(task.queue()).isEqualTo("reports");
            assertThat(task.priority()).isEqualTo(3);
        });
        Schedule after = engine.schedules().find("minutely").orElseThrow();
        assertThat(after.lastRunAt()).isEqualTo(Instant.parse("2026-12-07T10:03:00Z"));
        assertThat(after.lastTaskId()).isEqualTo(tasks().get(2).id());
        assertThat(after.nextTimes(2, clock.instant())).containsExactly(Instant.parse("2026-12-07T10:04:00Z"),
                Instant.parse("2026-12-07T10:05:00Z"));
    }

    @Test
    void threeEnginesOnOneStoreCreateEachTimeExactlyOnce() {
        Orchestrator first = engine("a");
        engine("b");
        engine("c");
        create(first, "every-10s", Recurrence.every(Duration.ofSeconds(10)), Misfire.SKIP);

        run(Duration.ofSeconds(95));

        assertThat(tasks()).hasSize(9);
        assertThat(tasks()).extracting(VenomTask::idempotencyKey).doesNotHaveDuplicates();
    }

    @Test
    void timesMissedWhileNoEngineRanAreSkippedOrRunOnceAsAsked() {
        Orchestrator before = engine("before");
        create(before, "skipping", Recurrence.cron("0 * * * *", "UTC"), Misfire.SKIP);
        create(before, "catching-up", Recurrence.cron("0 * * * *", "UTC"), Misfire.RUN_ONCE);
        before.close();
        engines.remove(before);

        clock.advance(Duration.ofHours(5).plusMinutes(30)); // 11:00 .. 15:00 pass with no engine running
        Orchestrator engine = engine("after");
        engine.fireDueSchedules();

        assertThat(tasks()).extracting(VenomTask::idempotencyKey)
                .containsExactly("schedule:catching-up:catch-up:2026-12-07T11:00:00.000000Z");
        run(Duration.ofMinutes(31)); // 16:00 is on time for both
        assertThat(tasks()).extracting(VenomTask::idempotencyKey).containsExactlyInAnyOrder(
                "schedule:catching-up:catch-up:2026-12-07T11:00:00.000000Z", "schedule:skipping:2026-12-07T16:00:00.000000Z",
                "schedule:catching-up:2026-12-07T16:00:00.000000Z");
    }

    @Test
    void timesAnEngineWasRunningAtFireLateRatherThanBeingLostWhenItCouldNotLook() {
        Orchestrator engine = engine("a");
        create(engine, "minutely", Recurrence.cron("* * * * *", "UTC"), Misfire.SKIP);

        clock.advance(Duration.ofMinutes(5).plusSeconds(30)); // its looks failed: a store outage, say
        engine.fireDueSchedules();

        assertThat(tasks()).hasSize(5);
        assertThat(tasks().get(0).idempotencyKey()).isEqualTo("schedule:minutely:2026-12-07T10:01:00.000000Z");
    }

    @Test
    void aPausedScheduleFiresNothingAndGoesOnFromItsResume() {
        Orchestrator engine = engine("a");
        create(engine, "held", Recurrence.every(Duration.ofMinutes(1)), Misfire.RUN_ONCE);

        engine.schedules().pause("held", true).join();
        run(Duration.ofMinutes(3).plusSeconds(30));
        assertThat(tasks()).isEmpty();
        engine.schedules().pause("held", false).join();
        run(Duration.ofMinutes(1));

        assertThat(tasks()).extracting(VenomTask::idempotencyKey)
                .containsExactly("schedule:held:2026-12-07T10:04:00.000000Z");
        assertThatThrownBy(() -> engine.schedules().pause("nope", true).join())
                .hasCauseInstanceOf(NoSuchScheduleException.class);
    }

    @Test
    void aNameIsTakenOnceApplyingRedefinesKeepingStateAndDeletingStopsIt() {
        Orchestrator engine = engine("a");
        create(engine, "nightly", Recurrence.cron("30 2 * * *", "Europe/Warsaw"), Misfire.SKIP);

        assertThatThrownBy(() -> create(engine, "nightly", Recurrence.every(Duration.ofHours(1)), Misfire.SKIP))
                .hasCauseInstanceOf(ScheduleExistsException.class);
        Schedule redefined = engine.schedules().apply(Schedule.create("nightly", Recurrence.cron("0 3 * * *",
                "Europe/Warsaw"), new TaskRequest("night"), Misfire.RUN_ONCE, clock.instant())).join();
        assertThat(redefined.recurrence()).isEqualTo(Recurrence.cron("0 3 * * *", "Europe/Warsaw"));
        assertThat(redefined.createdAt()).isEqualTo(T0);
        assertThat(engine.schedules().apply(redefined).join().version()).isEqualTo(redefined.version());
        assertThat(engine.schedules().delete("nightly").join()).isTrue();
        assertThat(engine.schedules().list()).isEmpty();
        assertThat(engine.schedules().delete("nightly").join()).isFalse();
    }

    @Test
    void aNightlyScheduleInWarsawFiresOnceEachNightAcrossBothDaylightSavingChanges() {
        clock.set(Instant.parse("2026-03-28T11:00:00Z"));
        Orchestrator engine = engine("a");
        create(engine, "nightly", Recurrence.cron("30 2 * * *", "Europe/Warsaw"), Misfire.SKIP);
        create(engine, "hourly", Recurrence.cron("0 * * * *", "Europe/Warsaw"), Misfire.SKIP);

        runInSteps(Duration.ofHours(48), Duration.ofSeconds(30)); // 2026-03-29 02:00 CET: the clocks jump to 03:00

        assertThat(keysOf("nightly")).containsExactly("schedule:nightly:2026-03-29T01:00:00.000000Z",
                "schedule:nightly:2026-03-30T00:30:00.000000Z");
        assertThat(keysOf("hourly")).hasSize(48).contains("schedule:hourly:2026-03-29T00:00:00.000000Z",
                "schedule:hourly:2026-03-29T01:00:00.000000Z"); // 01:00 CET, then 03:00 CEST

        engine.close(); // months with no engine running: their times are missed, and skipped
        engines.remove(engine);
        clock.set(Instant.parse("2026-10-24T11:00:00Z"));
        engine("b");
        runInSteps(Duration.ofHours(48), Duration.ofSeconds(30)); // 2026-10-25 03:00 CEST: back to 02:00 CET

        assertThat(keysOf("nightly")).contains("schedule:nightly:2026-10-25T00:30:00.000000Z",
                "schedule:nightly:2026-10-26T01:30:00.000000Z").doesNotContain(
                "schedule:nightly:2026-10-25T01:30:00.000000Z");
        assertThat(keysOf("hourly")).contains("schedule:hourly:2026-10-25T00:00:00.000000Z",
                "schedule:hourly:2026-10-25T01:00:00.000000Z"); // 02:00 CEST and 02:00 CET
    }

    /** Advances the clock by {@code step} at a time for {@code span}, the engines looking after each step. */
    private void runInSteps(Duration span, Duration step) {
        for (long s = 0; s < span.dividedBy(step); s++) {
            clock.advance(step);
            engines.forEach(Orchestrator::fireDueSchedules);
        }
    }

    private List<String> keysOf(String schedule) {
        return tasks().stream().map(VenomTask::idempotencyKey).filter(key -> key.startsWith("schedule:" + schedule + ":"))
                .toList();
    }
}
