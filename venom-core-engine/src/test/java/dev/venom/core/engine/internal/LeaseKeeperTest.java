package dev.venom.core.engine.internal;

import dev.venom.core.engine.ClaimRequest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.venom.core.engine.Claim;
import dev.venom.core.engine.StoreException;
import dev.venom.core.engine.TaskProcessor;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The heartbeat on manual time: renewal, rescue and adoption happen when the test moves the clock. */
class LeaseKeeperTest {

    private static final Duration HEARTBEAT = Duration.ofSeconds(2);
    private static final TaskProcessor NEVER_ENDS = (task, ctx) -> new CompletableFuture<>();

    private final EngineParts parts = new EngineParts(4, NEVER_ENDS);

    private VenomTask pending(String content) {
        TaskRequest twoAttempts = new TaskRequest(content).withMaxAttempts(2);
        return parts.memory.insert(VenomTask.create(UUID.randomUUID(), twoAttempts, 1, null, parts.clock.instant()))
                .join();
    }

    private void start() {
        parts.leaseKeeper.rememberClaimsHeldBeforeStart();
        parts.lifecycle.start();
        parts.dispatcher.start(Duration.ofSeconds(30));
        parts.leaseKeeper.start(HEARTBEAT);
        parts.timers.runDue();
    }

    @Test
    void aRunningAttemptsClaimIsRenewedAtEveryBeatAndNeverExpires() {
        // given an attempt that runs far longer than its lease
        VenomTask task = pending("long");
        start();
        parts.workers.runAll();

        // when three leases pass
        parts.timers.advance(EngineParts.LEASE.multipliedBy(3));

        // then this node still holds it, on its first attempt, with a lease ahead of now
        List<Claim> held = parts.memory.claimsOf(EngineParts.NODE);
        assertThat(held).extracting(claim -> claim.task().id()).containsExactly(task.id());
        assertThat(held.get(0).task().attempts()).isEqualTo(1);
        assertThat(held.get(0).leaseExpiresAt()).isAfter(parts.clock.instant());
    }

    @Test
    void aClaimTakenWithinHalfAHeartbeatIsRenewedAtTheBeatAfterAndAnOlderOneAtEveryBeat() {
        // given a long task claimed at the start, and another claimed a quarter of a heartbeat before a beat
        VenomTask older = pending("older");
        start();
        parts.workers.runAll();
        parts.timers.advance(HEARTBEAT.multipliedBy(3).dividedBy(4));
        VenomTask younger = pending("younger");
        parts.dispatcher.wake();
        parts.timers.runDue();
        parts.workers.runAll();
        assertThat(parts.memory.claimsOf(EngineParts.NODE)).hasSize(2);
        parts.store.renewedSinceAsked();

        // when the beat comes, then only the older claim is renewed
        parts.timers.advance(HEARTBEAT.dividedBy(4));
        assertThat(parts.store.renewedSinceAsked()).containsExactly(older.id());

        // and at the next beat both are
        parts.timers.advance(HEARTBEAT);
        assertThat(parts.store.renewedSinceAsked()).containsExactlyInAnyOrder(older.id(), younger.id());
    }

    @Test
    void anotherNodesExpiredClaimIsRescuedAndThenClaimedHere() {
        // given a task claimed by a node that died
        VenomTask task = pending("orphan");
        parts.memory.claim(ClaimRequest.of("dead-node", 1, EngineParts.LEASE));
        start();
        assertThat(parts.attempts.running()).isZero();

        // when its lease runs out and a heartbeat passes
        parts.timers.advance(EngineParts.LEASE.plus(HEARTBEAT));

        // then it runs here, on its second attempt
        List<Claim> held = parts.memory.claimsOf(EngineParts.NODE);
        assertThat(held).extracting(claim -> claim.task().id()).containsExactly(task.id());
        assertThat(held.get(0).task().attempts()).isEqualTo(2);
        assertThat(parts.attempts.running()).isEqualTo(1);
    }

    @Test
    void afterAnOutageRescueWaitsOneLeaseSoHoldersCanRenewFirst() {
        // given an expired claim of another node, and a store just back from an outage
        VenomTask task = pending("held elsewhere");
        parts.memory.claim(ClaimRequest.of("other-node", 1, EngineParts.LEASE));
        parts.timers.advance(EngineParts.LEASE.plusSeconds(1));
        parts.health.unreachable(new StoreException("connection refused"));
        parts.health.reachable();

        // when heartbeats come within a lease of the outage's end, then it is left to its holder
        parts.leaseKeeper.beat();
        parts.timers.advance(EngineParts.LEASE.minusMillis(1));
        parts.leaseKeeper.beat();
        assertThat(parts.memory.find(task.id()).orElseThrow().status()).isEqualTo(TaskStatus.PROCESSING);

        // and once the lease has passed it is rescued
        parts.timers.advance(Duration.ofMillis(1));
        parts.leaseKeeper.beat();
        assertThat(parts.memory.find(task.id()).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
    }

    @Test
    void aClaimWhoseAnswerWasLostRunsAtTheNextBeatButOneHeldBeforeStartDoesNot() {
        // given a claim of this node id from before this start, and a claim whose answer is lost
        VenomTask earlier = pending("earlier process's");
        parts.memory.claim(ClaimRequest.of(EngineParts.NODE, 1, EngineParts.LEASE));
        start();
        VenomTask lost = pending("lost answer");
        parts.store.loseClaimAnswers(1);
        parts.timers.advance(EngineParts.COOLDOWN);
        parts.dispatcher.wake();
        parts.timers.runDue();
        assertThat(parts.attempts.running()).isZero();

        // when the next heartbeat comes
        parts.timers.advance(HEARTBEAT);

        // then the lost claim runs, on the attempt it took, and the earlier process's is left to expire
        assertThat(parts.attempts.runs(lost.id())).isTrue();
        assertThat(parts.attempts.runs(earlier.id())).isFalse();
        assertThat(parts.defaultLane().slots().taken()).isEqualTo(1);
        assertThat(parts.workers.runAll()).isEqualTo(1);
        assertThat(parts.memory.find(lost.id()).orElseThrow().attempts()).isEqualTo(1);
    }
}
