package dev.venom.core.engine.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.venom.core.engine.Claim;
import dev.venom.core.engine.ClaimRequest;
import dev.venom.core.engine.SettableClock;
import dev.venom.core.engine.StateStore;
import dev.venom.core.engine.StateStoreContract;
import dev.venom.core.engine.StoreException;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The table under a change log that is slow or fails: what the journal-backed store relies on. */
class TaskTableTest extends StateStoreContract {

    @Override
    protected StateStore openStore(SettableClock clock) {
        return new TaskTable(clock, ChangeLog.NONE);
    }

    @Test
    void aTaskIsInvisibleUntilItsInsertIsDurableAndNeverVisibleIfItFails() {
        CompletableFuture<Void> durable = new CompletableFuture<>();
        CompletableFuture<Void> failing = new CompletableFuture<>();
        CompletableFuture<?>[] next = {durable, failing};
        int[] call = {0};
        TaskTable gated = new TaskTable(clock, task -> call[0] < next.length
                ? (CompletableFuture<Void>) next[call[0]++] : CompletableFuture.completedFuture(null));
        VenomTask kept = newTask("kept");
        VenomTask lost = newTask("lost");

        CompletableFuture<VenomTask> keptInsert = gated.insert(kept);
        CompletableFuture<VenomTask> lostInsert = gated.insert(lost);

        assertThat(gated.find(kept.id())).isEmpty();
        assertThat(gated.claim(ClaimRequest.of("node", 10, Duration.ofSeconds(30)))).isEmpty();
        durable.complete(null);
        failing.completeExceptionally(new StoreException("disk full"));
        assertThat(keptInsert.join().id()).isEqualTo(kept.id());
        assertThatThrownBy(lostInsert::join).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(StoreException.class);
        assertThat(gated.find(lost.id())).isEmpty();
        assertThat(gated.claim(ClaimRequest.of("node", 10, Duration.ofSeconds(30)))).extracting(c -> c.task().id())
                .containsExactly(kept.id());
    }

    @Test
    void aFailedUpdateLeavesTheTaskAsItWas() {
        boolean[] fail = {false};
        TaskTable store = new TaskTable(clock, task -> fail[0]
                ? CompletableFuture.failedFuture(new StoreException("disk full"))
                : CompletableFuture.completedFuture(null));
        VenomTask inserted = store.insert(newTask("x")).join();
        Claim claim = store.claim(ClaimRequest.of("node", 1, Duration.ofSeconds(30))).get(0);
        fail[0] = true;

        assertThatThrownBy(() -> store.update(claim.task(), claim.task().complete("r", clock.instant())).join())
                .hasCauseInstanceOf(StoreException.class);

        assertThat(store.find(inserted.id())).contains(claim.task());
        assertThat(store.renew(claim, Duration.ofSeconds(30))).isPresent();
    }

    /**
     * A task with two updates on their way to disk, the second (a cancel) built on the first (a log line), in
     * a table whose writes of them complete when the test says.
     */
    private record TwoUpdates(TaskTable store, VenomTask stored, CompletableFuture<Optional<VenomTask>> logged,
                              CompletableFuture<Optional<VenomTask>> cancelled, CompletableFuture<Void> firstWrite,
                              CompletableFuture<Void> secondWrite) {
    }

    /** A table whose change log answers its appends with {@code writes} in turn, then at once. */
    private TaskTable writingIn(List<CompletableFuture<Void>> writes) {
        Deque<CompletableFuture<Void>> next = new ArrayDeque<>(writes);
        return new TaskTable(clock, task -> next.isEmpty() ? CompletableFuture.completedFuture(null) : next.poll());
    }

    private TwoUpdates twoUpdatesOnTheirWay() {
        CompletableFuture<Void> first = new CompletableFuture<>();
        CompletableFuture<Void> second = new CompletableFuture<>();
        TaskTable store = writingIn(List.of(CompletableFuture.completedFuture(null), first, second));
        VenomTask stored = store.insert(newTask("x")).join();
        CompletableFuture<Optional<VenomTask>> logged = store.update(stored, stored.withLog("a", clock.instant()));
        VenomTask seen = store.find(stored.id()).orElseThrow();
        CompletableFuture<Optional<VenomTask>> cancelled = store.update(seen, seen.cancel(clock.instant()));
        return new TwoUpdates(store, stored, logged, cancelled, first, second);
    }

    @Test
    void twoUpdatesOnTheirWayThatBothFailLeaveTheTaskAsItWasBeforeTheFirst() {
        TwoUpdates given = twoUpdatesOnTheirWay();

        given.firstWrite().completeExceptionally(new StoreException("disk full")); // in the order written
        given.secondWrite().completeExceptionally(new StoreException("disk full"));

        assertThatThrownBy(given.logged()::join).hasCauseInstanceOf(StoreException.class);
        assertThatThrownBy(given.cancelled()::join).hasCauseInstanceOf(StoreException.class);
        assertThat(given.store().find(given.stored().id())).contains(given.stored());
        assertThat(given.store().count(TaskStatus.PENDING)).isEqualTo(1);
    }

    @Test
    void anUpdateThatFailsBeneathOneThatIsWrittenLeavesWhatWasWritten() {
        TwoUpdates given = twoUpdatesOnTheirWay();

        given.firstWrite().completeExceptionally(new StoreException("disk full"));
        given.secondWrite().complete(null); // the disk had room again for the next write

        assertThat(given.store().find(given.stored().id())).isEqualTo(given.cancelled().join());
    }

    @Test
    void whenTheNewerOfTwoUpdatesFailsTheOlderOneThatWasWrittenStays() {
        TwoUpdates given = twoUpdatesOnTheirWay();

        given.firstWrite().complete(null);
        given.secondWrite().completeExceptionally(new StoreException("disk full"));

        assertThat(given.store().find(given.stored().id())).isEqualTo(given.logged().join());
    }

    @Test
    void aFailedUpdateNeverTakesATaskBackBelowAClaimWrittenSince() {
        CompletableFuture<Void> logged = new CompletableFuture<>();
        CompletableFuture<Void> claimed = new CompletableFuture<>();
        CompletableFuture<Void> progressed = new CompletableFuture<>();
        TaskTable store = writingIn(List.of(CompletableFuture.completedFuture(null), logged, claimed, progressed));
        VenomTask stored = store.insert(newTask("x")).join();
        store.update(stored, stored.withLog("a", clock.instant()));
        Claim claim = store.claim(ClaimRequest.of("node", 1, Duration.ofSeconds(30))).get(0);
        CompletableFuture<Optional<VenomTask>> progress =
                store.update(claim.task(), claim.task().withLog("b", clock.instant()));

        logged.completeExceptionally(new StoreException("disk full"));
        claimed.complete(null); // the claim, built on the failed log line, is on disk
        progressed.completeExceptionally(new StoreException("disk full"));

        assertThatThrownBy(progress::join).hasCauseInstanceOf(StoreException.class);
        assertThat(store.find(stored.id())).contains(claim.task());
        assertThat(store.renew(claim, Duration.ofSeconds(30))).isPresent();
    }
}
