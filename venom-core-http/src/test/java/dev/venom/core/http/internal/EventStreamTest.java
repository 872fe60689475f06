package dev.venom.core.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.venom.core.engine.TaskEvent;
import dev.venom.core.model.VenomTask;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class EventStreamTest {

    /** A client that reads everything at once, or, when {@code reading} is false, nothing. */
    private static final class Client implements EventStream.Sink {
        final List<String> types = new ArrayList<>();
        final boolean reading;
        String endedBecause;
        boolean ended;

        Client(boolean reading) {
            this.reading = reading;
        }

        @Override
        public void send(String type, String id, String data, Runnable written, Runnable failed) {
            types.add(type);
            if (reading) {
                written.run();
            }
        }

        @Override
        public void end(String reason) {
            ended = true;
            endedBecause = reason;
        }

        @Override
        public void onClose(Runnable task) {
        }

        @Override
        public String describe() {
            return "test client";
        }
    }

    private final EventStream stream = new EventStream(new ObjectMapper(), 100, 10);

    private void created() {
        VenomTask task = VenomTask.create(UUID.randomUUID(), "t", Instant.now());
        stream.onEvent(new TaskEvent(TaskEvent.Type.CREATED, task, task.status(), null, Instant.now()));
    }

    @Test
    void eventsTheEngineDroppedResetLiveClientsAndResumesFromBeforeTheGap() {
        Client live = new Client(true);
        stream.subscribe(live, event -> true, null, false);
        created();
        created();

        stream.onEventsDropped(3);
        created();

        assertThat(live.types).containsExactly("task.created", "task.created", "reset", "task.created");
        Client resuming = new Client(true);
        stream.subscribe(resuming, event -> true, "1", false);
        assertThat(resuming.types).containsExactly("reset");
        Client afterTheGap = new Client(true);
        stream.subscribe(afterTheGap, event -> true, "3", false);
        assertThat(afterTheGap.types).isEmpty(); // event 3 is the last; nothing was missed after it
    }

    @Test
    void aClientThatStopsReadingIsDisconnectedWithAReasonOthersAreNot() {
        Client slow = new Client(false);
        Client fast = new Client(true);
        stream.subscribe(slow, event -> true, null, false);
        stream.subscribe(fast, event -> true, null, false);

        for (int i = 0; i < 50; i++) {
            created();
        }

        assertThat(slow.ended).isTrue();
        assertThat(slow.endedBecause).startsWith("slow consumer: more than 10 events unsent");
        assertThat(slow.types).hasSize(10);
        assertThat(fast.ended).isFalse();
        assertThat(fast.types).hasSize(50);
        assertThat(stream.subscribers()).isEqualTo(1);
    }
}
