package dev.venom.core.engine.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SlotsTest {

    @Test
    void racingThreadsAreNeverIssuedMoreThanTheLimit() throws Exception {
        // given 3 slots and 8 threads that take and give back permits as fast as they can
        Slots slots = new Slots(3);
        AtomicInteger held = new AtomicInteger();
        AtomicInteger mostHeld = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService racers = Executors.newFixedThreadPool(8);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            done.add(racers.submit(() -> {
                go.await();
                for (int i = 0; i < 20_000; i++) {
                    Grant grant = slots.acquire(ThreadLocalRandom.current().nextInt(1, 4));
                    mostHeld.accumulateAndGet(held.addAndGet(grant.size()), Math::max);
                    held.addAndGet(-grant.size());
                    if (!grant.isEmpty()) {
                        grant.take().release(); // one given back as a permit, the rest in one step
                    }
                    grant.releaseRest();
                }
                return null;
            }));
        }

        // when they race
        go.countDown();
        for (Future<?> future : done) {
            future.get(30, TimeUnit.SECONDS);
        }
        racers.shutdown();

        // then no more than 3 were ever held at once, and every slot came back
        assertThat(mostHeld.get()).isBetween(1, 3);
        assertThat(slots.taken()).isZero();
    }

    @Test
    void aPermitGivesItsSlotBackOnceHoweverOftenItIsReleased() {
        Slots slots = new Slots(2);
        Permit permit = slots.tryAcquire().orElseThrow();
        Permit other = slots.tryAcquire().orElseThrow();

        permit.release();
        permit.release();

        assertThat(slots.taken()).isEqualTo(1);
        assertThat(permit.isHeld()).isFalse();
        assertThat(other.isHeld()).isTrue();
    }

    @Test
    void acquireGrantsOnlyWhatIsFreeAndNothingWhenFull() {
        Slots slots = new Slots(5);

        assertThat(slots.acquire(3).size()).isEqualTo(3);
        assertThat(slots.acquire(3).size()).isEqualTo(2);
        assertThat(slots.acquire(1).isEmpty()).isTrue();
        assertThat(slots.tryAcquire()).isEmpty();
    }

    @Test
    void aGrantHandsOutNoMoreThanItsSizeAndGivesTheRestBackOnce() {
        Slots slots = new Slots(4);
        Grant grant = slots.acquire(3);
        Permit used = grant.take();

        grant.releaseRest();
        grant.releaseRest();

        assertThat(slots.taken()).isEqualTo(1);
        assertThatThrownBy(grant::take).isInstanceOf(IllegalStateException.class)
                .hasMessage("all 3 granted slot(s) are handed out");
        used.release();
        assertThat(slots.taken()).isZero();
    }

    @Test
    void aPermitBeyondTheLimitIsCountedSoTheLimitHoldsAgainOnlyOnceItIsReleased() {
        Slots slots = new Slots(1);
        Permit regular = slots.tryAcquire().orElseThrow();

        Permit beyond = slots.acquireBeyondLimit();
        regular.release();

        assertThat(slots.taken()).isEqualTo(1);
        assertThat(slots.tryAcquire()).isEmpty();
        beyond.release();
        assertThat(slots.tryAcquire()).isPresent();
    }

    @Test
    void aHandedOverPermitFreesItsSlotWhileTheWriteBackWindowHoldsItsWork() {
        Slots slots = Slots.withWriteBackWindow(1, 1);
        Permit running = slots.tryAcquire().orElseThrow();

        Permit writing = running.handOver().orElseThrow();

        assertThat(slots.taken()).isZero();
        Permit next = slots.tryAcquire().orElseThrow();
        assertThat(next.handOver()).as("the window of one is full").isEmpty();
        assertThat(slots.taken()).as("the slot is kept while the window is full").isEqualTo(1);
        writing.release();
        assertThat(next.handOver()).isPresent();
        assertThat(new Slots(1).tryAcquire().orElseThrow().handOver()).as("slots without a window").isEmpty();
    }
}
