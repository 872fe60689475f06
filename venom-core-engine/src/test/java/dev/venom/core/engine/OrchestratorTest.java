package dev.venom.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OrchestratorTest {

    private final InMemoryStateStore store = new InMemoryStateStore();
    private Orchestrator orchestrator;

    private Orchestrator start(TaskProcessor processor, int concurrency) {
        return start(processor, concurrency, Duration.ofMillis(200));
    }

    private Orchestrator start(TaskProcessor processor, int concurrency, Duration grace) {
        orchestrator = Orchestrator.builder()
                .store(store)
                .processor(processor)
                .concurrency(concurrency)
                .nodeId("test-node")
                .pollInterval(Duration.ofMillis(50))
                .shutdownGrace(grace)
                .build()
                .start();
        return orchestrator;
    }

    @AfterEach
    void close() {
        if (orchestrator != null) {
            orchestrator.close();
        }
    }

    private VenomTask awaitStatus(UUID id, TaskStatus status) {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> store.find(id).map(VenomTask::status).orElse(null) == status);
        return store.find(id).orElseThrow();
    }

    @Test
    void aSlotRunsTheNextTaskWhileTheLastOutcomeIsStillBeingWritten() {
        // given one slot and a store whose writes of outcomes wait until the test lets them go
        CountingStore slowOutcomes = new CountingStore(store, true);
        CompletableFuture<Void> disk = new CompletableFuture<>();
        slowOutcomes.holdOutcomes(disk);
        List<UUID> started = new java.util.concurrent.CopyOnWriteArrayList<>();
        orchestrator = Orchestrator.builder().store(slowOutcomes).concurrency(1).nodeId("test-node")
                .pollInterval(Duration.ofMillis(50)).shutdownGrace(Duration.ofMillis(200))
                .processor((task, ctx) -> {
                    started.add(task.id());
                    return CompletableFuture.completedFuture("ok");
                }).build().start();

        // when two tasks arrive
        VenomTask first = orchestrator.submit(new TaskRequest("first")).join();
        VenomTask second = orchestrator.submit(new TaskRequest("second")).join();

        // then the second runs while the first's outcome is still on its way to the store
        await().atMost(Duration.ofSeconds(10)).until(() -> started.size() == 2);
        assertThat(store.find(first.id()).orElseThrow().status()).isEqualTo(TaskStatus.PROCESSING);
        assertThat(orchestrator.running()).isEqualTo(2); // both hold their claims until written
        // and both end once the writes go through, each acknowledged only then
        disk.complete(null);
        awaitStatus(first.id(), TaskStatus.COMPLETED);
        awaitStatus(second.id(), TaskStatus.COMPLETED);
    }

    @Test
    void createdTaskIsPendingThenCompleted() {
        start(new SimulatedProcessor(Duration.ofMillis(100)), 4);

        VenomTask created = orchestrator.submit(new TaskRequest("hello")).join();

        assertThat(created.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(created.logs()).singleElement().asString().startsWith("Task started: ");
        VenomTask done = awaitStatus(created.id(), TaskStatus.COMPLETED);
        assertThat(done.result()).isEqualTo("Processed: hello");
        assertThat(done.attempts()).isEqualTo(1);
        assertThat(done.logs()).hasSize(3);
        assertThat(done.logs().get(1)).startsWith("Processing started: ");
        assertThat(done.logs().get(2)).startsWith("Processing completed: ");
    }

    @Test
    void aBatchIsStoredTogetherAnnouncedInOrderAndRunLikeAnyTask() {
        List<TaskEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        orchestrator = Orchestrator.builder().store(store).processor(new SimulatedProcessor(Duration.ZERO))
                .concurrency(4).nodeId("test-node").pollInterval(Duration.ofMillis(50)).listener(events::add)
                .maxPending(5).build().start();

        List<VenomTask> created = orchestrator.submitAll(List.of(new TaskRequest("a"), new TaskRequest("b")
                .withQueue("other"), new TaskRequest("c").withPriority(9))).join();

        assertThat(created).extracting(VenomTask::content).containsExactly("a", "b", "c");
        assertThat(created).allMatch(task -> task.status() == TaskStatus.PENDING && task.version() == 1);
        created.forEach(task -> awaitStatus(task.id(), TaskStatus.COMPLETED));
        assertThat(events.stream().filter(e -> e.type() == TaskEvent.Type.CREATED).map(e -> e.task().content()))
                .containsExactly("a", "b", "c");
        List<TaskRequest> tooMany = java.util.stream.IntStream.range(0, 6).mapToObj(i -> new TaskRequest("x" + i)
                .withRunAt(java.time.Instant.now().plusSeconds(60))).toList();
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> orchestrator.submitAll(tooMany).join()))
                .hasCauseInstanceOf(TooManyPendingException.class);
        assertThat(store.count(TaskStatus.PENDING)).isZero();
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> orchestrator.submitAll(List.of())))
                .hasMessage("a batch holds 1..1000 tasks, was 0");
    }

    @Test
    void anEngineWithAFreeSlotStartsANewTaskInTheWriteThatStoresItWithoutAClaim() {
        CountingStore counting = new CountingStore(store, true);
        List<TaskEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        orchestrator = Orchestrator.builder().store(counting).processor(new SimulatedProcessor(Duration.ZERO))
                .concurrency(4).nodeId("test-node").pollInterval(Duration.ofMillis(50)).listener(events::add)
                .build().start();
        // the first claim found nothing waiting (the second has begun: the first one's dispatch is over)
        await().atMost(Duration.ofSeconds(10)).until(() -> counting.claimCalls() > 1);

        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            VenomTask created = orchestrator.submit(new TaskRequest("t" + i)).join();
            assertThat(created.status()).isEqualTo(TaskStatus.PENDING);
            ids.add(created.id());
            awaitStatus(created.id(), TaskStatus.COMPLETED);
        }

        assertThat(counting.insertedClaimed()).isEqualTo(10);
        assertThat(counting.claimed()).isZero();
        VenomTask done = store.find(ids.get(0)).orElseThrow();
        assertThat(done.attempts()).isEqualTo(1);
        assertThat(done.logs()).hasSize(3);
        assertThat(done.logs().get(1)).startsWith("Processing started: ");
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream()
                .filter(e -> e.task().id().equals(ids.get(0))).count() >= 6);
        assertThat(events.stream().filter(e -> e.task().id().equals(ids.get(0))).map(TaskEvent::type).toList())
                .containsExactly(TaskEvent.Type.CREATED, TaskEvent.Type.LOG_APPENDED, TaskEvent.Type.STATUS_CHANGED,
                        TaskEvent.Type.CLAIMED, TaskEvent.Type.LOG_APPENDED, TaskEvent.Type.STATUS_CHANGED);
    }

    @Test
    void aStoreWithoutInsertClaimedHasEveryTaskClaimed() {
        CountingStore counting = new CountingStore(store, false);
        orchestrator = Orchestrator.builder().store(counting).processor(new SimulatedProcessor(Duration.ZERO))
                .concurrency(4).nodeId("test-node").pollInterval(Duration.ofMillis(50)).build().start();
        await().atMost(Duration.ofSeconds(10)).until(() -> counting.claimCalls() > 0);

        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(orchestrator.submit(new TaskRequest("t" + i)).join().id());
        }

        ids.forEach(id -> awaitStatus(id, TaskStatus.COMPLETED));
        assertThat(counting.claimed()).isEqualTo(5);
        assertThat(counting.insertedClaimed()).isZero();
    }

    @Test
    void submissionsRacingClaimsStartEachTaskOnceAndNeverExceedTheConcurrency() throws Exception {
        CountingStore counting = new CountingStore(store, true);
        AtomicInteger peak = new AtomicInteger();
        AtomicInteger processing = new AtomicInteger(); // processors between their call and their result
        orchestrator = Orchestrator.builder().store(counting).processor((task, ctx) -> {
            peak.accumulateAndGet(processing.incrementAndGet(), Math::max);
            return CompletableFuture.supplyAsync(() -> {
                processing.decrementAndGet(); // before the result completes: the slot may be reused at once
                return "ok";
            }, CompletableFuture.delayedExecutor(1, java.util.concurrent.TimeUnit.MILLISECONDS));
        }).concurrency(3).nodeId("test-node").pollInterval(Duration.ofMillis(50)).build();
        orchestrator.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> counting.claimCalls() > 1);

        java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<UUID>> submitted = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            String content = "t" + i;
            submitted.add(clients.submit(() -> orchestrator.submit(new TaskRequest(content)).join().id()));
        }
        List<UUID> ids = new ArrayList<>();
        for (java.util.concurrent.Future<UUID> id : submitted) {
            ids.add(id.get());
        }
        clients.shutdown();

        await().atMost(Duration.ofSeconds(30)).until(() -> ids.stream()
                .allMatch(id -> store.find(id).map(VenomTask::status).orElse(null) == TaskStatus.COMPLETED));
        assertThat(peak.get()).isBetween(1, 3);
        assertThat(counting.insertedClaimed()).isPositive();
        assertThat(counting.insertedClaimed() + counting.claimed()).isEqualTo(400);
        assertThat(ids).allSatisfy(id -> assertThat(store.find(id).orElseThrow().attempts()).isEqualTo(1));
    }

    @Test
    void aTaskStoredClaimedWhileTheEngineClosesIsReturnedToPendingNotRun() throws Exception {
        CountingStore counting = new CountingStore(store, true);
        AtomicInteger processed = new AtomicInteger();
        orchestrator = Orchestrator.builder().store(counting).processor((task, ctx) -> {
            processed.incrementAndGet();
            return CompletableFuture.completedFuture("ok");
        }).concurrency(4).nodeId("test-node").pollInterval(Duration.ofMillis(50)).shutdownGrace(Duration.ZERO)
                .build().start();
        await().atMost(Duration.ofSeconds(10)).until(() -> counting.claimCalls() > 1);
        CompletableFuture<Void> gate = new CompletableFuture<>();
        counting.holdArrivals(gate);
        CompletableFuture<VenomTask> submitted = orchestrator.submit(new TaskRequest("late"));

        CompletableFuture<Void> closing = CompletableFuture.runAsync(orchestrator::close);
        await().atMost(Duration.ofSeconds(10)).until(() -> !orchestrator.isAccepting());
        Thread.sleep(200); // close() is now waiting for the arrival
        assertThat(closing).isNotDone();
        gate.complete(null);
        closing.get(10, java.util.concurrent.TimeUnit.SECONDS);

        VenomTask found = store.find(submitted.join().id()).orElseThrow();
        assertThat(found.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(found.logs()).last().asString().startsWith("Interrupted by shutdown, will run again: ");
        assertThat(processed).hasValue(0);
        assertThat(counting.insertedClaimed()).isEqualTo(1);
    }

    @Test
    void processorThatThrowsEndsFailedWithTheErrorLogged() {
        start((task, ctx) -> {
            throw new IllegalStateException("disk on fire");
        }, 2);

        VenomTask created = orchestrator.submit(new TaskRequest("x")).join();

        VenomTask failed = awaitStatus(created.id(), TaskStatus.FAILED);
        assertThat(failed.result()).isEqualTo("Error: disk on fire");
        assertThat(failed.logs()).last().asString().matches("Processing failed: disk on fire - .+Z");
    }

    @Test
    void processorWhoseStageFailsEndsFailedWithTheCauseMessage() {
        start((task, ctx) -> CompletableFuture.supplyAsync(() -> {
            throw new IllegalArgumentException("bad input");
        }), 2);

        VenomTask created = orchestrator.submit(new TaskRequest("x")).join();

        assertThat(awaitStatus(created.id(), TaskStatus.FAILED).result()).isEqualTo("Error: bad input");
    }

    @Test
    void processorLogLinesAreStoredInOrderBeforeTheFinalTransition() {
        start((task, ctx) -> {
            ctx.log("step one");
            ctx.log("step two");
            return CompletableFuture.completedFuture("attempt " + ctx.attempt());
        }, 2);

        VenomTask created = orchestrator.submit(new TaskRequest("x")).join();

        VenomTask done = awaitStatus(created.id(), TaskStatus.COMPLETED);
        assertThat(done.result()).isEqualTo("attempt 1");
        assertThat(done.logs()).hasSize(5);
        assertThat(done.logs().get(2)).startsWith("step one - ");
        assertThat(done.logs().get(3)).startsWith("step two - ");
        assertThat(done.logs().get(4)).startsWith("Processing completed: ");
    }

    @Test
    void noMoreThanTheConcurrencyLimitRunAtOnce() {
        AtomicInteger running = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        start((task, ctx) -> {
            peak.accumulateAndGet(running.incrementAndGet(), Math::max);
            return CompletableFuture.supplyAsync(() -> {
                running.decrementAndGet();
                return "ok";
            }, CompletableFuture.delayedExecutor(30, java.util.concurrent.TimeUnit.MILLISECONDS));
        }, 3);

        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(orchestrator.submit(new TaskRequest("t" + i)).join().id());
        }

        ids.forEach(id -> awaitStatus(id, TaskStatus.COMPLETED));
        assertThat(peak.get()).isBetween(1, 3);
    }

    @Test
    void closeReturnsAttemptsStillRunningAfterTheGracePeriodToPending() {
        AtomicReference<TaskContext> context = new AtomicReference<>();
        CompletableFuture<String> never = new CompletableFuture<>();
        start((task, ctx) -> {
            context.set(ctx);
            return never;
        }, 2);
        VenomTask created = orchestrator.submit(new TaskRequest("slow")).join();
        awaitStatus(created.id(), TaskStatus.PROCESSING);
        await().atMost(Duration.ofSeconds(5)).until(() -> context.get() != null);

        orchestrator.close();

        VenomTask released = store.find(created.id()).orElseThrow();
        assertThat(released.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(released.logs()).last().asString().startsWith("Interrupted by shutdown, will run again: ");
        assertThat(context.get().isCancelled()).isTrue();
        never.complete("too late");
        assertThat(store.find(created.id()).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
    }

    @Test
    void closeLetsRunningAttemptsFinishWithinTheGracePeriod() {
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        SimulatedProcessor quick = new SimulatedProcessor(Duration.ofMillis(150));
        start((task, ctx) -> {
            started.countDown();
            return quick.process(task, ctx);
        }, 2, Duration.ofSeconds(10));
        VenomTask created = orchestrator.submit(new TaskRequest("quick")).join();
        await().atMost(Duration.ofSeconds(5)).until(() -> started.getCount() == 0);

        orchestrator.close();

        assertThat(store.find(created.id()).orElseThrow().status()).isEqualTo(TaskStatus.COMPLETED);
    }

    @Test
    void submitAfterCloseIsRefused() {
        start(new SimulatedProcessor(Duration.ZERO), 1);
        orchestrator.close();

        assertThatThrownBy(() -> orchestrator.submit(new TaskRequest("x")).join())
                .isInstanceOf(CompletionException.class)
                .cause().isInstanceOf(EngineClosedException.class)
                .hasMessage("orchestrator test-node is shutting down");
    }

    @Test
    void resultOfAnAttemptWhoseClaimWasTakenOverIsDiscarded() {
        CompletableFuture<String> slow = new CompletableFuture<>();
        AtomicBoolean cancelledSeen = new AtomicBoolean();
        AtomicReference<TaskContext> context = new AtomicReference<>();
        start((task, ctx) -> {
            context.set(ctx);
            return slow;
        }, 1);
        VenomTask created = orchestrator.submit(new TaskRequest("x")).join();
        VenomTask processing = awaitStatus(created.id(), TaskStatus.PROCESSING);
        await().atMost(Duration.ofSeconds(5)).until(() -> context.get() != null);

        VenomTask elsewhere = store.update(processing, processing.complete("from another node", java.time.Instant.now()))
                .join().orElseThrow();
        slow.complete("late");
        await().atMost(Duration.ofSeconds(5)).until(() -> context.get().isCancelled());
        cancelledSeen.set(context.get().isCancelled());

        assertThat(cancelledSeen).isTrue();
        assertThat(store.find(created.id())).contains(elsewhere);
    }

    @Test
    void aProcessorThatReturnsNoResultFailsTheTask() {
        start((task, ctx) -> CompletableFuture.completedFuture(null), 1);

        VenomTask created = orchestrator.submit(new TaskRequest("x")).join();

        assertThat(awaitStatus(created.id(), TaskStatus.FAILED).result())
                .isEqualTo("Error: processor returned a null result");
    }

    @Test
    void builderRejectsNonsenseWithPreciseMessages() {
        assertThatThrownBy(() -> Orchestrator.builder().concurrency(0))
                .hasMessage("concurrency must be 1..10000, was 0");
        assertThatThrownBy(() -> Orchestrator.builder().build())
                .hasMessageContaining("store is required");
        assertThatThrownBy(() -> Orchestrator.builder().lease(Duration.ZERO))
                .hasMessageContaining("lease must be > 0");
    }
}
