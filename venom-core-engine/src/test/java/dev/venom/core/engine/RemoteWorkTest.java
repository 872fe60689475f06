package dev.venom.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.venom.core.model.Progress;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The worker protocol on one engine, time moved by hand: claims, long polls, labels, fencing, leases. */
class RemoteWorkTest {

    private static final Duration LEASE = Duration.ofSeconds(30);

    private final SettableClock clock = new SettableClock(Instant.parse("2026-12-06T10:00:00Z"));
    private final ManualTimers timers = new ManualTimers(clock);
    private final InMemoryStateStore store = new InMemoryStateStore(clock);
    private final AtomicInteger localRuns = new AtomicInteger();
    private final List<TaskEvent> events = new CopyOnWriteArrayList<>();
    private Orchestrator orchestrator;
    private RemoteWork remote;

    @BeforeEach
    void start() {
        orchestrator = Orchestrator.builder().store(store).timers(timers).nodeId("node-r").lease(LEASE)
                .heartbeat(Duration.ofSeconds(5)).remoteQueue("gpu").defaultMaxAttempts(2)
                .processor((task, ctx) -> {
                    localRuns.incrementAndGet();
                    return CompletableFuture.completedFuture("local");
                })
                .listener(events::add).build().start();
        remote = orchestrator.remoteWork();
    }

    @AfterEach
    void close() {
        orchestrator.close();
    }

    private VenomTask submit(TaskRequest request) {
        return orchestrator.submit(request).join();
    }

    private VenomTask gpuTask(String content) {
        return submit(new TaskRequest(content).withQueue("gpu"));
    }

    private static WorkRequest ask(String worker, Map<String, String> labels, int max, long waitMs) {
        return new WorkRequest(worker, List.of("gpu"), labels, max, Duration.ofMillis(waitMs));
    }

    private List<Claim> claimNow(String worker) throws Exception {
        return remote.claim(ask(worker, Map.of(), 10, 0)).get(5, TimeUnit.SECONDS);
    }

    private VenomTask stored(VenomTask task) {
        return store.find(task.id()).orElseThrow();
    }

    @Test
    void aRemoteQueuesTaskWaitsForAWorkerAndTheServerNeverRunsIt() throws Exception {
        VenomTask task = gpuTask("render");
        timers.advance(Duration.ofSeconds(3));
        assertThat(stored(task).status()).isEqualTo(TaskStatus.PENDING);

        List<Claim> claims = claimNow("w1");

        assertThat(claims).hasSize(1);
        assertThat(claims.get(0).owner()).isEqualTo("worker:w1");
        assertThat(claims.get(0).task().attempts()).isEqualTo(1);
        assertThat(stored(task).status()).isEqualTo(TaskStatus.PROCESSING);
        assertThat(localRuns).hasValue(0);
        assertThat(remote.workers()).singleElement().satisfies(worker -> {
            assertThat(worker.workerId()).isEqualTo("w1");
            assertThat(worker.inFlight()).isEqualTo(1);
        });
    }

    @Test
    void aWaitingClaimIsAnsweredWhenATaskArrivesAndEmptyWhenItsWaitEnds() throws Exception {
        CompletableFuture<List<Claim>> waiting = remote.claim(ask("w1", Map.of(), 1, 30_000));
        Thread.sleep(100);
        assertThat(waiting).isNotDone();

        VenomTask task = gpuTask("arrives");

        assertThat(waiting.get(5, TimeUnit.SECONDS)).extracting(c -> c.task().id()).containsExactly(task.id());
        CompletableFuture<List<Claim>> idle = remote.claim(ask("w1", Map.of(), 1, 10_000));
        Thread.sleep(100);
        timers.advance(Duration.ofSeconds(10));
        assertThat(idle.get(5, TimeUnit.SECONDS)).isEmpty();
    }

    @Test
    void aWithdrawnWaitingClaimTakesNothingAndTheNextWorkerGetsTheTask() throws Exception {
        CompletableFuture<List<Claim>> withdrawn = remote.claim(ask("gone", Map.of(), 1, 30_000));
        Thread.sleep(100);
        withdrawn.cancel(false); // its connection closed

        VenomTask task = gpuTask("for someone there");
        Thread.sleep(200);

        assertThat(stored(task).status()).isEqualTo(TaskStatus.PENDING);
        assertThat(remote.waiting()).isZero();
        assertThat(claimNow("there")).extracting(c -> c.task().id()).containsExactly(task.id());
    }

    @Test
    void aWorkerReceivesOnlyTasksWhoseRequirementsItsLabelsSatisfy() throws Exception {
        VenomTask needsA100 = submit(new TaskRequest("big model").withQueue("gpu").withRequires(Map.of("gpu", "a100")));

        assertThat(remote.claim(ask("t4", Map.of("gpu", "t4"), 5, 0)).get(5, TimeUnit.SECONDS)).isEmpty();
        assertThat(remote.claim(ask("a100", Map.of("gpu", "a100", "zone", "eu"), 5, 0)).get(5, TimeUnit.SECONDS))
                .extracting(c -> c.task().id()).containsExactly(needsA100.id());
    }

    @Test
    void aCompletedAttemptIsFencedOffFromEveryLaterCall() throws Exception {
        VenomTask task = gpuTask("once");
        int attempt = claimNow("w1").get(0).task().attempts();

        remote.log(task.id(), attempt, "w1", List.of("loading", "rendering"));
        VenomTask done = remote.complete(task.id(), attempt, "w1", "a picture");

        assertThat(done.status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(done.result()).isEqualTo("a picture");
        assertThat(done.logs()).anyMatch(line -> line.startsWith("loading - "))
                .anyMatch(line -> line.startsWith("rendering - "));
        assertThatThrownBy(() -> remote.complete(task.id(), attempt, "w1", "again"))
                .isInstanceOf(AttemptNotCurrentException.class)
                .hasMessage("Attempt 1 of task " + task.id() + " is no longer current: the task has ended COMPLETED");
        assertThatThrownBy(() -> remote.heartbeat(task.id(), attempt, "w1", null))
                .isInstanceOf(AttemptNotCurrentException.class);
        assertThat(stored(task)).isEqualTo(done);
        assertThatThrownBy(() -> remote.heartbeat(UUID.randomUUID(), 1, "w1", null))
                .isInstanceOf(NoSuchTaskException.class);
    }

    @Test
    void aFailureIsRetriedWhileAttemptsAreLeftThenFails() throws Exception {
        VenomTask task = gpuTask("flaky");
        remote.fail(task.id(), claimNow("w1").get(0).task().attempts(), "w1", "out of memory", true,
                Duration.ofSeconds(7));
        assertThat(stored(task).status()).isEqualTo(TaskStatus.PENDING);
        assertThat(stored(task).runAt()).isEqualTo(clock.instant().plusSeconds(7));
        assertThat(claimNow("w1")).isEmpty();

        timers.advance(Duration.ofSeconds(7));
        Claim second = claimNow("w1").get(0);
        VenomTask failed = remote.fail(task.id(), second.task().attempts(), "w1", "out of memory again", true, null);

        assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(failed.result()).isEqualTo("Error: out of memory again");
        assertThat(failed.attempts()).isEqualTo(2);
    }

    @Test
    void aHeartbeatKeepsTheTaskAndAWorkerThatStopsLosesItToAnotherExactlyOnce() throws Exception {
        VenomTask task = gpuTask("long job");
        Claim first = claimNow("w1").get(0);
        timers.advance(Duration.ofSeconds(20));

        Heartbeat beat = remote.heartbeat(task.id(), 1, "w1", null);

        assertThat(beat.cancelRequested()).isFalse();
        assertThat(beat.leaseExpiresAt()).isEqualTo(clock.instant().plus(LEASE));
        timers.advance(Duration.ofSeconds(25)); // past the first lease: kept by the heartbeat
        assertThat(stored(task).status()).isEqualTo(TaskStatus.PROCESSING);

        timers.advance(Duration.ofSeconds(10)); // w1 stopped beating: rescued
        assertThat(stored(task).status()).isEqualTo(TaskStatus.PENDING);
        assertThat(stored(task).logs()).anyMatch(line -> line.startsWith("Claim of worker:w1 expired, requeued"));
        assertThatThrownBy(() -> remote.heartbeat(task.id(), first.task().attempts(), "w1", null))
                .isInstanceOf(AttemptNotCurrentException.class)
                .hasMessageEndingWith("its lease expired or it was given back; the task waits to run again");

        Claim second = claimNow("w2").get(0);
        assertThat(second.task().attempts()).isEqualTo(2);
        assertThatThrownBy(() -> remote.complete(task.id(), 1, "w1", "late"))
                .isInstanceOf(AttemptNotCurrentException.class).hasMessageEndingWith("attempt 2 has started since");
        assertThatThrownBy(() -> remote.complete(task.id(), 2, "w1", "not mine"))
                .isInstanceOf(AttemptNotCurrentException.class)
                .hasMessageEndingWith("it is held by worker:w2, not by worker:w1");
        remote.complete(task.id(), 2, "w2", "finished by w2");

        assertThat(stored(task).result()).isEqualTo("finished by w2");
        assertThat(stored(task).logs()).filteredOn(line -> line.startsWith("Processing completed")).hasSize(1);
    }

    @Test
    void anAttemptPastItsTimeoutFailsAtItsNextCallAndItsLateResultIsRefused() throws Exception {
        VenomTask task = submit(new TaskRequest("bounded").withQueue("gpu").withTimeoutMs(10_000).withMaxAttempts(1));
        claimNow("w1");
        timers.advance(Duration.ofSeconds(5));
        assertThat(remote.heartbeat(task.id(), 1, "w1", null).cancelRequested()).isFalse();

        timers.advance(Duration.ofSeconds(6));

        assertThatThrownBy(() -> remote.heartbeat(task.id(), 1, "w1", null))
                .isInstanceOf(AttemptNotCurrentException.class)
                .hasMessageEndingWith("it ran past its timeout_ms (10000 ms)");
        assertThat(stored(task).status()).isEqualTo(TaskStatus.FAILED);
        assertThat(stored(task).result()).isEqualTo("Error: timed out after 10000 ms");
        assertThatThrownBy(() -> remote.complete(task.id(), 1, "w1", "late"))
                .isInstanceOf(AttemptNotCurrentException.class);
    }

    @Test
    void aCancelReachesTheWorkerOnItsNextHeartbeat() throws Exception {
        VenomTask task = gpuTask("to be cancelled");
        claimNow("w1");

        orchestrator.cancel(task.id()).join();

        assertThat(remote.heartbeat(task.id(), 1, "w1", null)).isEqualTo(new Heartbeat(null, true));
        assertThatThrownBy(() -> remote.complete(task.id(), 1, "w1", "too late"))
                .isInstanceOf(AttemptNotCurrentException.class).hasMessageEndingWith("the task was cancelled");
        assertThat(stored(task).status()).isEqualTo(TaskStatus.CANCELLED);
    }

    @Test
    void progressIsKeptOnTheTaskAndPublished() throws Exception {
        VenomTask task = gpuTask("with progress");
        claimNow("w1");

        remote.heartbeat(task.id(), 1, "w1", new Progress(40, "halfway"));

        assertThat(stored(task).progress()).isEqualTo(new Progress(40, "halfway"));
        timers.runDue();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> events.stream()
                .anyMatch(e -> e.type() == TaskEvent.Type.PROGRESS && e.task().id().equals(task.id())));
    }

    @Test
    void aReleasedTaskRunsAgainAndAQueueTheServerRunsIsRefused() throws Exception {
        VenomTask task = gpuTask("released");
        claimNow("w1");

        VenomTask released = remote.release(task.id(), 1, "w1");

        assertThat(released.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(released.logs().get(released.logs().size() - 1)).startsWith("Released by worker:w1, will run again");
        assertThat(claimNow("w2")).extracting(c -> c.task().id()).containsExactly(task.id());
        assertThatThrownBy(() -> remote.claim(new WorkRequest("w1", List.of("default"), Map.of(), 1, Duration.ZERO)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("queue 'default' is not served by remote workers here (remote queues: gpu)");
    }
}
