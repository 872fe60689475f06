package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code depends_on} over HTTP: waiting, release, cascades, batch refs, remote workers' results, 422s. */
class DependenciesApiTest {

    @TempDir
    Path dir;

    private InProcessServers servers;
    private Http http;

    @BeforeEach
    void start() {
        servers = new InProcessServers(dir);
        http = servers.start("--processing-delay-ms", "0", "--queues", "default:4,gpu:remote");
    }

    @AfterEach
    void stop() {
        servers.close();
    }

    private String create(String body) {
        Http.Answer created = http.post("/api/v1/tasks", body);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().get("task_id").asText();
    }

    private String later(String content) {
        return create("{\"content\": \"" + content + "\", \"run_at\": \"" + Instant.now().plusSeconds(3600) + "\"}");
    }

    private JsonNode awaitStatus(String id, String status) {
        await().atMost(Duration.ofSeconds(10)).until(() -> http.task(id).get("status").asText().equals(status));
        return http.task(id);
    }

    @Test
    void aDiamondRunsEachTaskOnlyAfterItsDependenciesCompleted() {
        String a = create("{\"content\": \"a\"}");
        String b = create("{\"content\": \"b\", \"depends_on\": [\"" + a + "\"]}");
        String c = create("{\"content\": \"c\", \"depends_on\": [\"" + a + "\"]}");
        String d = create("{\"content\": \"d\", \"depends_on\": [\"" + b + "\", \"" + c + "\"]}");

        JsonNode done = awaitStatus(d, "COMPLETED");

        assertThat(done.get("depends_on").toString()).isEqualTo("[\"" + b + "\",\"" + c + "\"]");
        assertThat(done.get("waiting_on")).isEmpty();
        Instant dStarted = started(done);
        for (String dependency : new String[] {b, c}) {
            JsonNode before = awaitStatus(dependency, "COMPLETED");
            assertThat(Instant.parse(before.get("finished_at").asText())).isBeforeOrEqualTo(dStarted);
            assertThat(started(before)).isAfterOrEqualTo(Instant.parse(http.task(a).get("finished_at").asText()));
        }
    }

    private static Instant started(JsonNode task) {
        for (JsonNode line : task.get("logs")) {
            if (line.asText().startsWith("Processing started: ")) {
                return Instant.parse(line.asText().substring("Processing started: ".length()));
            }
        }
        throw new AssertionError("never started: " + task);
    }

    @Test
    void aTaskWaitsPendingAndCancellingItsDependencyCancelsTheChain() {
        String a = later("a");
        String b = create("{\"content\": \"b\", \"depends_on\": [\"" + a + "\"]}");
        String c = create("{\"content\": \"c\", \"depends_on\": [\"" + b + "\"]}");
        JsonNode waiting = http.task(c);
        assertThat(waiting.get("status").asText()).isEqualTo("PENDING");
        assertThat(waiting.get("waiting_on").toString()).isEqualTo("[\"" + b + "\"]");

        assertThat(http.post("/api/v1/tasks/" + a + "/cancel", "").status()).isEqualTo(200);

        JsonNode cancelledB = http.task(b);
        JsonNode cancelledC = http.task(c);
        assertThat(cancelledB.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(cancelledB.get("logs").get(1).asText()).startsWith("Dependency " + a + " ended CANCELLED: ");
        assertThat(cancelledC.get("status").asText()).isEqualTo("CANCELLED");
        assertThat(cancelledC.get("logs").get(1).asText()).startsWith("Dependency " + b + " ended CANCELLED: ");
        String afterTheEnd = create("{\"content\": \"late\", \"depends_on\": [\"" + b + "\"]}");
        assertThat(http.task(afterTheEnd).get("status").asText()).isEqualTo("CANCELLED");
    }

    @Test
    void aBatchNamesEarlierTasksByRefAndExistingOnesById() {
        String existing = later("existing");
        Http.Answer answer = http.post("/api/v1/tasks/batch", "{\"tasks\": ["
                + "{\"content\": \"plan\", \"ref\": \"plan\"},"
                + "{\"content\": \"write\", \"ref\": \"write\", \"depends_on\": [\"plan\"]},"
                + "{\"content\": \"review\", \"depends_on\": [\"plan\", \"write\", \"" + existing + "\"]}]}");

        assertThat(answer.status()).as(answer.body()).isEqualTo(201);
        JsonNode tasks = answer.json().get("tasks");
        String plan = tasks.get(0).get("task_id").asText();
        String write = tasks.get(1).get("task_id").asText();
        String review = tasks.get(2).get("task_id").asText();
        awaitStatus(write, "COMPLETED");
        JsonNode waiting = http.task(review);
        assertThat(waiting.get("depends_on").toString()).isEqualTo("[\"" + existing + "\",\"" + plan + "\",\""
                + write + "\"]");
        assertThat(waiting.get("waiting_on").toString()).isEqualTo("[\"" + existing + "\"]");
        assertThat(waiting.get("status").asText()).isEqualTo("PENDING");
    }

    @Test
    void unknownIdsBadRefsAndTooManyDependenciesAre422AndStoreNothing() {
        String unknown = UUID.randomUUID().toString();
        int before = http.get("/api/v1/tasks").json().size();

        Http.Answer single = http.post("/api/v1/tasks", "{\"content\": \"x\", \"depends_on\": [\"" + unknown + "\"]}");
        Http.Answer inBatch = http.post("/api/v1/tasks/batch", "{\"tasks\": [{\"content\": \"ok\"},"
                + "{\"content\": \"x\", \"depends_on\": [\"" + later("known") + "\", \"" + unknown + "\"]}]}");
        Http.Answer laterRef = http.post("/api/v1/tasks/batch", "{\"tasks\": [{\"content\": \"a\","
                + " \"depends_on\": [\"b\"]}, {\"content\": \"b\", \"ref\": \"b\"}]}");
        Http.Answer notAList = http.post("/api/v1/tasks", "{\"content\": \"x\", \"depends_on\": \"" + unknown + "\"}");
        Http.Answer twice = http.post("/api/v1/tasks", "{\"content\": \"x\", \"depends_on\": [\"" + unknown + "\", \""
                + unknown + "\"]}");
        StringBuilder many = new StringBuilder("{\"content\": \"x\", \"depends_on\": [");
        for (int i = 0; i < 101; i++) {
            many.append(i == 0 ? "" : ",").append('"').append(UUID.randomUUID()).append('"');
        }
        Http.Answer tooMany = http.post("/api/v1/tasks", many + "]}");

        assertThat(single.status()).isEqualTo(422);
        assertThat(single.json().get("detail").get(0).get("loc").toString()).isEqualTo("[\"body\",\"depends_on\",0]");
        assertThat(single.json().get("detail").get(0).get("msg").asText()).contains(unknown, "does not exist");
        assertThat(inBatch.status()).isEqualTo(422);
        assertThat(inBatch.json().get("detail").get(0).get("loc").toString())
                .isEqualTo("[\"body\",\"tasks\",1,\"depends_on\",1]");
        Http.Answer afterARef = http.post("/api/v1/tasks/batch", "{\"tasks\": [{\"content\": \"a\", \"ref\": \"a\"},"
                + "{\"content\": \"b\", \"depends_on\": [\"a\", \"" + unknown + "\"]}]}");
        assertThat(afterARef.status()).isEqualTo(422);
        assertThat(afterARef.json().get("detail").get(0).get("loc").toString())
                .isEqualTo("[\"body\",\"tasks\",1,\"depends_on\",1]");
        assertThat(laterRef.status()).isEqualTo(422);
        assertThat(laterRef.json().get("detail").get(0).get("loc").toString())
                .isEqualTo("[\"body\",\"tasks\",0,\"depends_on\",0]");
        assertThat(notAList.status()).isEqualTo(422);
        assertThat(notAList.json().get("detail").get(0).get("type").asText()).isEqualTo("list_type");
        assertThat(twice.status()).isEqualTo(422);
        assertThat(twice.json().get("detail").get(0).get("loc").toString()).isEqualTo("[\"body\",\"depends_on\",1]");
        assertThat(tooMany.status()).isEqualTo(422);
        assertThat(tooMany.json().get("detail").get(0).get("type").asText()).isEqualTo("too_long");
        assertThat(http.get("/api/v1/tasks").json().size()).isEqualTo(before + 1); // "known" only
    }

    @Test
    void aRemoteWorkerIsGivenTheResultsOfTheTaskDependenciesWithItsClaim() {
        String a = create("{\"content\": \"a\"}");
        String gpu = create("{\"content\": \"render\", \"queue\": \"gpu\", \"depends_on\": [\"" + a + "\"]}");
        awaitStatus(a, "COMPLETED");

        Http.Answer claimed = http.post("/api/v1/workers/claim", "{\"worker_id\": \"w1\", \"queues\": [\"gpu\"],"
                + " \"max\": 1, \"wait_ms\": 5000}");

        assertThat(claimed.status()).as(claimed.body()).isEqualTo(200);
        JsonNode claim = claimed.json().get(0);
        assertThat(claim.get("task").get("id").asText()).isEqualTo(gpu);
        assertThat(claim.get("dependency_results").get(a).asText()).isEqualTo("Processed: a");
    }
}
