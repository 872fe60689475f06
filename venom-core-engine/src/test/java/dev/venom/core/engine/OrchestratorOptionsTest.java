package dev.venom.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.Timestamps;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The task options through the engine's Java API: priority, retries, run_at, timeouts, cancel, idempotency, load. */
class OrchestratorOptionsTest {

    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

    private final SettableClock clock = new SettableClock(T0);
    private final ManualTimers timers = new ManualTimers(clock);
    private final InMemoryStateStore store = new InMemoryStateStore(clock);
    private Orchestrator orchestrator;

    private Orchestrator.Builder builder(TaskProcessor processor) {
        return Orchestrator.builder().store(store).processor(processor).clock(clock).nodeId("test-node")
                .pollInterval(Duration.ofMillis(20)).shutdownGrace(Duration.ofMillis(200));
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

    private VenomTask submit(TaskRequest request) {
        return orchestrator.submit(request).join();
    }

    @Test
    void higherPriorityRunsFirstAndEqualPrioritiesOldestFirstUnderAConcurrencyOfOne() {
        List<String> order = new CopyOnWriteArrayList<>();
        orchestrator = builder((task, ctx) -> {
            order.add(task.content());
            return CompletableFuture.completedFuture("ok");
        }).concurrency(1).build();
        List<UUID> ids = new ArrayList<>();
        for (TaskRequest request : List.of(new TaskRequest("low"), new TaskRequest("high-1").withPriority(9),
                new TaskRequest("mid").withPriority(5), new TaskRequest("high-2").withPriority(9),
                new TaskRequest("default"))) {
            ids.add(submit(request).id());
        }

        orchestrator.start();

        ids.forEach(id -> awaitStatus(id, TaskStatus.COMPLETED));
        assertThat(order).containsExactly("high-1", "high-2", "mid", "low", "default");
    }

    @Test
    void underAClaimCooldownAClaimAfterAQuietSpellIsAtOnceAndTheNextWaitsForTheCooldown() {
        Map<String, Long> started = new ConcurrentHashMap<>();
        // New tasks would start on arrival, without a claim: this store has every task claimed.
        orchestrator = builder((task, ctx) -> {
            started.put(task.content(), timers.nanoTime());
            return CompletableFuture.completedFuture("ok");
        }).timers(timers).store(new CountingStore(store, false)).pollInterval(Duration.ofSeconds(30))
                .claimCooldown(Duration.ofMillis(1000)).build().start();
        timers.advance(Duration.ofMillis(1300)); // longer than the cooldown since the poll's claim at start

        long submitted = timers.nanoTime();
        UUID first = submit(new TaskRequest("first")).id();
        timers.runDue();
        awaitStatus(first, TaskStatus.COMPLETED);
        List<UUID> next = new ArrayList<>();
        for (String content : List.of("a", "b", "c")) {
            next.add(submit(new TaskRequest(content)).id());
        }
        timers.advance(Duration.ofMillis(999));
        next.forEach(id -> assertThat(store.find(id).orElseThrow().status()).isEqualTo(TaskStatus.PENDING));
        timers.advance(Duration.ofMillis(1));
        next.forEach(id -> awaitStatus(id, TaskStatus.COMPLETED));

        assertThat(started.get("first")).isEqualTo(submitted);
        for (String content : List.of("a", "b", "c")) {
            assertThat(started.get(content) - started.get("first")).as("start of %s after the first", content)
                    .isEqualTo(Duration.ofMillis(1000).toNanos());
        }
    }

    @Test
    void aNewTaskDoesNotOvertakeATaskWaitingForItsClaim() {
        List<String> order = new CopyOnWriteArrayList<>();
        CountingStore counting = new CountingStore(store, true);
        orchestrator = builder((task, ctx) -> {
            order.add(task.content());
            return CompletableFuture.completedFuture("ok");
        }).store(counting).pollInterval(Duration.ofSeconds(30)).claimCooldown(Duration.ofMillis(1000)).concurrency(1)
                .build().start();
        await().atMost(Duration.ofSeconds(10)).until(() -> counting.claimCalls() > 0);

        // A keyed task is always claimed, so it waits out the cooldown begun by the claim at start.
        UUID keyed = orchestrator.submit(new TaskRequest("keyed"), "key-1").join().task().id();
        UUID plain = submit(new TaskRequest("plain")).id();

        awaitStatus(keyed, TaskStatus.COMPLETED);
        awaitStatus(plain, TaskStatus.COMPLETED);
        assertThat(order).containsExactly("keyed", "plain");
        assertThat(counting.insertedClaimed()).isZero();
    }

    @Test
    void aClaimThatFillsEverySlotStartsNoCooldownSoAFullEngineDoesNotWait() {
        Map<String, Long> started = new ConcurrentHashMap<>();
        orchestrator = builder((task, ctx) -> {
            started.put(task.content(), System.nanoTime());
            return CompletableFuture.completedFuture("ok");
        }).pollInterval(Duration.ofSeconds(30)).claimCooldown(Duration.ofMillis(1000)).concurrency(1).build();
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(submit(new TaskRequest("t" + i)).id());
        }

        orchestrator.start();

        ids.forEach(id -> awaitStatus(id, TaskStatus.COMPLETED));
        // Five claims of one task each: with a cooldown between them they would span at least 4 s.
        assertThat(TimeUnit.NANOSECONDS.toMillis(started.get("t4") - started.get("t0"))).isLessThan(2000);
    }

    @Test
    void aClaimCooldownOutsideZeroToOneSecondIsRefused() {
        assertThatThrownBy(() -> Orchestrator.builder().claimCooldown(Duration.ofMillis(-1)))
                .hasMessage("claimCooldown must be 0..1000 ms, was -1 ms");
        assertThatThrownBy(() -> Orchestrator.builder().claimCooldown(Duration.ofMillis(1001)))
                .hasMessage("claimCooldown must be 0..1000 ms, was 1001 ms");
        assertThatThrownBy(() -> Orchestrator.builder().claimCooldown(Duration.ofNanos(1_000_500_000)))
                .hasMessage("claimCooldown must be 0..1000 ms, was 1000.5 ms");
    }

    @Test
    void failedAttemptsRetryAfterAnExponentialBackoffOnTheInjectedClock() {
        AtomicInteger calls = new AtomicInteger();
        orchestrator = builder((task, ctx) -> calls.incrementAndGet() < 3
                ? CompletableFuture.failedFuture(new IllegalStateException("flaky " + ctx.attempt()))
                : CompletableFuture.completedFuture("third time lucky"))
                .retryBase(Duration.ofSeconds(10)).timers(timers).build().start();

        UUID id = submit(new TaskRequest("x").withMaxAttempts(3)).id();
        timers.runDue(); // its claim

        VenomTask firstRetry = awaitRetry(id, 1);
        assertThat(firstRetry.runAt()).isBetween(T0.plusSeconds(5), T0.plusSeconds(10));
        assertThat(firstRetry.result()).isNull();
        assertThat(firstRetry.logs()).endsWith("Attempt 1 failed: flaky 1 - " + Timestamps.format(T0),
                "Retry scheduled: attempt 2 of 3 at " + Timestamps.format(firstRetry.runAt()));
        timers.advanceTo(firstRetry.runAt().minusMillis(1));
        assertThat(store.find(id).orElseThrow()).extracting(VenomTask::status, VenomTask::attempts)
                .containsExactly(TaskStatus.PENDING, 1);

        timers.advanceTo(firstRetry.runAt().plusMillis(1));
        VenomTask secondRetry = awaitRetry(id, 2);
        Instant failedAt = firstRetry.runAt();
        assertThat(secondRetry.runAt()).isBetween(failedAt.plusSeconds(10), failedAt.plusSeconds(20));
        assertThat(secondRetry.logs()).last().isEqualTo(
                "Retry scheduled: attempt 3 of 3 at " + Timestamps.format(secondRetry.runAt()));

        timers.advanceTo(secondRetry.runAt().plusMillis(1));
        VenomTask done = awaitStatus(id, TaskStatus.COMPLETED);
        assertThat(done.attempts()).isEqualTo(3);
        assertThat(done.result()).isEqualTo("third time lucky");
    }

    private VenomTask awaitRetry(UUID id, int failedAttempts) {
        await().atMost(Duration.ofSeconds(10)).until(() -> store.find(id)
                .filter(t -> t.status() == TaskStatus.PENDING && t.attempts() == failedAttempts).isPresent());
        return store.find(id).orElseThrow();
    }

    @Test
    void onlyTheLastFailureMakesTheTaskFailed() {
        orchestrator = builder((task, ctx) -> CompletableFuture.failedFuture(new IllegalStateException("boom")))
                .retryBase(Duration.ofMillis(1)).defaultMaxAttempts(2).build().start();

        UUID id = submit(new TaskRequest("x")).id();
        VenomTask retry = awaitRetry(id, 1);
        clock.set(retry.runAt());
        VenomTask failed = awaitStatus(id, TaskStatus.FAILED);

        assertThat(failed.maxAttempts()).isEqualTo(2);
        assertThat(failed.attempts()).isEqualTo(2);
        assertThat(failed.result()).isEqualTo("Error: boom");
        assertThat(failed.logs()).filteredOn(l -> l.startsWith("Retry scheduled")).hasSize(1);
    }

    @Test
    void aTaskDoesNotRunBeforeItsRunAt() {
        AtomicInteger calls = new AtomicInteger();
        orchestrator = builder((task, ctx) -> CompletableFuture.completedFuture("ran " + calls.incrementAndGet()))
                .timers(timers).build().start();

        UUID id = submit(new TaskRequest("later").withRunAt(T0.plusSeconds(30))).id();

        timers.advance(Duration.ofSeconds(30).minusMillis(1));
        assertThat(store.find(id).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
        timers.advance(Duration.ofMillis(20)); // the next poll
        VenomTask done = awaitStatus(id, TaskStatus.COMPLETED);
        assertThat(done.runAt()).isEqualTo(T0.plusSeconds(30));
        assertThat(calls).hasValue(1);
    }

    @Test
    void anAttemptPastItsTimeoutFailsAndItsProcessorSeesTheCancellation() {
        AtomicReference<TaskContext> seen = new AtomicReference<>();
        CompletableFuture<String> never = new CompletableFuture<>();
        orchestrator = builder((task, ctx) -> {
            seen.set(ctx);
            return never;
        }).timers(timers).build().start();

        UUID id = submit(new TaskRequest("slow").withTimeoutMs(100)).id();
        timers.runDue(); // its claim
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.get() != null);
        timers.advance(Duration.ofMillis(99));
        assertThat(store.find(id).orElseThrow().status()).isEqualTo(TaskStatus.PROCESSING);
        timers.advance(Duration.ofMillis(1));
        VenomTask failed = awaitStatus(id, TaskStatus.FAILED);

        assertThat(failed.result()).isEqualTo("Error: timed out after 100 ms");
        assertThat(seen.get().isCancelled()).isTrue();
        assertThat(never).isCancelled();
    }

    @Test
    void aTimedOutAttemptRetriesWhenItMay() {
        AtomicInteger calls = new AtomicInteger();
        orchestrator = builder((task, ctx) -> calls.incrementAndGet() == 1
                ? new CompletableFuture<>() : CompletableFuture.completedFuture("fast now"))
                .retryBase(Duration.ofMillis(1)).timers(timers).build().start();

        UUID id = submit(new TaskRequest("x").withTimeoutMs(50).withMaxAttempts(2)).id();
        timers.runDue(); // its claim
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() == 1);
        timers.advance(Duration.ofMillis(50));
        VenomTask retry = awaitRetry(id, 1);
        timers.advanceTo(retry.runAt().plusMillis(1));

        assertThat(retry.logs()).anyMatch(l -> l.startsWith("Attempt 1 failed: timed out after 50 ms"));
        assertThat(awaitStatus(id, TaskStatus.COMPLETED).result()).isEqualTo("fast now");
    }

    @Test
    void cancellingAPendingTaskEndsItBeforeItRuns() {
        AtomicInteger calls = new AtomicInteger();
        orchestrator = builder((task, ctx) -> CompletableFuture.completedFuture("ran " + calls.incrementAndGet()))
                .timers(timers).build().start();
        UUID id = submit(new TaskRequest("later").withRunAt(T0.plusSeconds(60))).id();

        VenomTask cancelled = orchestrator.cancel(id).join().orElseThrow();
        timers.advance(Duration.ofSeconds(61));

        assertThat(cancelled.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(cancelled.logs()).last().isEqualTo("Cancelled: " + Timestamps.format(T0));
        assertThat(store.find(id).orElseThrow().status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(orchestrator.running()).isZero();
        assertThat(calls).hasValue(0);
    }

    @Test
    void cancellingARunningTaskCancelsItsProcessorAndDiscardsALateResult() {
        AtomicReference<TaskContext> seen = new AtomicReference<>();
        CompletableFuture<String> running = new CompletableFuture<>();
        orchestrator = builder((task, ctx) -> {
            seen.set(ctx);
            return running.minimalCompletionStage(); // a stage that ignores cancellation, like a remote call
        }).build().start();
        UUID id = submit(new TaskRequest("x")).id();
        awaitStatus(id, TaskStatus.PROCESSING);

        VenomTask cancelled = orchestrator.cancel(id).join().orElseThrow();
        running.complete("too late");

        assertThat(cancelled.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(seen.get().isCancelled()).isTrue();
        await().atMost(Duration.ofSeconds(2)).until(() -> orchestrator.running() == 0);
        VenomTask stored = store.find(id).orElseThrow();
        assertThat(stored.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(stored.result()).isNull();
    }

    @Test
    void cancellingAnEndedTaskIsRefusedAndAnUnknownOneIsEmpty() {
        orchestrator = builder((task, ctx) -> CompletableFuture.completedFuture("done")).build().start();
        UUID id = submit(new TaskRequest("x")).id();
        awaitStatus(id, TaskStatus.COMPLETED);

        assertThatThrownBy(() -> orchestrator.cancel(id).join()).hasCauseInstanceOf(TaskEndedException.class)
                .hasMessageContaining("already ended: COMPLETED");
        assertThat(orchestrator.cancel(UUID.randomUUID()).join()).isEmpty();
    }

    @Test
    void cancelRacingCompletionEndsInExactlyOneTerminalState() throws Exception {
        Map<UUID, CompletableFuture<String>> results = new ConcurrentHashMap<>();
        orchestrator = builder((task, ctx) -> {
            CompletableFuture<String> result = new CompletableFuture<>();
            results.put(task.id(), result);
            return result;
        }).concurrency(64).build().start();
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            ids.add(submit(new TaskRequest("t" + i)).id());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> results.size() == ids.size());
        ids.forEach(id -> awaitStatus(id, TaskStatus.PROCESSING));
        ExecutorService racers = Executors.newFixedThreadPool(2);

        List<Future<Boolean>> cancels = new ArrayList<>();
        for (UUID id : ids) {
            CompletableFuture<String> result = results.get(id);
            racers.submit(() -> result.complete("won"));
            cancels.add(racers.submit(() -> {
                try {
                    return orchestrator.cancel(id).join().isPresent();
                } catch (RuntimeException e) {
                    assertThat(VenomException.unwrap(e)).isInstanceOf(TaskEndedException.class);
                    return false;
                }
            }));
        }
        racers.shutdown();
        assertThat(racers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

        await().atMost(Duration.ofSeconds(5)).until(() -> orchestrator.running() == 0);
        for (int i = 0; i < ids.size(); i++) {
            VenomTask task = store.find(ids.get(i)).orElseThrow();
            if (cancels.get(i).get()) {
                assertThat(task.status()).isEqualTo(TaskStatus.CANCELLED);
                assertThat(task.result()).isNull();
            } else {
                assertThat(task.status()).isEqualTo(TaskStatus.COMPLETED);
                assertThat(task.result()).isEqualTo("won");
            }
            assertThat(task.logs()).filteredOn(l -> l.startsWith("Cancelled") || l.startsWith("Processing completed"))
                    .hasSize(1);
        }
    }

    @Test
    void twentyConcurrentSubmissionsWithOneKeyCreateExactlyOneTask() throws Exception {
        orchestrator = builder(new SimulatedProcessor(Duration.ZERO)).build();
        ExecutorService clients = Executors.newFixedThreadPool(20);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Submission>> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            answers.add(clients.submit(() -> {
                go.await();
                return orchestrator.submit(new TaskRequest("pay invoice 7"), "invoice-7").join();
            }));
        }
        go.countDown();
        Set<UUID> ids = ConcurrentHashMap.newKeySet();
        int created = 0;
        for (Future<Submission> answer : answers) {
            Submission submission = answer.get(10, TimeUnit.SECONDS);
            ids.add(submission.task().id());
            created += submission.created() ? 1 : 0;
        }
        clients.shutdown();

        assertThat(ids).hasSize(1);
        assertThat(created).isEqualTo(1);
        assertThat(store.list(TaskQuery.firstPage(100)).tasks()).hasSize(1);
        assertThat(store.find(ids.iterator().next()).orElseThrow().idempotencyKey()).isEqualTo("invoice-7");
    }

    @Test
    void aKeyReusedWithADifferentRequestIsAConflict() {
        orchestrator = builder(new SimulatedProcessor(Duration.ZERO)).build();
        VenomTask first = orchestrator.submit(new TaskRequest("a"), "k").join().task();

        assertThatThrownBy(() -> orchestrator.submit(new TaskRequest("b"), "k").join())
                .hasCauseInstanceOf(IdempotencyConflictException.class).hasMessageContaining(first.id().toString());
        assertThatThrownBy(() -> orchestrator.submit(new TaskRequest("a").withPriority(1), "k").join())
                .hasCauseInstanceOf(IdempotencyConflictException.class);
        assertThat(orchestrator.submit(new TaskRequest("a"), "k").join().created()).isFalse();
        assertThatThrownBy(() -> orchestrator.submit(new TaskRequest("a"), "bad\nkey"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("printable");
        assertThatThrownBy(() -> orchestrator.submit(new TaskRequest("a"), "k".repeat(256)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..255");
    }

    @Test
    void submissionsBeyondMaxPendingAreRefusedAndReadsStillWork() {
        orchestrator = builder(new SimulatedProcessor(Duration.ZERO)).maxPending(2).build();
        VenomTask first = submit(new TaskRequest("1"));
        submit(new TaskRequest("2"));

        assertThatThrownBy(() -> submit(new TaskRequest("3"))).hasCauseInstanceOf(TooManyPendingException.class)
                .hasMessageContaining("Too many pending tasks");
        assertThat(orchestrator.find(first.id())).isPresent();
        assertThat(store.list(TaskQuery.firstPage(100)).tasks()).hasSize(2);

        orchestrator.start();
        awaitStatus(first.id(), TaskStatus.COMPLETED);
        await().atMost(Duration.ofSeconds(5)).until(() -> store.count(TaskStatus.PENDING) == 0);
        assertThat(submit(new TaskRequest("3")).status()).isEqualTo(TaskStatus.PENDING);
    }
}
