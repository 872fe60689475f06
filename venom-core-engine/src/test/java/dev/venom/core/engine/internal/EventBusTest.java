package dev.venom.core.engine.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.venom.core.engine.TaskEvent;
import dev.venom.core.engine.TaskListener;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EventBusTest {

    /** Records what it hears; {@code remote} says whether it wants other servers' events. */
    private static final class Recorder implements TaskListener {
        final boolean remote;
        final List<TaskEvent> heard = new CopyOnWriteArrayList<>();
        final AtomicLong dropped = new AtomicLong();

        Recorder(boolean remote) {
            this.remote = remote;
        }

        @Override
        public void onEvent(TaskEvent event) {
            heard.add(event);
        }

        @Override
        public void onEventsDropped(long count) {
            dropped.addAndGet(count);
        }

        @Override
        public boolean wantsRemoteEvents() {
            return remote;
        }
    }

    @Test
    void otherServersEventsAndTheirLossesReachOnlyTheListenersThatWantThem() {
        Recorder local = new Recorder(false);
        Recorder remote = new Recorder(true);
        VenomTask task = VenomTask.create(UUID.randomUUID(), "t", Instant.now());
        TaskEvent event = new TaskEvent(TaskEvent.Type.CREATED, task, task.status(), null, Instant.now());
        try (EventBus bus = new EventBus(List.of(local, remote), 16)) {
            bus.publishRemote(List.of(event));
            bus.missed();
            bus.publish(List.of(event));

            await().atMost(Duration.ofSeconds(5)).until(() -> remote.heard.size() == 2 && local.heard.size() == 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> remote.dropped.get() == 1);
            assertThat(local.dropped).hasValue(0);
            assertThat(bus.wantsRemoteEvents()).isTrue();
        }
    }
}
