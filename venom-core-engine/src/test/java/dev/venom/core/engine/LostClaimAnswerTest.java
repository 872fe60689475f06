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
    private final List<UUID> tasksSeen = new CopyOnWriteArrayList<>();
    private final TaskProcessor recording = (task, ctx) -> {
        attemptsSeen.add(ctx.attempt());
        tasksSeen.add(task.id());
        return CompletableFuture.completedFuture("done " + task.content());
    };
    private Orchestrator orchestrator;

    @AfterEach
    void close() {
        if (orchestrator != null) {
            orchestrator.close();
        }
    }

    private Orchestrator.Builder builder(StateStore store) {
        return Orchestrator.builder().store(store).processor(recording).nodeId("node-a")
                .lease(LEASE).heartbeat(Duration.ofMillis(50)).pollInterval(Duration.ofMillis(20))
                .shutdownGrace(Duration.ofMillis(200));
    }

    private Orchestrator start(StateStore store) {
        orchestrator = builder(store).build().start();
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
        // given a store that stores new tasks already claimed, and loses the answer to the first one
        CountingStore store = new CountingStore(memory, true);
        store.loseArrivalAnswers(1);
        start(store);

        // when tasks are created until one is stored that way: its creation is reported failed, yet it is stored
        int submitted = 0;
        boolean lost = false;
        while (!lost && submitted < 50) {
            submitted++;
            try {
                orchestrator.submit(new TaskRequest("task " + submitted)).join();
                await().pollDelay(Duration.ofMillis(30)).until(() -> true); // (a task that waited: let it be claimed)
            } catch (java.util.concurrent.CompletionException e) {
                assertThat(e).hasCauseInstanceOf(StoreException.class);
                lost = true;
            }
        }
        assertThat(lost).as("a start on arrival whose answer was lost").isTrue();

        // then every task runs once, on its first attempt, the one whose answer was lost included
        List<VenomTask> stored = memory.list(TaskQuery.firstPage(100)).tasks();
        assertThat(stored).hasSize(submitted);
        stored.forEach(task -> {
            VenomTask ended = awaitEnded(task.id());
            assertThat(ended.status()).isEqualTo(TaskStatus.COMPLETED);
            assertThat(ended.attempts()).isEqualTo(1);
        });
        assertThat(attemptsSeen).hasSize(submitted).containsOnly(1);
    }

    @Test
    void claimsAnEarlierProcessWithTheSameNodeIdLeftAreNotAdopted() {
        // given a claim of node-a from before this engine started (a process that crashed, restarted as node-a)
        VenomTask orphan = memory.insert(VenomTask.create(UUID.randomUUID(), "earlier process's",
                java.time.Instant.now())).join();
        memory.claim(ClaimRequest.of("node-a", 1, Duration.ofSeconds(30)));
        CountingStore store = new CountingStore(memory, false);
        store.loseClaimAnswers(1);
        ManualTimers timers = new ManualTimers(new SettableClock(java.time.Instant.now()));
        orchestrator = builder(store).timers(timers).build().start();

        // when a claim of this engine loses its answer, so that it looks for claims it does not know
        VenomTask task = orchestrator.submit(new TaskRequest("lost answer")).join();
        timers.advance(Duration.ofMillis(50)); // the claim, then a heartbeat
        awaitEnded(task.id());

        // then it runs its own lost claim, but not the earlier process's, whose attempt may have run
        timers.advance(LEASE.multipliedBy(2)); // every heartbeat that looks for lost claims
        assertThat(store.claimed()).isEqualTo(1);
        assertThat(tasksSeen).containsExactly(task.id());
        assertThat(memory.find(orphan.id())).get().extracting(VenomTask::status).isEqualTo(TaskStatus.PROCESSING);
    }

    @Test
    void claimsThisNodeKnowsOfAreNotRunTwice() {
        // given tasks claimed and running normally, longer than several heartbeats, after a lost answer made
        // the heartbeat look for claims this node does not know
        CountingStore store = new CountingStore(memory, true);
        store.loseClaimAnswers(1);
        ManualTimers timers = new ManualTimers(new SettableClock(java.time.Instant.now()));
        List<CompletableFuture<String>> running = new CopyOnWriteArrayList<>();
        orchestrator = Orchestrator.builder().store(store).nodeId("node-a").lease(LEASE)
                .heartbeat(Duration.ofMillis(20)).pollInterval(Duration.ofMillis(20))
                .processor((task, ctx) -> {
                    attemptsSeen.add(ctx.attempt());
                    CompletableFuture<String> result = new CompletableFuture<>();
                    running.add(result);
                    return result;
                }).timers(timers).build().start();
        VenomTask lost = orchestrator.submit(new TaskRequest("lost")).join();
        timers.runDue(); // its claim, whose answer is lost
        List<VenomTask> tasks = List.of(lost, orchestrator.submit(new TaskRequest("a")).join(),
                orchestrator.submit(new TaskRequest("b")).join());

        // when heartbeats come for as long as the lost answers are looked for
        timers.advance(LEASE.multipliedBy(2));
        await().atMost(Duration.ofSeconds(10)).until(() -> running.size() == 3);
        timers.advance(LEASE);
        running.forEach(result -> result.complete("slow"));

        // then each ran exactly once
        tasks.forEach(task -> assertThat(awaitEnded(task.id()).status()).isEqualTo(TaskStatus.COMPLETED));
        assertThat(attemptsSeen).containsExactly(1, 1, 1);
    }
}
