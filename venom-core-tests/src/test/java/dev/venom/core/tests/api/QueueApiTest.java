package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Named queues over HTTP: the task's {@code queue} field and filter, the original service's queue routes with
 * its exact answer shapes, and the queue-aware routes.
 */
class QueueApiTest {

    @TempDir
    Path dir;

    private InProcessServers servers;
    private Http http;

    @BeforeEach
    void start() {
        servers = new InProcessServers(dir);
        http = servers.start("--processing-delay-ms", "60000", "--queues", "default:1,urgent:2");
    }

    @AfterEach
    void stop() {
        servers.close();
    }

    private String create(String content, String queue) {
        Http.Answer answer = http.post("/api/v1/tasks", "{\"content\":" + Http.quote(content) + ",\"queue\":"
                + Http.quote(queue) + "}");
        assertThat(answer.status()).as(answer.body()).isEqualTo(201);
        return answer.json().get("task_id").asText();
    }

    private String statusOf(String id) {
        return http.task(id).get("status").asText();
    }

    private void awaitStatus(String id, String status) {
        await().atMost(Duration.ofSeconds(10)).until(() -> statusOf(id).equals(status));
    }

    private static List<String> fields(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void aTaskNamesItsQueueWhichIsEchoedAndFilteredOn() {
        String urgent = create("u", "urgent");
        String plain = http.create("p");

        assertThat(http.task(urgent).get("queue").asText()).isEqualTo("urgent");
        assertThat(http.task(plain).get("queue").asText()).isEqualTo("default");
        JsonNode listed = http.get("/api/v1/tasks?queue=urgent").json();
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).get("id").asText()).isEqualTo(urgent);
    }

    @Test
    void aBadQueueNameIsA422NamingTheField() {
        Http.Answer badBody = http.post("/api/v1/tasks", "{\"content\":\"x\",\"queue\":\"Not OK\"}");
        Http.Answer badQuery = http.get("/api/v1/tasks?queue=A");
        Http.Answer badPath = http.post("/api/v1/queues/N%20O/pause", "");

        assertThat(badBody.status()).isEqualTo(422);
        assertThat(badBody.json().get("detail").get(0).get("loc").toString()).isEqualTo("[\"body\",\"queue\"]");
        assertThat(badBody.json().get("detail").get(0).get("type").asText()).isEqualTo("string_pattern_mismatch");
        assertThat(badQuery.status()).isEqualTo(422);
        assertThat(badQuery.json().get("detail").get(0).get("loc").toString()).isEqualTo("[\"query\",\"queue\"]");
        assertThat(badPath.status()).isEqualTo(422);
        assertThat(badPath.json().get("detail").get(0).get("loc").toString()).isEqualTo("[\"path\",\"name\"]");
    }

    @Test
    void theOriginalsQueueRoutesAnswerInItsShapes() {
        String running = http.create("runs");
        awaitStatus(running, "PROCESSING");
        String waiting = http.create("waits");

        JsonNode status = http.get("/api/v1/queue/status").json();
        assertThat(fields(status)).containsExactly("paused", "pending", "active", "processing", "limit");
        assertThat(status.get("paused").asBoolean()).isFalse();
        assertThat(status.get("pending").asLong()).isEqualTo(1);
        assertThat(status.get("active").asInt()).isEqualTo(1);
        assertThat(status.get("processing").asLong()).isEqualTo(1);

        JsonNode paused = http.post("/api/v1/queue/pause", "").json();
        assertThat(fields(paused)).containsExactly("success", "paused", "active_tasks", "message");
        assertThat(paused.get("success").asBoolean()).isTrue();
        assertThat(paused.get("paused").asBoolean()).isTrue();
        assertThat(paused.get("active_tasks").asInt()).isEqualTo(1);
        assertThat(http.get("/api/v1/queue/status").json().get("paused").asBoolean()).isTrue();

        JsonNode resumed = http.post("/api/v1/queue/resume", "").json();
        assertThat(fields(resumed)).containsExactly("success", "paused", "pending_tasks", "message");
        assertThat(resumed.get("paused").asBoolean()).isFalse();
        assertThat(resumed.get("pending_tasks").asLong()).isEqualTo(1);

        JsonNode purged = http.post("/api/v1/queue/purge", "").json();
        assertThat(fields(purged)).containsExactly("success", "removed", "active_tasks", "message");
        assertThat(purged.get("removed").asInt()).isEqualTo(1);
        assertThat(statusOf(waiting)).isEqualTo("CANCELLED");
        JsonNode logs = http.task(waiting).get("logs");
        assertThat(logs.get(logs.size() - 1).asText()).startsWith("Purged: ");

        Http.Answer notRunning = http.post("/api/v1/queue/task/" + waiting + "/abort", "");
        assertThat(notRunning.status()).isEqualTo(404);
        assertThat(notRunning.json().get("detail").asText()).isEqualTo("Task " + waiting + " not found or not running");
        JsonNode aborted = http.post("/api/v1/queue/task/" + running + "/abort", "").json();
        assertThat(fields(aborted)).containsExactly("success", "task_id", "message");
        assertThat(aborted.get("task_id").asText()).isEqualTo(running);
        assertThat(statusOf(running)).isEqualTo("CANCELLED");

        String again = http.create("again");
        awaitStatus(again, "PROCESSING");
        String behind = http.create("behind");
        JsonNode stop = http.post("/api/v1/queue/emergency-stop", "").json();
        assertThat(fields(stop)).containsExactly("success", "cancelled", "purged", "paused", "message");
        assertThat(stop.get("cancelled").asInt()).isEqualTo(1);
        assertThat(stop.get("purged").asInt()).isEqualTo(1);
        assertThat(stop.get("paused").asBoolean()).isTrue();
        assertThat(statusOf(again)).isEqualTo("CANCELLED");
        assertThat(statusOf(behind)).isEqualTo("CANCELLED");
    }

    @Test
    void aPausedQueueKeepsItsNewTasksWaitingUntilResumed() {
        JsonNode paused = http.post("/api/v1/queues/urgent/pause", "").json();
        assertThat(paused.get("name").asText()).isEqualTo("urgent");
        assertThat(paused.get("paused").asBoolean()).isTrue();
        assertThat(paused.get("limit").asInt()).isEqualTo(2);

        String held = create("held", "urgent");
        String other = http.create("other");
        awaitStatus(other, "PROCESSING");
        assertThat(statusOf(held)).isEqualTo("PENDING");

        JsonNode queues = http.get("/api/v1/queues").json();
        assertThat(queues.get("paused_all").asBoolean()).isFalse();
        JsonNode urgent = null;
        for (JsonNode queue : queues.get("queues")) {
            assertThat(fields(queue)).containsExactly("name", "paused", "limit", "running", "pending", "processing",
                    "oldest_pending_age_ms");
            if (queue.get("name").asText().equals("urgent")) {
                urgent = queue;
            }
        }
        assertThat(urgent).isNotNull();
        assertThat(urgent.get("pending").asLong()).isEqualTo(1);
        assertThat(urgent.get("oldest_pending_age_ms").isNumber()).isTrue();

        JsonNode resumed = http.post("/api/v1/queues/urgent/resume", "").json();
        assertThat(resumed.get("paused").asBoolean()).isFalse();
        awaitStatus(held, "PROCESSING");
    }

    @Test
    void purgingOneQueueAnswersItsCountAndLeavesTheOthers() {
        http.post("/api/v1/queues/urgent/pause", "");
        String first = create("a", "urgent");
        String second = create("b", "urgent");
        http.post("/api/v1/queues/background/pause", "");
        String other = create("c", "background");

        JsonNode purged = http.post("/api/v1/queues/urgent/purge", "").json();

        assertThat(purged.get("queue").asText()).isEqualTo("urgent");
        assertThat(purged.get("purged").asInt()).isEqualTo(2);
        assertThat(statusOf(first)).isEqualTo("CANCELLED");
        assertThat(statusOf(second)).isEqualTo("CANCELLED");
        assertThat(statusOf(other)).isEqualTo("PENDING");
    }
}
