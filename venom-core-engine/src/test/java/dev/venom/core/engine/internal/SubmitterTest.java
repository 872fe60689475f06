package dev.venom.core.engine.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.venom.core.engine.EngineClosedException;
import dev.venom.core.engine.Submission;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The start-on-arrival rule, step by step on the test's thread: no worker runs unless the test says so. */
class SubmitterTest {

    private final AtomicInteger processed = new AtomicInteger();
    private EngineParts parts;

    private EngineParts parts(int concurrency) {
        parts = new EngineParts(concurrency, (task, ctx) -> {
            processed.incrementAndGet();
            return CompletableFuture.completedFuture("done " + task.content());
        });
        return parts;
    }

    private void startAndPollOnce() {
        parts.lifecycle.start();
        parts.dispatcher.start(Duration.ofSeconds(30));
        parts.timers.runDue();
    }

    private VenomTask submit(TaskRequest request, String key) {
        return parts.submitter.submit(request, key).join().task();
    }

    private TaskStatus statusOf(VenomTask task) {
        return parts.memory.find(task.id()).orElseThrow().status();
    }

    @Test
    void aNewTaskWithASlotFreeAndNothingWaitingIsStoredClaimedAndStartsWithoutAClaim() {
        parts(2);
        startAndPollOnce();

        VenomTask task = submit(new TaskRequest("now"), null);

        assertThat(parts.store.insertedClaimed()).isEqualTo(1);
        assertThat(parts.store.claimCalls()).isEqualTo(1); // the poll's, before it
        VenomTask stored = parts.memory.find(task.id()).orElseThrow();
        assertThat(stored.status()).isEqualTo(TaskStatus.PROCESSING);
        assertThat(stored.version()).isEqualTo(2);
        assertThat(parts.attempts.runs(task.id())).isTrue();
        assertThat(parts.workers.runAll()).isEqualTo(1);
        assertThat(statusOf(task)).isEqualTo(TaskStatus.COMPLETED);
    }

    @Test
    void beforeAnyClaimHasLookedANewTaskWaitsForOne() {
        parts(2);
        parts.lifecycle.start();

        VenomTask task = submit(new TaskRequest("early"), null);

        assertThat(statusOf(task)).isEqualTo(TaskStatus.PENDING);
        assertThat(parts.store.insertedClaimed()).isZero();
    }

    @Test
    void withEverySlotTakenANewTaskWaitsAndTheSlotFreedClaimsIt() {
        parts(1);
        startAndPollOnce();
        VenomTask first = submit(new TaskRequest("first"), null);

        VenomTask second = submit(new TaskRequest("second"), null);

        assertThat(statusOf(second)).isEqualTo(TaskStatus.PENDING);
        assertThat(parts.dispatcher.nothingWaiting(parts.defaultLane())).isFalse();
        parts.workers.runAll();
        assertThat(statusOf(first)).isEqualTo(TaskStatus.COMPLETED);
        parts.timers.advance(EngineParts.COOLDOWN);
        assertThat(statusOf(second)).isEqualTo(TaskStatus.PROCESSING);
        assertThat(parts.store.claimed()).isEqualTo(1);
    }

    @Test
    void aTaskWithAKeyOrARunAtIsNeverStartedOnArrival() {
        parts(4);
        startAndPollOnce();

        VenomTask keyed = submit(new TaskRequest("keyed"), "key-1");
        VenomTask later = submit(new TaskRequest("later").withRunAt(EngineParts.T0.plusSeconds(60)), null);

        assertThat(statusOf(keyed)).isEqualTo(TaskStatus.PENDING);
        assertThat(statusOf(later)).isEqualTo(TaskStatus.PENDING);
        assertThat(parts.store.insertedClaimed()).isZero();
    }

    @Test
    void aDrainingEngineRefusesNewTasks() {
        parts(1);
        startAndPollOnce();
        parts.lifecycle.drain();

        CompletableFuture<Submission> refused = parts.submitter.submit(new TaskRequest("late"), null);

        assertThatThrownBy(refused::join).isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(EngineClosedException.class)
                .hasMessage("orchestrator node-a is shutting down");
    }

    @Test
    void aTaskThatLandsClaimedAfterTheDrainBeganIsReturnedToPendingAndNeverRun() {
        // given a task on its way into the store already claimed
        parts(1);
        startAndPollOnce();
        CompletableFuture<Void> answer = new CompletableFuture<>();
        parts.store.holdArrivals(answer);
        CompletableFuture<Submission> submitted = parts.submitter.submit(new TaskRequest("in flight"), null);

        // when the engine starts draining before the store's answer arrives
        parts.lifecycle.drain();
        answer.complete(null);

        // then the task is stored, given back to PENDING, and never reaches the processor
        VenomTask task = submitted.join().task();
        assertThat(statusOf(task)).isEqualTo(TaskStatus.PENDING);
        assertThat(parts.memory.find(task.id()).orElseThrow().logs()).last().asString()
                .startsWith("Interrupted by shutdown, will run again: ");
        assertThat(parts.workers.runAll()).isZero();
        assertThat(processed).hasValue(0);
        assertThat(parts.defaultLane().slots().taken()).isZero();
    }
}
