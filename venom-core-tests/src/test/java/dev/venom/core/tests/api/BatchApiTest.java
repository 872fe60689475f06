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

/** {@code POST /api/v1/tasks/batch}: up to 1,000 tasks in one durable write, or none of them. */
class BatchApiTest {

    @TempDir
    Path dir;

    private InProcessServers servers;
    private Http http;

    @BeforeEach
    void start() {
        servers = new InProcessServers(dir);
        http = servers.start("--processing-delay-ms", "0", "--max-body-bytes", "1048576");
    }

    @AfterEach
    void stop() {
        servers.close();
    }

    private int stored() {
        return http.get("/api/v1/tasks").json().size();
    }

    @Test
    void aBatchStoresEveryTaskAndAnswersTheirIdsInOrder() {
        Http.Answer answer = http.post("/api/v1/tasks/batch", "{\"tasks\": ["
                + "{\"content\": \"plan\", \"ref\": \"plan\", \"priority\": 5},"
                + "{\"content\": \"write\", \"queue\": \"writers\", \"max_attempts\": 3},"
                + "{\"content\": \"review\", \"ref\": \"review\"}]}");

        assertThat(answer.status()).as(answer.body()).isEqualTo(201);
        JsonNode tasks = answer.json().get("tasks");
        assertThat(tasks).hasSize(3);
        assertThat(tasks.get(0).get("ref").asText()).isEqualTo("plan");
        assertThat(tasks.get(1).has("ref")).isFalse();
        assertThat(tasks.get(2).get("ref").asText()).isEqualTo("review");
        List<String> ids = new ArrayList<>();
        tasks.forEach(task -> ids.add(task.get("task_id").asText()));
        assertThat(tasks).allMatch(task -> task.get("status").asText().equals("PENDING"));
        assertThat(http.task(ids.get(0)).get("priority").asInt()).isEqualTo(5);
        assertThat(http.task(ids.get(1)).get("queue").asText()).isEqualTo("writers");
        assertThat(http.task(ids.get(1)).get("max_attempts").asInt()).isEqualTo(3);
        await().atMost(Duration.ofSeconds(10)).until(() -> ids.stream()
                .allMatch(id -> http.task(id).get("status").asText().equals("COMPLETED")));
        assertThat(http.get("/api/v1/audit?action=task.create_batch").json().get("entries").get(0)
                .get("target").asText()).isEqualTo("3 tasks");
    }

    @Test
    void aBatchWithOneInvalidTaskStoresNothingAndNamesItsIndex() {
        int before = stored();

        Http.Answer answer = http.post("/api/v1/tasks/batch", "{\"tasks\": [{\"content\": \"fine\"},"
                + "{\"content\": \"bad\", \"priority\": 12}, {\"content\": \"fine too\"}, 7]}");

        assertThat(answer.status()).isEqualTo(422);
        JsonNode errors = answer.json().get("detail");
        assertThat(errors.get(0).get("loc").toString()).isEqualTo("[\"body\",\"tasks\",1,\"priority\"]");
        assertThat(errors.get(1).get("loc").toString()).isEqualTo("[\"body\",\"tasks\",3]");
        assertThat(stored()).isEqualTo(before);
        Http.Answer repeatedRef = http.post("/api/v1/tasks/batch", "{\"tasks\": [{\"content\": \"a\", \"ref\": \"x\"},"
                + "{\"content\": \"b\", \"ref\": \"x\"}]}");
        assertThat(repeatedRef.status()).isEqualTo(422);
        assertThat(repeatedRef.json().get("detail").get(0).get("loc").toString())
                .isEqualTo("[\"body\",\"tasks\",1,\"ref\"]");
        assertThat(stored()).isEqualTo(before);
    }

    @Test
    void aBatchHoldsOneToAThousandTasks() {
        Http.Answer tooMany = http.post("/api/v1/tasks/batch", Http.batchOf(1_001, i -> "t" + i));
        assertThat(tooMany.status()).isEqualTo(422);
        assertThat(tooMany.json().get("detail").get(0).get("msg").asText())
                .isEqualTo("List should have 1 to 1000 items, not 1001");
        assertThat(http.post("/api/v1/tasks/batch", "{\"tasks\": []}").status()).isEqualTo(422);
        assertThat(http.post("/api/v1/tasks/batch", "{\"content\": \"not a batch\"}").status()).isEqualTo(422);

        Http.Answer stored = http.post("/api/v1/tasks/batch", Http.batchOf(1_000, i -> "t" + i));
        assertThat(stored.status()).isEqualTo(201);
        assertThat(stored.json().get("tasks")).hasSize(1_000);
    }
}
