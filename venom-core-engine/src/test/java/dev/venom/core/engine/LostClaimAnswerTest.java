package dev.venom.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A claim whose answer is lost (it committed after the call had failed, as with a database frozen past the
 * driver's timeout) still runs its task on the attempt it took; it never uses up an attempt that no
 * processor saw.
 */
class LostClaimAnswerTest {

    private static final Duration LEASE = Duration.ofMillis(400);

    private final InMemoryStateStore memory = new InMemoryStateStore();
    private final List<Integer> attemptsSeen = new CopyOnWriteArrayList<>();
    private final TaskProcessor recording = (task, ctx) -> {
        attemptsSeen.add(ctx.attempt());
        return CompletableFuture.completedFuture("done " + task.content());
    };
    private Orchestrator orchestrator;

    @AfterEach
    void close() {
        if (orchestrator != null) {
            orchestrator.close();
        }
    }

    private Orchestrator start(StateStore store) {
        orchestrator = Orchestrator.builder().store(store).processor(recording).nodeId("node-a")
                .lease(LEASE).heartbeat(Duration.ofMillis(50)).pollInterval(Duration.ofMillis(20))
                .shutdownGrace(Duration.ofMillis(200)).build().start();
        return orchestrator;
    }

    private VenomTask awaitEnded(UUID id) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> memory.find(id).map(task -> task.status().isTerminal()).orElse(false));
        return memory.find(id).orElseThrow();
    }

    @Test
    void aClaimThatCommittedAfterItsCallFailedRunsItsTaskOnTheAttemptItTook() {
        // given a store whose next claim commits but whose answer never reaches the engine
        CountingStore store = new CountingStore(memory, false);
        store.loseClaimAnswers(1);
        start(store);

        // when a task with a single allowed attempt is claimed that way
        VenomTask task = orchestrator.submit(new TaskRequest("lost answer")).join();

        // then it runs on that attempt and completes, instead of failing when its lease runs out
        VenomTask ended = awaitEnded(task.id());
        assertThat(ended.status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(ended.result()).isEqualTo("done lost answer");
        assertThat(ended.attempts()).isEqualTo(1);
        assertThat(attemptsSeen).containsExactly(1);
        assertThat(store.claimed()).isEqualTo(1);
    }

    @Test
    void aTaskStoredAlreadyClaimedWhoseAnswerWasLostRunsAsWell() {
        // given a store that stores new tasks already claimed, and loses the answer to the next one
        CountingStore store = new CountingStore(memory, true);
        store.loseArrivalAnswers(1);
        start(store);
        // (a new task starts on arrival once a claim has found nothing waiting; the second poll is after the first)
        await().atMost(Duration.ofSeconds(10)).until(() -> store.claimCalls() >= 2);

        // when a task is created that way: its creation is reported failed, although it is stored
        assertThatThrownBy(() -> orchestrator.submit(new TaskRequest("arrived unseen")).join())
                .hasCauseInstanceOf(StoreException.class);
        VenomTask stored = memory.list(TaskQuery.firstPage(10)).tasks().get(0);

        // then it still runs once, on its first attempt
        VenomTask ended = awaitEnded(stored.id());
        assertThat(ended.status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(ended.attempts()).isEqualTo(1);
        assertThat(attemptsSeen).containsExactly(1);
    }

    @Test
    void claimsThisNodeKnowsOfAreNotRunTwice() throws Exception {
        // given tasks claimed and running normally, slower than several heartbeats
        CountingStore store = new CountingStore(memory, true);
        orchestrator = Orchestrator.builder().store(store).nodeId("node-a").lease(LEASE)
                .heartbeat(Duration.ofMillis(20)).pollInterval(Duration.ofMillis(20))
                .processor((task, ctx) -> {
                    attemptsSeen.add(ctx.attempt());
                    return CompletableFuture.supplyAsync(() -> "slow",
                            CompletableFuture.delayedExecutor(300, java.util.concurrent.TimeUnit.MILLISECONDS));
                }).build().start();

        List<VenomTask> tasks = List.of(orchestrator.submit(new TaskRequest("a")).join(),
                orchestrator.submit(new TaskRequest("b")).join());

        // then each ran exactly once
        tasks.forEach(task -> assertThat(awaitEnded(task.id()).status()).isEqualTo(TaskStatus.COMPLETED));
        assertThat(attemptsSeen).containsExactly(1, 1);
    }
}
