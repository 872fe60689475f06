package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import dev.venom.core.tests.support.SseStream.Sse;
import dev.venom.core.tests.support.SseStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live events over Server-Sent Events: order, the end of a task's stream, resuming, and the reset. */
class EventStreamApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private InProcessServers servers;

    @BeforeEach
    void servers() {
        servers = new InProcessServers(dir);
    }

    private Http start(String... flags) {
        return servers.start(flags);
    }

    @AfterEach
    void stop() {
        servers.close();
    }

    @Test
    void aTasksStreamFollowsItInOrderAndEndsWithItsTerminalStatus() throws Exception {
        Http http = start("--processing-delay-ms", "500");
        String id = http.post("/api/v1/tasks", "{\"content\":\"watched\",\"run_at\":\"2099-01-01T00:00:00Z\"}").json()
                .get("task_id").asText();

        List<Sse> seen = new ArrayList<>();
        try (SseStream stream = new SseStream(http.base() + "/api/v1/tasks/" + id + "/events", null).awaitSubscribed()) {
            http.post("/api/v1/tasks/" + id + "/cancel", "");
            for (Sse event; (event = stream.next()) != null; ) {
                seen.add(event);
            }
        }
        // Events reach the streams on the engine's event thread, after the 201: the creation may still have
        // been on its way when the subscription began. Then it comes first, as it should.
        if (!seen.isEmpty() && seen.get(0).type().equals("task.created")) {
            seen.remove(0);
        }

        assertThat(seen).extracting(Sse::type).containsExactly("task.log", "task.status");
        assertThat(seen.get(0).data().get("log").asText()).startsWith("Cancelled: ");
        assertThat(seen.get(1).data().get("status").asText()).isEqualTo("CANCELLED");
        assertThat(seen.get(1).data().get("task_id").asText()).isEqualTo(id);
        assertThat(Long.parseLong(seen.get(1).id())).isGreaterThan(Long.parseLong(seen.get(0).id()));
        assertThat(seen.get(1).data().fieldNames()).toIterable()
                .containsExactly("id", "type", "task_id", "status", "log", "at");
    }

    @Test
    void anEndedTasksStreamYieldsItsFinalStateAndEnds() throws Exception {
        Http http = start("--processing-delay-ms", "0");
        String id = http.create("done already");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> "COMPLETED".equals(http.task(id).get("status").asText()));

        try (SseStream stream = new SseStream(http.base() + "/api/v1/tasks/" + id + "/events", null)) {
            Sse last = stream.next();
            assertThat(last.type()).isEqualTo("task.status");
            assertThat(last.data().get("status").asText()).isEqualTo("COMPLETED");
            assertThat(stream.next()).isNull();
        }
        assertThat(http.get("/api/v1/tasks/3fa85f64-5717-4562-b3fc-2c963f66afa6/events").status()).isEqualTo(404);
        assertThat(http.get("/api/v1/tasks/nope/events").status()).isEqualTo(422);
    }

    @Test
    void reconnectingWithLastEventIdResumesWithoutAGapAndOutsideTheWindowWithAReset() throws Exception {
        Http http = start("--processing-delay-ms", "0", "--event-window", "20");
        String lastSeen;
        try (SseStream stream = new SseStream(http.base() + "/api/v1/events", null).awaitSubscribed()) {
            http.create("first");
            Sse event = stream.next();
            assertThat(event.type()).isEqualTo("task.created");
            lastSeen = event.id();
        }
        http.create("while away");

        try (SseStream resumed = new SseStream(http.base() + "/api/v1/events", lastSeen)) {
            Sse next = resumed.next();
            assertThat(Long.parseLong(next.id())).isEqualTo(Long.parseLong(lastSeen) + 1);
        }
        for (int i = 0; i < 10; i++) {
            http.create("flood " + i); // 5 events each: far past a window of 20
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> http.get("/api/v1/tasks?status=COMPLETED").json().size() == 12);
        try (SseStream late = new SseStream(http.base() + "/api/v1/events", lastSeen)) {
            assertThat(late.next().type()).isEqualTo("reset");
        }
    }

    @Test
    void aWebSocketSubscriberGetsTheSameEventsForAllOrForItsTasks() throws Exception {
        Http http = start("--processing-delay-ms", "0");
        BlockingQueue<String> all = new ArrayBlockingQueue<>(1000);
        BlockingQueue<String> mine = new ArrayBlockingQueue<>(1000);
        String watched = http.post("/api/v1/tasks", "{\"content\":\"w\",\"run_at\":\"2099-01-01T00:00:00Z\"}").json()
                .get("task_id").asText();
        java.net.http.WebSocket everything = socket(http, all);
        java.net.http.WebSocket onlyOne = socket(http, mine);
        everything.sendText("{\"subscribe\":\"all\"}", true).join();
        onlyOne.sendText("{\"subscribe\":[\"" + watched + "\"]}", true).join();
        // Messages are handled in order: once the reply to a bad one arrives, the subscription is in place.
        everything.sendText("{\"hello\":1}", true).join();
        onlyOne.sendText("{\"hello\":1}", true).join();
        assertThat(all.poll(10, TimeUnit.SECONDS)).contains("\"error\"");
        assertThat(mine.poll(10, TimeUnit.SECONDS)).contains("\"error\"");

        String other = http.create("other");
        http.post("/api/v1/tasks/" + watched + "/cancel", "");

        List<JsonNode> allEvents = new ArrayList<>();
        while (allEvents.stream().noneMatch(e -> e.get("status").asText().equals("CANCELLED"))) {
            allEvents.add(JSON.readTree(all.poll(10, TimeUnit.SECONDS)));
        }
        JsonNode first = JSON.readTree(mine.poll(10, TimeUnit.SECONDS));
        JsonNode second = JSON.readTree(mine.poll(10, TimeUnit.SECONDS));
        assertThat(allEvents).anyMatch(e -> e.get("task_id").asText().equals(other)
                && e.get("type").asText().equals("task.created"));
        assertThat(List.of(first, second)).allMatch(e -> e.get("task_id").asText().equals(watched));
        assertThat(second.get("status").asText()).isEqualTo("CANCELLED");
        everything.abort();
        onlyOne.abort();
    }

    private static java.net.http.WebSocket socket(Http http, BlockingQueue<String> into) {
        return CLIENT.newWebSocketBuilder().buildAsync(URI.create(http.base().replace("http:", "ws:") + "/api/v1/ws"),
                new java.net.http.WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws,
                                                                          CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            into.add(text.toString());
                            text.setLength(0);
                        }
                        ws.request(1);
                        return null;
                    }
                }).join();
    }
}
