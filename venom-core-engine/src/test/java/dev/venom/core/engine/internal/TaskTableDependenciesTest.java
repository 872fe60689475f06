package dev.venom.core.engine.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.venom.core.engine.Claim;
import dev.venom.core.engine.ClaimRequest;
import dev.venom.core.engine.SettableClock;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Dependents in the embedded table while the writes that change them are not yet durable, or fail. */
class TaskTableDependenciesTest {

    /** A change log whose writes complete when the test says. */
    private static final class HeldLog implements ChangeLog {
        final Deque<CompletableFuture<Void>> writes = new ArrayDeque<>();

        @Override
        public synchronized CompletableFuture<Void> append(VenomTask task) {
            CompletableFuture<Void> write = new CompletableFuture<>();
            writes.add(write);
            return write;
        }

        @Override
        public synchronized CompletableFuture<Void> appendAll(List<VenomTask> tasks) {
            return append(tasks.get(0));
        }

        synchronized CompletableFuture<Void> next() {
            return writes.poll();
        }

        void completeAll() {
            for (CompletableFuture<Void> write; (write = next()) != null; ) {
                write.complete(null);
            }
        }
    }

    private final SettableClock clock = new SettableClock(Instant.parse("2026-12-07T10:00:00Z"));
    private final HeldLog log = new HeldLog();
    private final TaskTable table = new TaskTable(clock, log);

    private VenomTask stored(VenomTask task) {
        CompletableFuture<VenomTask> insert = table.insert(task);
        log.completeAll();
        return insert.join();
    }

    private VenomTask dependentOf(VenomTask dependency) {
        return stored(VenomTask.create(UUID.randomUUID(), new TaskRequest("b").withDependsOn(List.of(dependency.id())),
                1, null, clock.instant()));
    }

    private List<Claim> claim() {
        List<Claim> claims = table.claim(ClaimRequest.of("n", 10, Duration.ofSeconds(30)));
        log.completeAll();
        return claims;
    }

    @Test
    void aReleasedDependentIsNotClaimableUntilTheReleaseIsDurable() {
        VenomTask a = stored(VenomTask.create(UUID.randomUUID(), "a", clock.instant()));
        VenomTask b = dependentOf(a);
        Claim running = claim().get(0);

        CompletableFuture<Optional<VenomTask>> completion = table.update(running.task(), running.task().complete("done", clock.instant()));

        assertThat(table.find(b.id()).orElseThrow().waitingOn()).isEmpty();
        assertThat(claim()).isEmpty();
        log.completeAll();
        completion.join();
        assertThat(claim()).extracting(c -> c.task().id()).containsExactly(b.id());
    }

    @Test
    void aDependentPutBackByAFailedWriteIsSettledIfItsDependencyEndedMeanwhile() {
        VenomTask a = stored(VenomTask.create(UUID.randomUUID(), "a", clock.instant()));
        VenomTask b = dependentOf(a);
        Claim running = claim().get(0);
        CompletableFuture<?> cancel = table.update(b, b.cancel(clock.instant()));
        CompletableFuture<Optional<VenomTask>> completion = table.update(running.task(), running.task().complete("done", clock.instant()));

        log.next().completeExceptionally(new IOException("disk hiccup")); // the cancel of b is lost
        log.completeAll();

        assertThat(cancel).isCompletedExceptionally();
        assertThat(completion.join()).isPresent();
        VenomTask settled = table.find(b.id()).orElseThrow();
        assertThat(settled.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(settled.waitingOn()).isEmpty();
        assertThat(claim()).extracting(c -> c.task().id()).containsExactly(b.id());
    }

    @Test
    void aDependentStillBeingStoredWhenItsDependencyEndsIsSettledOnceStoredAndNotBefore() {
        VenomTask a = stored(VenomTask.create(UUID.randomUUID(), "a", clock.instant()));
        Claim running = claim().get(0);
        CompletableFuture<VenomTask> inserting = table.insert(VenomTask.create(UUID.randomUUID(),
                new TaskRequest("b").withDependsOn(List.of(a.id())), 1, null, clock.instant()));
        CompletableFuture<Optional<VenomTask>> failing = table.update(running.task(), running.task().fail("no", clock.instant()));

        log.completeAll(); // b's insert, then a's end (which did not touch b), then b's settling
        log.completeAll();

        assertThat(failing.join()).isPresent();
        VenomTask b = table.find(inserting.join().id()).orElseThrow();
        assertThat(b.status()).isEqualTo(TaskStatus.CANCELLED);
        assertThat(b.logs()).last().asString().startsWith("Dependency " + a.id() + " ended FAILED: ");
        assertThat(table.count(TaskStatus.CANCELLED)).isEqualTo(1);
        assertThat(table.count(TaskStatus.PENDING)).isZero();
    }

    @Test
    void aDependentCreatedWhileItsDependencysEndIsOnItsWayWaitsForItAndIsReleasedOnceItIsDurable() {
        VenomTask a = stored(VenomTask.create(UUID.randomUUID(), "a", clock.instant()));
        Claim running = claim().get(0);
        CompletableFuture<Optional<VenomTask>> completion = table.update(running.task(),
                running.task().complete("done", clock.instant()));
        CompletableFuture<VenomTask> inserting = table.insert(VenomTask.create(UUID.randomUUID(),
                new TaskRequest("b").withDependsOn(List.of(a.id())), 1, null, clock.instant()));

        log.next().completeExceptionally(new IOException("disk hiccup")); // a's end is undone
        log.completeAll();

        assertThat(completion).isCompletedExceptionally();
        VenomTask b = inserting.join();
        assertThat(table.find(a.id()).orElseThrow().status()).isEqualTo(TaskStatus.PROCESSING);
        assertThat(table.find(b.id()).orElseThrow().waitingOn()).containsExactly(a.id());
        VenomTask current = table.find(a.id()).orElseThrow();
        CompletableFuture<Optional<VenomTask>> again = table.update(current, current.complete("done", clock.instant()));
        log.completeAll();
        log.completeAll();
        assertThat(again.join()).isPresent();
        assertThat(table.find(b.id()).orElseThrow().waitingOn()).isEmpty();
        assertThat(claim()).extracting(c -> c.task().id()).containsExactly(b.id());
    }
}
