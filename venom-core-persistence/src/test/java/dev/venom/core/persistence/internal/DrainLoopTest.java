package dev.venom.core.persistence.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DrainLoopTest {

    private final List<Integer> handled = new CopyOnWriteArrayList<>();
    private final List<Integer> failed = new CopyOnWriteArrayList<>();
    private final List<Integer> left = new CopyOnWriteArrayList<>();

    private DrainLoop<Integer> loop(DrainLoop.Batch<Integer> handler, boolean drainOnClose, Duration timeout) {
        return new DrainLoop<>("test-loop", 2, new LinkedBlockingQueue<>(), 10, handler,
                (batch, e) -> failed.addAll(batch), left::add, drainOnClose, timeout);
    }

    @Test
    void everyItemOfferedIsHandledOnceAndCloseWaitsForWhatIsQueued() {
        try (DrainLoop<Integer> loop = loop(handled::addAll, true, Duration.ofSeconds(5))) {
            for (int i = 0; i < 1_000; i++) {
                assertThat(loop.offer(i)).isTrue();
            }
        }

        assertThat(handled).hasSize(1_000).doesNotHaveDuplicates();
        assertThat(left).isEmpty();
    }

    @Test
    void nothingIsAcceptedOnceCloseHasBegun() {
        DrainLoop<Integer> loop = loop(handled::addAll, true, Duration.ofSeconds(5));
        loop.close();

        assertThat(loop.offer(1)).isFalse();
        assertThat(loop.isOpen()).isFalse();
    }

    @Test
    void aBatchWhoseHandlerThrowsIsFailedAndTheLoopGoesOn() {
        try (DrainLoop<Integer> loop = loop(batch -> {
            if (batch.contains(13)) {
                throw new IllegalStateException("unlucky");
            }
            handled.addAll(batch);
        }, true, Duration.ofSeconds(5))) {
            loop.offer(13);
            await().atMost(Duration.ofSeconds(5)).until(() -> failed.contains(13));
            loop.offer(14);
            await().atMost(Duration.ofSeconds(5)).until(() -> handled.contains(14));
        }
    }

    @Test
    void aHandlerStuckPastTheTimeoutIsInterruptedAndWhatIsStillQueuedIsHandedOver() throws Exception {
        CountDownLatch stuck = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        DrainLoop<Integer> loop = new DrainLoop<>("stuck-loop", 1, new LinkedBlockingQueue<>(), 1, batch -> {
            stuck.countDown();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
        }, (batch, e) -> failed.addAll(batch), left::add, true, Duration.ofMillis(200));
        loop.offer(1);
        assertThat(stuck.await(5, TimeUnit.SECONDS)).isTrue();
        loop.offer(2);
        loop.offer(3);

        loop.close();

        assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> left.containsAll(List.of(1, 2, 3)));
    }
}
