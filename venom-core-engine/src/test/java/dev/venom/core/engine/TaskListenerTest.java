package dev.venom.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TaskListenerTest {

    private final InMemoryStateStore store = new InMemoryStateStore();
    private final List<TaskEvent> heard = new CopyOnWriteArrayList<>();
    private Orchestrator orchestrator;

    @AfterEach
    void close() {
        if (orchestrator != null) {
            orchestrator.close();
        }
    }

    private Orchestrator.Builder engine(TaskProcessor processor) {
        return Orchestrator.builder().store(store).processor(processor).pollInterval(Duration.ofMillis(20))
                .retryBase(Duration.ofMillis(1)).shutdownGrace(Duration.ofMillis(100)).listener(heard::add);
    }

    private List<String> story(UUID id) {
        return heard.stream().filter(e -> e.task().id().equals(id)).map(e -> switch (e.type()) {
            case STATUS_CHANGED -> e.from() + "->" + e.task().status();
            case LOG_APPENDED -> "log " + e.log().replaceAll("(: | - ).*", "");
            default -> e.type().name();
        }).toList();
    }

    private void awaitStatus(UUID id, TaskStatus status) {
        await().atMost(Duration.ofSeconds(10)).until(() -> store.find(id).orElseThrow().status() == status);
    }

    @Test
    void aTasksLifeIsHeardInOrder() {
        orchestrator = engine((task, ctx) -> {
            ctx.log("halfway");
            return CompletableFuture.completedFuture("done");
        }).build().start();

        UUID id = orchestrator.submit(new TaskRequest("x")).join().id();
        awaitStatus(id, TaskStatus.COMPLETED);

        await().atMost(Duration.ofSeconds(5)).until(() -> story(id).size() == 7);
        assertThat(story(id)).containsExactly("CREATED", "log Processing started", "PENDING->PROCESSING", "CLAIMED",
                "log halfway", "log Processing completed", "PROCESSING->COMPLETED");
    }

    @Test
    void retriesAndCancelsAreHeard() {
        orchestrator = engine((task, ctx) -> CompletableFuture.failedFuture(new IllegalStateException("boom")))
                .build().start();

        UUID retried = orchestrator.submit(new TaskRequest("x").withMaxAttempts(2)).join().id();
        awaitStatus(retried, TaskStatus.FAILED);
        UUID cancelled = orchestrator.submit(new TaskRequest("y").withRunAt(java.time.Instant.now().plusSeconds(60)))
                .join().id();
        orchestrator.cancel(cancelled).join();

        await().atMost(Duration.ofSeconds(5)).until(() -> story(cancelled).contains("CANCELLED"));
        assertThat(story(retried)).contains("RETRY_SCHEDULED", "PROCESSING->PENDING", "PROCESSING->FAILED");
        assertThat(story(cancelled)).containsExactly("CREATED", "log Cancelled", "PENDING->CANCELLED", "CANCELLED");
    }

    @Test
    void aFailingOrStuckListenerNeverHoldsTheEngineBack() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<TaskEvent> second = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicLong toldDropped = new java.util.concurrent.atomic.AtomicLong();
        orchestrator = Orchestrator.builder().store(store).processor(new SimulatedProcessor(Duration.ZERO))
                .pollInterval(Duration.ofMillis(20)).shutdownGrace(Duration.ofMillis(100)).eventCapacity(4)
                .listener(event -> {
                    throw new IllegalStateException("listener bug");
                })
                .listener(new TaskListener() {
                    @Override
                    public void onEvent(TaskEvent event) {
                        second.add(event);
                        try {
                            release.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }

                    @Override
                    public void onEventsDropped(long count) {
                        toldDropped.addAndGet(count);
                    }
                })
                .build().start();

        List<UUID> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(orchestrator.submit(new TaskRequest("t" + i)).join().id());
        }

        ids.forEach(id -> awaitStatus(id, TaskStatus.COMPLETED));
        assertThat(second).hasSize(1); // the first event, still being handled
        release.countDown();
        await().atMost(Duration.ofSeconds(5)).until(() -> second.size() > 1);
        assertThat(second.size()).isLessThan(20 * 6); // the rest were dropped, not queued without bound
        // each task's life is six events; every one of them was either heard or told as dropped
        await().atMost(Duration.ofSeconds(5)).until(() -> second.size() + toldDropped.get() == 20 * 6);
        assertThat(toldDropped.get()).isPositive();
    }
}
