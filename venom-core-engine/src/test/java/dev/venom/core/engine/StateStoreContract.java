package dev.venom.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.venom.core.model.Progress;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.Timestamps;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The semantics every {@link StateStore} must have. Each store's test extends this class and says how
 * to open a fresh, empty store on a given clock.
 */
public abstract class StateStoreContract {

    protected static final Duration LEASE = Duration.ofSeconds(30);
    /** Starts at the real time, so a store on a database clock ({@code PostgresStateStore}) agrees with it. */
    protected final SettableClock clock = new SettableClock(Instant.now().truncatedTo(ChronoUnit.MILLIS));
    protected StateStore store;

    /** A new, empty store reading time from {@code clock}. */
    protected abstract StateStore openStore(SettableClock clock) throws Exception;

    @BeforeEach
    void openFreshStore() throws Exception {
        store = openStore(clock);
    }

    @AfterEach
    void closeStore() {
        if (store != null) { // null when the store could not be opened and the test was skipped
            store.close();
        }
    }

    protected VenomTask newTask(String content) {
        return VenomTask.create(UUID.randomUUID(), content, clock.instant());
    }

    protected VenomTask inserted(String content) {
        return store.insert(newTask(content)).join();
    }

    @Test
    void insertedTaskCanBeFoundAsStored() {
        VenomTask task = newTask("hello");

        VenomTask stored = store.insert(task).join();

        assertThat(store.find(task.id())).contains(stored);
        assertThat(stored).usingRecursiveComparison().ignoringFields("version").isEqualTo(task);
    }

    @Test
    void requirementsAndProgressAreStoredAndReadBack() {
        VenomTask task = VenomTask.create(UUID.randomUUID(), new TaskRequest("needs a gpu")
                .withRequires(Map.of("gpu", "a100", "zone", "eu")), 1, null, clock.instant());
        store.insert(task).join();
        Claim claim = store.claim(ClaimRequest.of("node-a", 1, LEASE)).get(0);

        VenomTask reported = store.update(claim.task(), claim.task().reportProgress(new Progress(40, "halfway"),
                clock.instant())).join().orElseThrow();

        VenomTask found = store.find(task.id()).orElseThrow();
        assertThat(found.requires()).isEqualTo(Map.of("gpu", "a100", "zone", "eu"));
        assertThat(found.progress()).isEqualTo(new Progress(40, "halfway"));
        assertThat(found).isEqualTo(reported);
    }

    @Test
    void aClaimWithLabelsTakesOnlyTasksWhoseRequirementsTheySatisfy() {
        VenomTask a100 = store.insert(VenomTask.create(UUID.randomUUID(), new TaskRequest("a100")
                .withRequires(Map.of("gpu", "a100")), 1, null, clock.instant())).join();
        clock.advance(Duration.ofMillis(1));
        VenomTask any = inserted("any worker");
        ClaimRequest t4 = new ClaimRequest("worker:t4", LEASE, Map.of("default", 5), Map.of("gpu", "t4"));
        ClaimRequest big = new ClaimRequest("worker:big", LEASE, Map.of("default", 5),
                Map.of("gpu", "a100", "zone", "eu"));

        assertThat(store.claim(t4)).extracting(c -> c.task().id()).containsExactly(any.id());
        assertThat(store.claim(t4)).isEmpty();
        assertThat(store.claim(big)).extracting(c -> c.task().id()).containsExactly(a100.id());
    }

    @Test
    void claimOfNamesTheHolderOfAProcessingTaskOnly() {
        VenomTask task = inserted("held");
        assertThat(store.claimOf(task.id())).isEmpty();

        Claim claim = store.claim(ClaimRequest.of("worker:w1", 1, LEASE)).get(0);

        Claim held = store.claimOf(task.id()).orElseThrow();
        assertThat(held.owner()).isEqualTo("worker:w1");
        assertThat(held.task()).isEqualTo(store.find(task.id()).orElseThrow());
        assertThat(held.leaseExpiresAt()).isCloseTo(claim.leaseExpiresAt(), within(1, ChronoUnit.SECONDS));
        store.update(claim.task(), claim.task().complete("done", clock.instant())).join();
        assertThat(store.claimOf(task.id())).isEmpty();
        assertThat(store.claimOf(UUID.randomUUID())).isEmpty();
    }

    @Test
    void aBatchIsStoredWholeInOrderOrNotAtAll() {
        VenomTask existing = inserted("existing");
        List<VenomTask> batch = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofMillis(1));
            batch.add(newTask("batch " + i));
        }

        List<VenomTask> stored = store.insertAll(batch).join();

        assertThat(stored).extracting(VenomTask::id).containsExactlyElementsOf(batch.stream().map(VenomTask::id).toList());
        assertThat(stored).allMatch(task -> task.version() == 1);
        assertThat(store.list(TaskQuery.firstPage(10)).tasks()).extracting(VenomTask::content)
                .containsExactly("existing", "batch 0", "batch 1", "batch 2", "batch 3", "batch 4");
        assertThat(store.claim(ClaimRequest.of("node-a", 10, LEASE))).hasSize(6);

        VenomTask fresh = newTask("fresh");
        Throwable refused = org.assertj.core.api.Assertions.catchThrowable(
                () -> store.insertAll(List.of(fresh, existing)).join());
        assertThat(VenomException.unwrap(refused)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(existing.id().toString());
        assertThat(store.find(fresh.id())).isEmpty();
    }

    @Test
    void unknownIdIsNotFound() {
        assertThat(store.find(UUID.randomUUID())).isEmpty();
    }

    @Test
    void insertingAnExistingIdIsRejected() {
        VenomTask task = inserted("once");

        assertThatThrownBy(() -> store.insert(task).join())
                .hasMessageContaining(task.id().toString());
    }

    @Test
    void listIsOldestFirstAndPagesWithACursor() {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(inserted("t" + i).id());
            clock.advance(Duration.ofMillis(1));
        }

        TaskPage first = store.list(TaskQuery.firstPage(2));
        TaskPage second = store.list(TaskQuery.firstPage(2).after(first));
        TaskPage last = store.list(TaskQuery.firstPage(2).after(second));

        assertThat(first.tasks()).extracting(VenomTask::id).containsExactly(ids.get(0), ids.get(1));
        assertThat(second.tasks()).extracting(VenomTask::id).containsExactly(ids.get(2), ids.get(3));
        assertThat(last.tasks()).extracting(VenomTask::id).containsExactly(ids.get(4));
        assertThat(last.nextCursor()).isEmpty();
    }

    @Test
    void listFiltersByStatus() {
        VenomTask a = inserted("a");
        inserted("b");
        store.claim(ClaimRequest.of("node-1", 1, LEASE));

        TaskPage processing = store.list(new TaskQuery(Set.of(TaskStatus.PROCESSING), Optional.empty(), 10));

        assertThat(processing.tasks()).extracting(VenomTask::id).containsExactly(a.id());
    }

    @Test
    void claimStartsTheOldestPendingTasksUpToTheLimit() {
        VenomTask first = inserted("first");
        VenomTask second = inserted("second");
        inserted("third");

        List<Claim> claims = store.claim(ClaimRequest.of("node-1", 2, LEASE));

        assertThat(claims).extracting(c -> c.task().id()).containsExactly(first.id(), second.id());
        assertThat(claims).allSatisfy(claim -> {
            assertThat(claim.owner()).isEqualTo("node-1");
            assertThat(claim.leaseExpiresAt()).isBetween(clock.instant().plus(LEASE), clock.instant().plus(LEASE)
                    .plusSeconds(2)); // a database computes it on its own clock
            assertThat(claim.task().status()).isEqualTo(TaskStatus.PROCESSING);
            assertThat(claim.task().attempts()).isEqualTo(1);
            assertThat(claim.task().logs()).last().asString().startsWith("Processing started: ");
        });
        assertThat(store.find(first.id()).orElseThrow().status()).isEqualTo(TaskStatus.PROCESSING);
    }

    @Test
    void concurrentClaimersNeverClaimOneTaskTwice() throws Exception {
        for (int i = 0; i < 200; i++) {
            inserted("t" + i);
        }
        Set<UUID> claimed = ConcurrentHashMap.newKeySet();
        List<UUID> all = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch go = new CountDownLatch(1);
        for (int n = 0; n < 4; n++) {
            String owner = "node-" + n;
            pool.execute(() -> {
                try {
                    go.await();
                    List<Claim> batch;
                    do {
                        batch = store.claim(ClaimRequest.of(owner, 7, LEASE));
                        batch.forEach(c -> {
                            claimed.add(c.task().id());
                            all.add(c.task().id());
                        });
                    } while (!batch.isEmpty());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        go.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        assertThat(all).hasSize(200);
        assertThat(claimed).hasSize(200);
    }

    @Test
    void updateAppliesOnlyAtTheVersionItWasReadAt() {
        VenomTask task = inserted("x");
        Claim claim = store.claim(ClaimRequest.of("node-1", 1, LEASE)).get(0);
        VenomTask done = claim.task().complete("Processed: x", clock.instant());

        Optional<VenomTask> stored = store.update(claim.task(), done).join();
        Optional<VenomTask> stale = store.update(claim.task(), claim.task().fail("late", clock.instant())).join();

        assertThat(stored).isPresent();
        assertThat(stored.get().version()).isGreaterThan(claim.task().version());
        assertThat(stale).isEmpty();
        VenomTask found = store.find(task.id()).orElseThrow();
        assertThat(found.status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(found.result()).isEqualTo("Processed: x");
        assertThat(found.logs()).last().asString().startsWith("Processing completed: ");
    }

    @Test
    void ofTwoWritesFromOneVersionSentTogetherExactlyOneApplies() {
        for (int i = 0; i < 100; i++) {
            inserted("t" + i);
        }
        List<Claim> claims = store.claim(ClaimRequest.of("node-1", 100, LEASE));
        assertThat(claims).hasSize(100);
        List<CompletableFuture<Optional<VenomTask>>> completions = new ArrayList<>();
        List<CompletableFuture<Optional<VenomTask>>> failures = new ArrayList<>();

        // Sent without waiting, so a store that writes in batches sees both writes of a task in flight at once.
        for (Claim claim : claims) {
            VenomTask running = claim.task();
            completions.add(store.update(running, running.complete("done " + running.content(), clock.instant())));
            failures.add(store.update(running, running.fail("late", clock.instant())));
        }

        for (int i = 0; i < claims.size(); i++) {
            Optional<VenomTask> completed = completions.get(i).join();
            Optional<VenomTask> failed = failures.get(i).join();
            assertThat(completed.isPresent()).as("exactly one write applies").isNotEqualTo(failed.isPresent());
            VenomTask winner = completed.orElseGet(failed::orElseThrow);
            VenomTask found = store.find(claims.get(i).task().id()).orElseThrow();
            assertThat(found).isEqualTo(winner);
            assertThat(found.version()).isEqualTo(claims.get(i).task().version() + 1);
        }
    }

    @Test
    void anUpdateThatRewritesTheLogsReplacesThemWhole() {
        inserted("x");
        VenomTask running = store.claim(ClaimRequest.of("node-1", 1, LEASE)).get(0).task();
        VenomTask rewritten = new VenomTask(running.id(), running.content(), running.createdAt(), TaskStatus.PENDING,
                null, List.of("only line"), running.priority(), running.attempts(), running.maxAttempts(),
                clock.instant().plusSeconds(60), running.timeoutMs(), running.idempotencyKey(), running.queue(),
                clock.instant(), null,
                running.version());

        VenomTask stored = store.update(running, rewritten).join().orElseThrow();

        VenomTask found = store.find(running.id()).orElseThrow();
        assertThat(found).isEqualTo(stored);
        assertThat(found.logs()).containsExactly("only line");
        assertThat(found.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(found.result()).isNull();
        assertThat(found.runAt()).isEqualTo(clock.instant().plusSeconds(60));
        assertThat(found.finishedAt()).isNull();
    }

    @Test
    void finishedTasksAreNotClaimedAgain() {
        inserted("x");
        Claim claim = store.claim(ClaimRequest.of("node-1", 1, LEASE)).get(0);
        store.update(claim.task(), claim.task().complete("r", clock.instant())).join();

        assertThat(store.claim(ClaimRequest.of("node-1", 10, LEASE))).isEmpty();
    }

    @Test
    void requeuedTaskIsClaimableAgainWithTheNextAttempt() {
        inserted("x");
        Claim first = store.claim(ClaimRequest.of("node-1", 1, LEASE)).get(0);
        store.update(first.task(), first.task().requeue("Interrupted", clock.instant())).join();

        List<Claim> again = store.claim(ClaimRequest.of("node-2", 1, LEASE));

        assertThat(again).hasSize(1);
        assertThat(again.get(0).task().attempts()).isEqualTo(2);
    }

    @Test
    void claimsOfAnswersTheClaimsAnOwnerStillHoldsAndNoOthers() {
        VenomTask finished = inserted("finished");
        VenomTask held = inserted("held");
        VenomTask other = inserted("other's");
        List<Claim> mine = store.claim(ClaimRequest.of("node-1", 2, LEASE));
        store.claim(ClaimRequest.of("node-2", 1, LEASE));
        Claim done = mine.stream().filter(c -> c.task().id().equals(finished.id())).findFirst().orElseThrow();
        store.update(done.task(), done.task().complete("r", clock.instant())).join();

        List<Claim> claims = store.claimsOf("node-1");

        assertThat(claims).extracting(c -> c.task().id()).containsExactly(held.id());
        assertThat(claims.get(0).task().status()).isEqualTo(TaskStatus.PROCESSING);
        assertThat(claims.get(0).owner()).isEqualTo("node-1");
        assertThat(store.renew(claims.get(0), LEASE)).isPresent();
        assertThat(store.claimsOf("node-2")).extracting(c -> c.task().id()).containsExactly(other.id());
        assertThat(store.claimsOf("node-3")).isEmpty();
    }

    @Test
    void renewExtendsTheLeaseWhileTheClaimIsHeld() {
        inserted("x");
        Claim claim = store.claim(ClaimRequest.of("node-1", 1, LEASE)).get(0);
        clock.advance(Duration.ofSeconds(20));

        Optional<Claim> renewed = store.renew(claim, LEASE);

        assertThat(renewed).map(Claim::leaseExpiresAt).hasValueSatisfying(expiry ->
                assertThat(expiry).isBetween(clock.instant().plus(LEASE), clock.instant().plus(LEASE).plusSeconds(2)));
        clock.advance(Duration.ofSeconds(20));
        assertThat(store.rescueExpired()).isZero();
    }

    @Test
    void expiredClaimIsRescuedToPendingAndTheOldHolderIsFencedOff() {
        VenomTask task = inserted(new TaskRequest("x").withMaxAttempts(2), null);
        Claim claim = store.claim(ClaimRequest.of("node-1", 1, LEASE)).get(0);
        clock.advance(LEASE.plusSeconds(1));

        int rescued = store.rescueExpired();

        assertThat(rescued).isEqualTo(1);
        VenomTask found = store.find(task.id()).orElseThrow();
        assertThat(found.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(found.logs()).last().asString().contains("node-1");
        assertThat(store.renew(claim, LEASE)).isEmpty();
        assertThat(store.update(claim.task(), claim.task().complete("late", clock.instant())).join()).isEmpty();
        assertThat(store.claim(ClaimRequest.of("node-2", 1, LEASE))).extracting(c -> c.task().attempts()).containsExactly(2);
    }

    protected VenomTask inserted(TaskRequest request, String key) {
        return store.insert(VenomTask.create(UUID.randomUUID(), request, 1, key, clock.instant())).join();
    }

    @Test
    void claimTakesTheHighestPriorityFirstThenTheOldest() {
        VenomTask low = inserted("low");
        VenomTask highOld = inserted(new TaskRequest("high-old").withPriority(9), null);
        VenomTask mid = inserted(new TaskRequest("mid").withPriority(5), null);
        VenomTask highNew = inserted(new TaskRequest("high-new").withPriority(9), null);

        List<UUID> order = new ArrayList<>();
        List<Claim> batch;
        while (!(batch = store.claim(ClaimRequest.of("node-1", 1, LEASE))).isEmpty()) {
            order.add(batch.get(0).task().id());
        }

        assertThat(order).containsExactly(highOld.id(), highNew.id(), mid.id(), low.id());
    }

    @Test
    void aTaskIsNotClaimedBeforeItsRunAt() {
        VenomTask later = inserted(new TaskRequest("later").withRunAt(clock.instant().plusSeconds(60)), null);
        VenomTask now = inserted("now");

        assertThat(store.claim(ClaimRequest.of("node-1", 10, LEASE))).extracting(c -> c.task().id()).containsExactly(now.id());
        clock.advance(Duration.ofSeconds(59));
        assertThat(store.claim(ClaimRequest.of("node-1", 10, LEASE))).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(store.claim(ClaimRequest.of("node-1", 10, LEASE))).extracting(c -> c.task().id()).containsExactly(later.id());
    }

    @Test
    void aRetryIsClaimableOnlyOnceItsBackoffHasPassed() {
        inserted(new TaskRequest("flaky").withMaxAttempts(2), null);
        Claim first = store.claim(ClaimRequest.of("node-1", 1, LEASE)).get(0);
        Instant retryAt = clock.instant().plusSeconds(5);
        store.update(first.task(), first.task().retry("boom", retryAt, clock.instant())).join();

        assertThat(store.claim(ClaimRequest.of("node-1", 1, LEASE))).isEmpty();
        clock.set(retryAt);
        assertThat(store.claim(ClaimRequest.of("node-1", 1, LEASE))).extracting(c -> c.task().attempts()).containsExactly(2);
    }

    @Test
    void aCancelledPendingTaskIsNeverClaimed() {
        VenomTask task = inserted("x");

        store.update(task, task.cancel(clock.instant())).join();

        assertThat(store.claim(ClaimRequest.of("node-1", 10, LEASE))).isEmpty();
        assertThat(store.find(task.id()).orElseThrow().status()).isEqualTo(TaskStatus.CANCELLED);
    }

    @Test
    void countFollowsEveryTransition() {
        VenomTask a = inserted("a");
        inserted("b");
        inserted(new TaskRequest("later").withRunAt(clock.instant().plusSeconds(60)), null);
        Claim claim = store.claim(ClaimRequest.of("node-1", 1, LEASE)).get(0);
        store.update(claim.task(), claim.task().complete("r", clock.instant())).join();

        assertThat(claim.task().id()).isEqualTo(a.id());
        assertThat(store.count(TaskStatus.PENDING)).isEqualTo(2);
        assertThat(store.count(TaskStatus.PROCESSING)).isZero();
        assertThat(store.count(TaskStatus.COMPLETED)).isEqualTo(1);
    }

    @Test
    void aTakenIdempotencyKeyReturnsTheTaskThatHoldsIt() {
        VenomTask first = inserted(new TaskRequest("x"), "key-1");

        VenomTask again = inserted(new TaskRequest("other"), "key-1");
        VenomTask otherKey = inserted(new TaskRequest("x"), "key-2");

        assertThat(again.id()).isEqualTo(first.id());
        assertThat(again.content()).isEqualTo("x");
        assertThat(otherKey.id()).isNotEqualTo(first.id());
        assertThat(store.list(TaskQuery.firstPage(10)).tasks()).hasSize(2);
    }

    @Test
    void concurrentInsertsWithOneKeyAddExactlyOneTask() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<java.util.concurrent.Future<VenomTask>> results = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            results.add(pool.submit(() -> {
                go.await();
                return inserted(new TaskRequest("same"), "shared-key");
            }));
        }
        go.countDown();
        Set<UUID> ids = ConcurrentHashMap.newKeySet();
        for (var result : results) {
            ids.add(result.get(30, TimeUnit.SECONDS).id());
        }
        pool.shutdown();

        assertThat(ids).hasSize(1);
        assertThat(store.list(TaskQuery.firstPage(100)).tasks()).extracting(VenomTask::id).containsExactlyElementsOf(ids);
    }

    @Test
    void aCursorIsOpaqueAndAnInvalidOneIsRejected() {
        inserted("a");
        inserted("b");

        TaskPage first = store.list(TaskQuery.firstPage(1));

        assertThat(first.nextCursor()).hasValueSatisfying(cursor -> assertThat(cursor).matches("[A-Za-z0-9_-]+"));
        assertThatThrownBy(() -> store.list(new TaskQuery(Set.of(), Optional.of("not-a-cursor"), 10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid cursor");
    }

    @Test
    void anExpiredClaimOnTheLastAttemptEndsFailedNamingTheLostOwner() {
        VenomTask task = inserted("x");
        store.claim(ClaimRequest.of("node-1", 1, LEASE));
        clock.advance(LEASE.plusSeconds(1));

        assertThat(store.rescueExpired()).isEqualTo(1);

        VenomTask found = store.find(task.id()).orElseThrow();
        assertThat(found.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(found.result()).isEqualTo("Error: the claim of node-1 expired on its last attempt");
        assertThat(found.logs()).last().asString().startsWith("Claim of node-1 expired on the last attempt, failed: ");
        assertThat(found.finishedAt()).isNotNull();
        assertThat(store.claim(ClaimRequest.of("node-2", 1, LEASE))).isEmpty();
    }

    @Test
    void aRescueLogLineCarriesTheTimeInTheTaskFormat() {
        inserted(new TaskRequest("x").withMaxAttempts(3), null);
        store.claim(ClaimRequest.of("node-1", 1, LEASE));
        clock.advance(LEASE.plusSeconds(1));
        store.rescueExpired();

        Claim again = store.claim(ClaimRequest.of("node-2", 1, LEASE)).get(0);

        assertThat(again.task().logs()).anyMatch(line -> line.matches(
                "Claim of node-1 expired, requeued: \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z"));
        assertThat(again.task().logs()).last().asString().matches(
                "Processing started: \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
    }

    /** A new task of two allowed attempts, stored claimed by {@code node-1}; skips the test for a store without it. */
    private Claim insertedClaimed(VenomTask task) {
        Optional<Claim> stored = store.insertClaimed(task, "node-1", LEASE).join();
        assumeTrue(stored.isPresent(), "this store inserts new tasks PENDING (the default insertClaimed)");
        return stored.get();
    }

    private VenomTask newTaskOfTwoAttempts() {
        return VenomTask.create(UUID.randomUUID(), new TaskRequest("arrived").withMaxAttempts(2), 1, null,
                clock.instant());
    }

    @Test
    void aTaskInsertedClaimedIsStoredStartedAtVersionTwoAndHeldByItsOwner() {
        VenomTask task = newTaskOfTwoAttempts();

        Claim claim = insertedClaimed(task);

        VenomTask started = claim.task();
        assertThat(started.id()).isEqualTo(task.id());
        assertThat(started.status()).isEqualTo(TaskStatus.PROCESSING);
        assertThat(started.attempts()).isEqualTo(1);
        assertThat(started.version()).isEqualTo(2);
        assertThat(started.logs()).containsExactly(task.logs().get(0),
                "Processing started: " + Timestamps.format(task.createdAt()));
        assertThat(claim.owner()).isEqualTo("node-1");
        assertThat(claim.leaseExpiresAt()).isBetween(clock.instant().plus(LEASE).minusSeconds(2),
                clock.instant().plus(LEASE).plusSeconds(2));
        assertThat(store.find(task.id())).contains(started);
        assertThat(store.count(TaskStatus.PROCESSING)).isEqualTo(1);
        assertThat(store.count(TaskStatus.PENDING)).isZero();
        assertThat(store.claim(ClaimRequest.of("node-2", 10, LEASE))).isEmpty();
        assertThat(store.renew(claim, LEASE)).isPresent();
        VenomTask completed = store.update(started, started.complete("done", clock.instant())).join().orElseThrow();
        assertThat(completed.version()).isEqualTo(3);
        assertThat(store.find(task.id())).contains(completed);
    }

    @Test
    void aTaskInsertedClaimedWhoseLeaseExpiresIsRescuedLikeAnyClaim() {
        VenomTask task = newTaskOfTwoAttempts();
        Claim claim = insertedClaimed(task);
        clock.advance(LEASE.plusSeconds(1));

        assertThat(store.rescueExpired()).isEqualTo(1);

        VenomTask found = store.find(task.id()).orElseThrow();
        assertThat(found.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(found.logs()).last().asString().startsWith("Claim of node-1 expired, requeued: ");
        assertThat(store.update(claim.task(), claim.task().complete("late", clock.instant())).join()).isEmpty();
        assertThat(store.claim(ClaimRequest.of("node-2", 1, LEASE))).extracting(c -> c.task().attempts()).containsExactly(2);
    }

    @Test
    void onlyANewTaskDueNowWithoutIdempotencyKeyCanBeInsertedClaimed() {
        VenomTask keyed = VenomTask.create(UUID.randomUUID(), new TaskRequest("x"), 1, "key-1", clock.instant());
        VenomTask later = VenomTask.create(UUID.randomUUID(),
                new TaskRequest("x").withRunAt(clock.instant().plusSeconds(60)), 1, null, clock.instant());

        assertThatThrownBy(() -> store.insertClaimed(keyed, "node-1", LEASE).join())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("with an idempotency key");
        assertThatThrownBy(() -> store.insertClaimed(later, "node-1", LEASE).join())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("run_at");
        assertThat(store.find(keyed.id())).isEmpty();
        assertThat(store.find(later.id())).isEmpty();
        VenomTask existing = inserted("once");
        assertThatThrownBy(() -> store.insertClaimed(existing, "node-1", LEASE).join())
                .hasMessageContaining(existing.id().toString());
    }
    private VenomTask insertedIn(String queue, String content) {
        return inserted(new TaskRequest(content).withQueue(queue), null);
    }

    private static java.util.Map<String, Long> byQueue(List<Claim> claims) {
        return claims.stream().collect(java.util.stream.Collectors.groupingBy(c -> c.task().queue(),
                java.util.stream.Collectors.counting()));
    }

    @Test
    void anExactCountCountsEveryTaskInTheStatusNow() {
        inserted("a");
        store.count(TaskStatus.PENDING); // a store may answer the next count from what it read here
        inserted("b");

        assertThat(store.countExact(TaskStatus.PENDING)).isEqualTo(2);
        assertThat(store.countExact(TaskStatus.COMPLETED)).isZero();
    }

    @Test
    void aTaskKeepsItsQueueAndOneNamingNoneIsInTheDefaultQueue() {
        VenomTask urgent = insertedIn("urgent", "u");
        VenomTask plain = inserted("p");

        assertThat(store.find(urgent.id()).orElseThrow().queue()).isEqualTo("urgent");
        assertThat(store.find(plain.id()).orElseThrow().queue()).isEqualTo(TaskRequest.DEFAULT_QUEUE);
    }

    @Test
    void oneClaimTakesFromEachQueueUpToItsOwnLimitAndNothingFromAQueueNotAsked() {
        for (int i = 0; i < 3; i++) {
            insertedIn("a", "a" + i);
            insertedIn("b", "b" + i);
            insertedIn("c", "c" + i);
        }

        List<Claim> claims = store.claim(new ClaimRequest("node-1", LEASE, java.util.Map.of("a", 2, "b", 1)));

        assertThat(byQueue(claims)).isEqualTo(java.util.Map.of("a", 2L, "b", 1L));
        assertThat(claims).allSatisfy(claim -> assertThat(claim.task().status()).isEqualTo(TaskStatus.PROCESSING));
    }

    @Test
    void priorityOrdersTasksWithinTheirQueue() {
        VenomTask low = insertedIn("a", "low");
        VenomTask high = inserted(new TaskRequest("high").withQueue("a").withPriority(9), null);
        insertedIn("b", "other");

        List<Claim> claims = store.claim(new ClaimRequest("node-1", LEASE, java.util.Map.of("a", 1)));

        assertThat(claims).extracting(c -> c.task().id()).containsExactly(high.id());
        assertThat(store.find(low.id()).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
    }

    @Test
    void aPausedQueueGivesNoClaimUntilResumedWhileOthersGoOn() {
        VenomTask held = insertedIn("a", "held");
        VenomTask other = insertedIn("b", "other");
        java.util.Map<String, Integer> both = java.util.Map.of("a", 5, "b", 5);

        store.pause("a", true).join();
        List<Claim> whilePaused = store.claim(new ClaimRequest("node-1", LEASE, both));
        store.pause("a", false).join();
        List<Claim> afterResume = store.claim(new ClaimRequest("node-1", LEASE, both));

        assertThat(whilePaused).extracting(c -> c.task().id()).containsExactly(other.id());
        assertThat(afterResume).extracting(c -> c.task().id()).containsExactly(held.id());
    }

    @Test
    void pausingEveryQueueStopsAllClaimsAndResumingAllResumesEachQueueToo() {
        insertedIn("a", "a");
        insertedIn("b", "b");
        java.util.Map<String, Integer> both = java.util.Map.of("a", 5, "b", 5);
        store.pause("a", true).join();

        store.pause(QueueState.ALL, true).join();
        assertThat(store.queues()).contains(new QueueState(QueueState.ALL, true), new QueueState("a", true));
        assertThat(store.claim(new ClaimRequest("node-1", LEASE, both))).isEmpty();

        store.pause(QueueState.ALL, false).join();
        assertThat(store.queues()).noneMatch(QueueState::paused);
        assertThat(byQueue(store.claim(new ClaimRequest("node-1", LEASE, both))))
                .isEqualTo(java.util.Map.of("a", 1L, "b", 1L));
    }

    @Test
    void queuesListsEveryQueueATaskWasStoredInOrThatWasPaused() {
        insertedIn("urgent", "u");
        store.pause("quiet", true).join();

        assertThat(store.queues()).contains(new QueueState("urgent", false), new QueueState("quiet", true));
    }

    @Test
    void queueCountsCountWaitingAndRunningTasksOfEachQueue() {
        VenomTask first = insertedIn("a", "a1");
        insertedIn("a", "a2");
        insertedIn("b", "b1");
        store.claim(new ClaimRequest("node-1", LEASE, java.util.Map.of("a", 1)));

        java.util.Map<String, QueueCounts> counts = store.queueCounts();

        assertThat(counts.get("a").pending()).isEqualTo(1);
        assertThat(counts.get("a").processing()).isEqualTo(1);
        assertThat(counts.get("b").pending()).isEqualTo(1);
        assertThat(counts.get("b").processing()).isZero();
        assertThat(counts.get("b").oldestPending()).isPresent();
        assertThat(store.find(first.id()).orElseThrow().status()).isEqualTo(TaskStatus.PROCESSING);
    }

    @Test
    void listFiltersByQueue() {
        VenomTask a = insertedIn("a", "a");
        insertedIn("b", "b");

        TaskPage page = store.list(new TaskQuery(Set.of(), Optional.empty(), 10, Optional.of("a")));

        assertThat(page.tasks()).extracting(VenomTask::id).containsExactly(a.id());
    }

    private VenomTask dependent(String content, VenomTask... dependencies) {
        return VenomTask.create(UUID.randomUUID(), new TaskRequest(content)
                .withDependsOn(java.util.Arrays.stream(dependencies).map(VenomTask::id).toList()), 1, null,
                clock.instant());
    }

    private Claim claimOnly(VenomTask task) {
        List<Claim> claims = store.claim(ClaimRequest.of("node-1", 10, LEASE));
        assertThat(claims).extracting(c -> c.task().id()).containsExactly(task.id());
        return claims.get(0);
    }

    private VenomTask completed(Claim claim) {
        return store.update(claim.task(), claim.task().complete("result of " + claim.task().content(),
                clock.instant())).join().orElseThrow();
    }

    @Test
    void aDependentWaitsUnclaimedUntilEveryDependencyCompletedAndThenIsClaimable() {
        VenomTask a = inserted("a");
        VenomTask b = inserted("b");
        VenomTask d = store.insert(dependent("d", a, b)).join();
        assertThat(d.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(d.waitingOn()).containsExactly(a.id(), b.id());

        List<Claim> claims = store.claim(ClaimRequest.of("node-1", 10, LEASE));
        assertThat(claims).extracting(c -> c.task().id()).containsExactly(a.id(), b.id());
        completed(claims.get(0));
        assertThat(store.find(d.id()).orElseThrow().waitingOn()).containsExactly(b.id());
        assertThat(store.claim(ClaimRequest.of("node-1", 10, LEASE))).isEmpty();
        completed(claims.get(1));

        VenomTask released = store.find(d.id()).orElseThrow();
        assertThat(released.waitingOn()).isEmpty();
        assertThat(released.dependsOn()).containsExactly(a.id(), b.id());
        assertThat(released.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(released.logs()).last().asString().startsWith("Dependencies completed: ");
        assertThat(claimOnly(d).task().attempts()).isEqualTo(1);
        assertThat(store.dependentsOf(a.id(), 10)).extracting(VenomTask::id).containsExactly(d.id());
        assertThat(store.dependentsOf(d.id(), 10)).isEmpty();
    }

    @Test
    void aDependencyThatFailsCancelsItsDependentsDownTheChainAndTellsOfEach() {
        List<TaskChange> told = new java.util.concurrent.CopyOnWriteArrayList<>();
        if (store instanceof StoreSignals signals) {
            signals.onDependentsChanged(told::addAll);
        }
        VenomTask a = inserted("a");
        VenomTask b = store.insert(dependent("b", a)).join();
        VenomTask c = store.insert(dependent("c", b)).join();
        Claim claim = claimOnly(a);

        store.update(claim.task(), claim.task().fail("boom", clock.instant())).join().orElseThrow();

        VenomTask cancelledB = store.find(b.id()).orElseThrow();
        VenomTask cancelledC = store.find(c.id()).orElseThrow();
        assertThat(cancelledB.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(cancelledB.logs()).last().asString().startsWith("Dependency " + a.id() + " ended FAILED: ");
        assertThat(cancelledB.finishedAt()).isNotNull();
        assertThat(cancelledC.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(cancelledC.logs()).last().asString().startsWith("Dependency " + b.id() + " ended CANCELLED: ");
        assertThat(store.count(TaskStatus.CANCELLED)).isEqualTo(2);
        assertThat(store.claim(ClaimRequest.of("node-1", 10, LEASE))).isEmpty();
        if (store instanceof StoreSignals) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> told.size() == 2);
            assertThat(told).extracting(change -> change.after().id()).containsExactly(b.id(), c.id());
            assertThat(told).extracting(change -> change.before().status()).containsOnly(TaskStatus.PENDING);
        }
    }

    @Test
    void aDependentOfACompletedTaskRunsAtOnceAndOneOfAnEndedTaskIsStoredCancelled() {
        VenomTask done = completed(claimOnly(inserted("done")));
        VenomTask cancelled = inserted("cancelled");
        store.update(cancelled, cancelled.cancel(clock.instant())).join().orElseThrow();

        VenomTask runs = store.insert(dependent("runs", done)).join();
        VenomTask never = store.insert(dependent("never", done, cancelled)).join();

        assertThat(runs.waitingOn()).isEmpty();
        assertThat(claimOnly(runs).task().id()).isEqualTo(runs.id());
        assertThat(never.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(store.find(never.id()).orElseThrow().logs()).last().asString()
                .startsWith("Dependency " + cancelled.id() + " ended CANCELLED: ");
    }

    @Test
    void anUnknownDependencyIsRefusedAndNothingIsStored() {
        VenomTask a = inserted("a");
        UUID unknown = UUID.randomUUID();
        VenomTask task = VenomTask.create(UUID.randomUUID(), new TaskRequest("x").withDependsOn(List.of(a.id(),
                unknown)), 1, null, clock.instant());

        assertThatThrownBy(() -> store.insert(task).join()).hasCauseInstanceOf(UnknownDependencyException.class)
                .hasMessageContaining(unknown.toString());
        assertThat(store.find(task.id())).isEmpty();
        assertThatThrownBy(() -> store.insertAll(List.of(newTask("ok"), task)).join())
                .cause().isInstanceOfSatisfying(UnknownDependencyException.class, e -> {
                    assertThat(e.entry()).hasValue(1);
                    assertThat(e.position()).isEqualTo(1);
                });
        assertThat(store.count(TaskStatus.PENDING)).isEqualTo(1);
    }

    @Test
    void aTaskOfABatchMayWaitOnAnEarlierOneOfTheSameBatch() {
        VenomTask first = newTask("first");
        VenomTask second = dependent("second", first);

        List<VenomTask> stored = store.insertAll(List.of(first, second)).join();

        assertThat(stored.get(1).waitingOn()).containsExactly(first.id());
        Claim claim = claimOnly(first);
        completed(claim);
        assertThat(claimOnly(second).task().dependsOn()).containsExactly(first.id());
    }

    @Test
    void aLastAttemptWhoseClaimExpiredCancelsItsDependents() {
        VenomTask a = inserted("a");
        VenomTask b = store.insert(dependent("b", a)).join();
        claimOnly(a);
        clock.advance(LEASE.plusSeconds(5));

        assertThat(store.rescueExpired()).isEqualTo(1);

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> store.find(b.id()).orElseThrow().status() == TaskStatus.CANCELLED);
        assertThat(store.find(b.id()).orElseThrow().logs()).last().asString()
                .startsWith("Dependency " + a.id() + " ended FAILED: ");
    }

    @Test
    void aScheduleIsStoredChangedOnlyAtTheVersionItWasReadAtAndDeleted() {
        Schedule nightly = Schedule.create("nightly", Recurrence.cron("30 2 * * *", "Europe/Warsaw"),
                new TaskRequest("report").withQueue("reports").withPriority(4).withRequires(Map.of("gpu", "t4")),
                Misfire.RUN_ONCE, clock.instant());
        Schedule often = Schedule.create("often", Recurrence.every(Duration.ofSeconds(30)), new TaskRequest("ping"),
                Misfire.SKIP, clock.instant());

        Schedule stored = store.insertSchedule(nightly).join();
        store.insertSchedule(often).join();

        assertThat(stored).isEqualTo(nightly.withVersion(1));
        assertThat(store.schedules()).containsExactly(stored, often.withVersion(1));
        assertThatThrownBy(() -> store.insertSchedule(nightly).join()).hasCauseInstanceOf(ScheduleExistsException.class);
        Instant fired = clock.instant().plusSeconds(60);
        UUID task = UUID.randomUUID();
        Schedule changed = store.updateSchedule(stored, stored.covered(fired, fired, task)).join().orElseThrow();
        assertThat(changed.version()).isEqualTo(2);
        assertThat(store.updateSchedule(stored, stored.withPaused(true, fired)).join()).isEmpty();
        assertThat(store.schedules().get(0)).isEqualTo(changed);
        assertThat(store.schedules().get(0).lastTaskId()).isEqualTo(task);
        assertThat(store.deleteSchedule("nightly").join()).isTrue();
        assertThat(store.deleteSchedule("nightly").join()).isFalse();
        assertThat(store.updateSchedule(changed, changed.withPaused(true, fired)).join()).isEmpty();
        assertThat(store.schedules()).extracting(Schedule::name).containsExactly("often");
        Schedule again = store.insertSchedule(Schedule.create("nightly", Recurrence.every(Duration.ofMinutes(5)),
                new TaskRequest("again"), Misfire.SKIP, clock.instant().plusSeconds(1))).join();
        assertThat(store.updateSchedule(stored, stored.withPaused(true, fired)).join())
                .as("a version of the schedule deleted before").isEmpty();
        assertThat(store.schedules()).contains(again);
    }
}
