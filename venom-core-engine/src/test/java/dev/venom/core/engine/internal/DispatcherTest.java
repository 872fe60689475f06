package dev.venom.core.engine.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.venom.core.engine.TaskProcessor;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The claim loop on manual time: every claim happens when the test moves the clock, never by a thread. */
class DispatcherTest {

    private static final TaskProcessor NEVER_ENDS = (task, ctx) -> new CompletableFuture<>();

    private VenomTask pending(EngineParts parts, String content) {
        return parts.memory.insert(VenomTask.create(UUID.randomUUID(), content, parts.clock.instant())).join();
    }

    private EngineParts running(int concurrency) {
        EngineParts parts = new EngineParts(concurrency, NEVER_ENDS);
        parts.lifecycle.start();
        parts.dispatcher.start(Duration.ofSeconds(30));
        parts.timers.runDue(); // the first poll, at once
        return parts;
    }

    @Test
    void wakeUpsWithinTheCooldownWaitForItsEndAndShareOneClaim() {
        // given a dispatcher whose first poll just claimed (nothing), so a cooldown runs
        EngineParts parts = running(8);
        assertThat(parts.store.claimCalls()).isEqualTo(1);

        // when three tasks arrive, each waking it, within the cooldown
        for (String content : new String[] {"a", "b", "c"}) {
            pending(parts, content);
            parts.dispatcher.wake();
            parts.timers.advance(Duration.ofMillis(100));
        }

        // then nothing is claimed before the cooldown ends, and one claim takes all three at its end
        assertThat(parts.store.claimCalls()).isEqualTo(1);
        parts.timers.advance(EngineParts.COOLDOWN.minusMillis(300).minusNanos(1));
        assertThat(parts.store.claimCalls()).isEqualTo(1);
        parts.timers.advance(Duration.ofNanos(1));
        assertThat(parts.store.claimCalls()).isEqualTo(2);
        assertThat(parts.store.claimed()).isEqualTo(3);
        assertThat(parts.attempts.running()).isEqualTo(3);
        assertThat(parts.workers.queued()).isEqualTo(3);
    }

    @Test
    void aClaimThatFillsEverySlotStartsNoCooldown() {
        // given one slot and three tasks waiting
        EngineParts parts = new EngineParts(1, (task, ctx) -> CompletableFuture.completedFuture("ok"));
        pending(parts, "first");
        pending(parts, "second");
        pending(parts, "third");
        parts.lifecycle.start();
        parts.dispatcher.start(Duration.ofSeconds(30));

        // when the first poll fills the slot and its attempt ends
        parts.timers.runDue();
        assertThat(parts.store.claimed()).isEqualTo(1);
        parts.workers.runAll();

        // then the slot it freed claims at once, without waiting out a cooldown: the slot's task, and (the
        // processor being brief) one ahead of it, which fills every place again
        parts.timers.runDue();
        assertThat(parts.store.claimed()).isEqualTo(3);
        assertThat(parts.dispatcher.nothingWaiting(parts.defaultLane())).isFalse();
    }

    @Test
    void nothingIsKnownToWaitOnlyOnceAClaimLeftSlotsFree() {
        EngineParts parts = new EngineParts(2, NEVER_ENDS);
        assertThat(parts.dispatcher.nothingWaiting(parts.defaultLane())).as("before any claim").isFalse();

        parts.lifecycle.start();
        parts.dispatcher.start(Duration.ofSeconds(30));
        parts.timers.runDue();
        assertThat(parts.dispatcher.nothingWaiting(parts.defaultLane())).as("after a claim that found nothing").isTrue();

        parts.dispatcher.mayBeWaiting();
        assertThat(parts.dispatcher.nothingWaiting(parts.defaultLane())).as("after a task may have come due").isFalse();
    }

    @Test
    void aFailedClaimIsLoggedAsAnOutageAndItsAnswerLookedForDuringTwoLeases() {
        // given a claim that commits but whose answer is lost
        EngineParts parts = running(4);
        VenomTask task = pending(parts, "lost");
        parts.store.loseClaimAnswers(1);

        // when it is claimed
        parts.timers.advance(EngineParts.COOLDOWN);
        parts.dispatcher.wake();
        parts.timers.runDue();

        // then no attempt knows of it, and lost answers are looked for until two leases have passed
        assertThat(parts.memory.find(task.id()).orElseThrow().status()).isEqualTo(TaskStatus.PROCESSING);
        assertThat(parts.attempts.running()).isZero();
        assertThat(parts.defaultLane().slots().taken()).isZero();
        assertThat(parts.lostAnswers.worthLookingFor()).isTrue();
        parts.timers.advance(EngineParts.LEASE.multipliedBy(2));
        assertThat(parts.lostAnswers.worthLookingFor()).isTrue();
        parts.timers.advance(Duration.ofNanos(1));
        assertThat(parts.lostAnswers.worthLookingFor()).isFalse();
    }

    @Test
    void aDrainingEngineClaimsNothing() {
        EngineParts parts = running(4);
        pending(parts, "late");

        parts.lifecycle.drain();
        parts.dispatcher.wake();
        parts.timers.advance(Duration.ofMinutes(1));

        assertThat(parts.store.claimCalls()).isEqualTo(1);
        assertThat(parts.defaultLane().slots().taken()).isZero();
    }
}
