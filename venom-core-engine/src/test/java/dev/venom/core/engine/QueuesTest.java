package dev.venom.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Named queues on one engine: each its own concurrency, pause and resume, purge, the emergency stop. */
class QueuesTest {

    private final InMemoryStateStore store = new InMemoryStateStore();
    private final List<QueueEvent> queueEvents = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> peak = new ConcurrentHashMap<>();
    /** Every attempt runs until the test completes its future (or the attempt is cancelled). */
    private final Map<UUID, CompletableFuture<String>> held = new ConcurrentHashMap<>();
    private Orchestrator orchestrator;
    private final Map<UUID, String> queueOf = new ConcurrentHashMap<>();

    private final TaskProcessor holding = (task, ctx) -> {
        int now = running.computeIfAbsent(task.queue(), q -> new AtomicInteger()).incrementAndGet();
        peak.computeIfAbsent(task.queue(), q -> new AtomicInteger()).accumulateAndGet(now, Math::max);
        CompletableFuture<String> result = new CompletableFuture<>();
        held.put(task.id(), result);
        queueOf.put(task.id(), task.queue());
        return result;
    };

    /** Ends a held attempt: counted out first, since its slot may take new work as soon as it completes. */
    private void finish(UUID id) {
        running.get(queueOf.get(id)).decrementAndGet();
        held.remove(id).complete("ok");
    }

    private Orchestrator start(Orchestrator.Builder builder) {
        orchestrator = builder.store(store).processor(holding).nodeId("node-q").pollInterval(Duration.ofMillis(50))
                .shutdownGrace(Duration.ofMillis(100)).listener(new TaskListener() {
                    @Override
                    public void onEvent(TaskEvent event) {
                    }

                    @Override
                    public void onQueueEvent(QueueEvent event) {
                        queueEvents.add(event);
                    }
                }).build().start();
        return orchestrator;
    }

    @AfterEach
    void close() {
        held.values().forEach(result -> result.complete("done"));
        if (orchestrator != null) {
            orchestrator.close();
        }
    }

    private VenomTask submit(String queue, String content) {
        return orchestrator.submit(new TaskRequest(content).withQueue(queue)).join();
    }

    private TaskStatus statusOf(VenomTask task) {
        return store.find(task.id()).orElseThrow().status();
    }

    private void awaitStatus(VenomTask task, TaskStatus status) {
        await().atMost(Duration.ofSeconds(10)).until(() -> statusOf(task) == status);
    }

    private int runningIn(String queue) {
        return running.getOrDefault(queue, new AtomicInteger()).get();
    }

    @Test
    void aFullQueueNeverRunsPastItsLimitNorDelaysAnotherQueue() {
        // given a background queue of 2 slots, full with a backlog behind it
        start(Orchestrator.builder().concurrency(8).queue("background", 2).queue("urgent", 3));
        List<VenomTask> background = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            background.add(submit("background", "b" + i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> runningIn("background") == 2);

        // when urgent work arrives
        List<VenomTask> urgent = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            urgent.add(submit("urgent", "u" + i));
        }

        // then it all runs at once beside the full background queue, which stays at its limit
        urgent.forEach(task -> awaitStatus(task, TaskStatus.PROCESSING));
        assertThat(runningIn("background")).isEqualTo(2);
        assertThat(background.stream().filter(task -> statusOf(task) == TaskStatus.PENDING)).hasSize(8);
        // and as the background tasks finish one by one, it never runs more than two
        for (int finished = 0; finished < 10; finished++) {
            await().atMost(Duration.ofSeconds(10)).until(() -> background.stream()
                    .anyMatch(task -> statusOf(task) == TaskStatus.PROCESSING && held.containsKey(task.id())));
            background.stream().filter(task -> statusOf(task) == TaskStatus.PROCESSING && held.containsKey(task.id()))
                    .findFirst().ifPresent(task -> finish(task.id()));
            int done = finished + 1;
            await().atMost(Duration.ofSeconds(10)).until(() -> background.stream()
                    .filter(task -> statusOf(task) == TaskStatus.COMPLETED).count() == done);
        }
        assertThat(peak.get("background").get()).isEqualTo(2);
        assertThat(peak.get("urgent").get()).isEqualTo(3);
    }

    @Test
    void pausedQueueStoresNewTasksButStartsNothingUntilResumed() {
        start(Orchestrator.builder().concurrency(4));
        orchestrator.queues().pause("reports").join();

        VenomTask waiting = submit("reports", "r");
        VenomTask elsewhere = submit("default", "d");

        awaitStatus(elsewhere, TaskStatus.PROCESSING);
        assertThat(statusOf(waiting)).isEqualTo(TaskStatus.PENDING);
        assertThat(orchestrator.queues().get("reports").paused()).isTrue();
        assertThat(orchestrator.queues().get("reports").pending()).isEqualTo(1);

        orchestrator.queues().resume("reports").join();

        awaitStatus(waiting, TaskStatus.PROCESSING);
        assertThat(queueEvents).extracting(QueueEvent::type, QueueEvent::queue).containsExactly(
                org.assertj.core.groups.Tuple.tuple(QueueEvent.Type.PAUSED, "reports"),
                org.assertj.core.groups.Tuple.tuple(QueueEvent.Type.RESUMED, "reports"));
    }

    @Test
    void pausingEveryQueueLetsRunningAttemptsFinishAndStartsNothingNew() {
        start(Orchestrator.builder().concurrency(4));
        VenomTask runningTask = submit("default", "running");
        awaitStatus(runningTask, TaskStatus.PROCESSING);

        orchestrator.queues().pauseAll().join();
        VenomTask later = submit("other", "later");
        finish(runningTask.id());

        awaitStatus(runningTask, TaskStatus.COMPLETED);
        assertThat(statusOf(later)).isEqualTo(TaskStatus.PENDING);
        assertThat(orchestrator.queues().allPaused()).isTrue();

        orchestrator.queues().resumeAll().join();
        awaitStatus(later, TaskStatus.PROCESSING);
    }

    @Test
    void purgeCancelsEveryPendingTaskOfTheQueueWithItsLineAndLeavesOthersAlone() {
        start(Orchestrator.builder().concurrency(4));
        orchestrator.queues().pause("bulk").join();
        List<VenomTask> bulk = new ArrayList<>();
        for (int i = 0; i < Queues.BATCH + 7; i++) {
            bulk.add(submit("bulk", "b" + i));
        }
        orchestrator.queues().pause("keep").join();
        VenomTask kept = submit("keep", "k");

        int purged = orchestrator.queues().purge(Optional.of("bulk")).join();

        assertThat(purged).isEqualTo(Queues.BATCH + 7);
        assertThat(bulk).allSatisfy(task -> {
            VenomTask now = store.find(task.id()).orElseThrow();
            assertThat(now.status()).isEqualTo(TaskStatus.CANCELLED);
            assertThat(now.logs()).last().asString().startsWith("Purged: ");
        });
        assertThat(statusOf(kept)).isEqualTo(TaskStatus.PENDING);
        assertThat(queueEvents).anySatisfy(event -> {
            assertThat(event.type()).isEqualTo(QueueEvent.Type.PURGED);
            assertThat(event.queue()).isEqualTo("bulk");
            assertThat(event.count()).isEqualTo(Queues.BATCH + 7);
        });
    }

    @Test
    void emergencyStopPausesEverythingCancelsWhatRunsAndPurgesWhatWaits() {
        start(Orchestrator.builder().concurrency(1));
        VenomTask runningTask = submit("default", "running");
        awaitStatus(runningTask, TaskStatus.PROCESSING);
        VenomTask waiting = submit("default", "waiting");

        EmergencyStop stop = orchestrator.queues().emergencyStop().join();

        assertThat(stop).isEqualTo(new EmergencyStop(1, 1));
        assertThat(statusOf(runningTask)).isEqualTo(TaskStatus.CANCELLED);
        assertThat(held.get(runningTask.id())).isCancelled();
        assertThat(statusOf(waiting)).isEqualTo(TaskStatus.CANCELLED);
        assertThat(orchestrator.queues().allPaused()).isTrue();
        VenomTask afterwards = submit("default", "after");
        orchestrator.queues().resumeAll().join();
        awaitStatus(afterwards, TaskStatus.PROCESSING);
    }
}
