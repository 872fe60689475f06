package dev.venom.core.engine.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.venom.core.engine.TaskProcessor;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A queue of brief processors claims ahead of its free slots, and starts what it claimed ahead as slots free,
 * with no claim between; a queue of slower ones claims for free slots only. On manual time: a processor's run
 * lasts as long as the test moves the clock before it completes the run's future.
 */
class ClaimAheadTest {

    /** Each call's future, completed by the test, and the task it was for. */
    private final List<CompletableFuture<String>> runs = new ArrayList<>();
    private final List<UUID> called = new ArrayList<>();
    private final TaskProcessor heldByTheTest = (task, ctx) -> {
        CompletableFuture<String> run = new CompletableFuture<>();
        runs.add(run);
        called.add(task.id());
        return run;
    };

    private EngineParts parts;
    private final List<UUID> tasks = new ArrayList<>();

    private void pending(String content) {
        tasks.add(parts.memory.insert(VenomTask.create(UUID.randomUUID(), content, parts.clock.instant())).join().id());
    }

    private VenomTask stored(UUID id) {
        return parts.memory.find(id).orElseThrow();
    }

    /** Two slots, six tasks waiting, and a first claim (the queue's run time not yet known) for the two slots. */
    private void twoSlotsSixTasksAndAFirstClaim() {
        parts = new EngineParts(2, heldByTheTest);
        for (int i = 0; i < 6; i++) {
            pending("task " + i);
        }
        parts.lifecycle.start();
        parts.dispatcher.start(Duration.ofSeconds(30));
        parts.timers.runDue();
        parts.workers.runAll();
        assertThat(parts.store.claimed()).as("a queue whose run time is unknown claims for its free slots only")
                .isEqualTo(2);
    }

    /** Completes the oldest run still going after {@code took} of the clock, and lets the engine react. */
    private void oldestRunEndsAfter(Duration took) {
        parts.timers.advance(took);
        runs.stream().filter(run -> !run.isDone()).findFirst().orElseThrow().complete("ok");
        parts.timers.runDue();
        parts.workers.runAll();
    }

    @Test
    void briefProcessorsClaimAheadAndTheTasksStartAsSlotsFreeWithoutAClaim() {
        twoSlotsSixTasksAndAFirstClaim();

        // when a run ends within a millisecond: its slot claims at once, for the slot and two ahead of it
        oldestRunEndsAfter(Duration.ofMillis(1));
        assertThat(parts.store.claimCalls()).isEqualTo(2);
        assertThat(parts.store.claimed()).isEqualTo(5);
        Lane lane = parts.defaultLane();
        assertThat(lane.claimedAhead()).isEqualTo(2);
        assertThat(runs).hasSize(3);

        // then the next slot to free takes a task claimed ahead at once, before any claim runs
        int claimsBefore = parts.store.claimCalls();
        parts.timers.advance(Duration.ofMillis(1));
        runs.get(1).complete("ok");
        parts.workers.runAll();
        assertThat(runs).as("started from the tasks claimed ahead").hasSize(4);
        assertThat(lane.claimedAhead()).isEqualTo(1);
        assertThat(parts.store.claimCalls()).as("no claim ran yet").isEqualTo(claimsBefore);
        assertThat(lane.slots().taken()).as("never more running than slots").isEqualTo(2);
    }

    @Test
    void aWakeUpWhileAClaimRunsThatFillsEveryPlaceClaimsAgainAtOnceNotAtTheCooldownsEnd() {
        twoSlotsSixTasksAndAFirstClaim();

        // given a slot that wakes the dispatcher while the next claim runs, a claim that fills every place
        parts.store.whileClaiming(parts.dispatcher::wake);
        oldestRunEndsAfter(Duration.ofMillis(1));
        assertThat(parts.store.claimCalls()).isEqualTo(2);
        assertThat(parts.store.claimed()).as("a slot and two ahead").isEqualTo(5);

        // when a run ends and its slot takes a task claimed ahead, leaving room for one more
        runs.stream().filter(run -> !run.isDone()).findFirst().orElseThrow().complete("ok");
        parts.workers.runAll();

        // then the claim the wake-up asked for runs at once
        parts.timers.runDue();
        assertThat(parts.store.claimCalls()).isEqualTo(3);
        assertThat(parts.store.claimed()).isEqualTo(6);
    }

    @Test
    void theDispatcherTimesEachClaimForTheLanesToSizeHowFarTheyClaimAhead() {
        twoSlotsSixTasksAndAFirstClaim();
        assertThat(parts.lanes.claimRoundTrip().meanNanos()).as("a first claim that took no time").isZero();

        // when the next claim takes 3 ms
        parts.store.whileClaiming(() -> parts.timers.advance(Duration.ofMillis(3)));
        oldestRunEndsAfter(Duration.ofMillis(1));

        // then the lanes' recent mean moved an eighth of the way to it
        assertThat(parts.store.claimCalls()).isEqualTo(2);
        assertThat(parts.lanes.claimRoundTrip().meanNanos()).isEqualTo(Duration.ofMillis(3).toNanos() / 8);
    }

    @Test
    void slowProcessorsClaimOnlyForFreeSlots() {
        twoSlotsSixTasksAndAFirstClaim();

        // when runs take longer than a claim is worth saving
        oldestRunEndsAfter(Lane.CLAIM_AHEAD_BELOW.multipliedBy(4));
        oldestRunEndsAfter(Lane.CLAIM_AHEAD_BELOW.multipliedBy(4));

        // then each freed slot claimed one task, and none is held ahead
        assertThat(parts.store.claimed()).isEqualTo(4);
        assertThat(parts.defaultLane().claimedAhead()).isZero();
        assertThat(parts.defaultLane().aheadRoom()).isZero();
    }

    @Test
    void aTaskClaimedAheadThatIsCancelledNeverRunsAndKeepsNoSlot() {
        twoSlotsSixTasksAndAFirstClaim();
        oldestRunEndsAfter(Duration.ofMillis(1));
        Lane lane = parts.defaultLane();
        List<VenomTask> ahead = tasks.stream().map(this::stored)
                .filter(task -> task.status() == TaskStatus.PROCESSING && !called.contains(task.id())).toList();
        assertThat(ahead).hasSize(2).hasSize(lane.claimedAhead());

        // when a client cancels both tasks claimed ahead (the attempts hear it)
        int running = runs.size();
        for (VenomTask task : ahead) {
            parts.attempts.cancelled(task.id(), task.attempts());
        }

        // then when slots free, the cancelled ones are skipped: no processor call for them, no slot kept
        runs.forEach(run -> run.complete("ok"));
        parts.workers.runAll();
        parts.timers.runDue();
        parts.workers.runAll();
        assertThat(lane.claimedAhead()).isZero();
        assertThat(called).doesNotContain(ahead.get(0).id(), ahead.get(1).id());
        assertThat(parts.attempts.runs(ahead.get(0).id())).isFalse();
        assertThat(parts.attempts.runs(ahead.get(1).id())).isFalse();
        assertThat(runs.size() - running).as("processor calls after the cancels")
                .isEqualTo(parts.store.claimed() - 5);
    }

    @Test
    void aLaneWithTasksClaimedAheadKnowsTasksAreWaiting() {
        twoSlotsSixTasksAndAFirstClaim();
        oldestRunEndsAfter(Duration.ofMillis(1));

        // the store has one task left, and two wait here: an arrival must not start before them
        assertThat(parts.defaultLane().claimedAhead()).isEqualTo(2);
        assertThat(parts.dispatcher.nothingWaiting(parts.defaultLane())).isFalse();
    }
}
