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
        final List<String> ids = new ArrayList<>();
        final boolean reading;
        String endedBecause;
        boolean ended;

        Client(boolean reading) {
            this.reading = reading;
        }

        @Override
        public void send(String type, String id, String data, Runnable written, Runnable failed) {
            types.add(type);
            ids.add(id);
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
        stream.subscribe(resuming, event -> true, live.ids.get(0), false);
        assertThat(resuming.types).containsExactly("reset");
        Client afterTheGap = new Client(true);
        stream.subscribe(afterTheGap, event -> true, live.ids.get(3), false);
        assertThat(afterTheGap.types).isEmpty(); // the last event; nothing was missed after it
    }

    @Test
    void otherServersEventsAreWantedOnlyWhileAClientListens() {
        assertThat(stream.wantsRemoteEvents()).isTrue();
        assertThat(stream.wantsRemoteEventsNow()).isFalse();

        stream.subscribe(new Client(true), event -> true, null, false);

        assertThat(stream.wantsRemoteEventsNow()).isTrue();
    }

    @Test
    void aOneTaskStreamEndsAfterTheResetOfLostEvents() {
        Client oneTask = new Client(true);
        stream.subscribe(oneTask, event -> true, null, true);

        stream.onEventsDropped(1);

        assertThat(oneTask.types).containsExactly("reset");
        assertThat(oneTask.ended).isTrue();
    }

    @Test
    void anOlderChangeHeardAfterANewerOneIsNotShown() {
        Client client = new Client(true);
        stream.subscribe(client, event -> true, null, false);
        VenomTask created = VenomTask.create(UUID.randomUUID(), "t", Instant.now()).withVersion(1);
        VenomTask claimed = created.start(Instant.now()).withVersion(2);

        stream.onEvent(new TaskEvent(TaskEvent.Type.STATUS_CHANGED, claimed, created.status(), null, Instant.now()));
        stream.onEvent(new TaskEvent(TaskEvent.Type.CREATED, created, created.status(), null, Instant.now()));
        stream.onEvent(new TaskEvent(TaskEvent.Type.LOG_APPENDED, claimed, claimed.status(), "again", Instant.now()));

        assertThat(client.types).containsExactly("task.status", "task.log");
    }

    @Test
    void eventIdsFromAnotherServerOrAnEarlierRunGetAReset() {
        created();
        Client foreign = new Client(true);

        stream.subscribe(foreign, event -> true, "5", false);

        assertThat(foreign.types).containsExactly("reset");
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
