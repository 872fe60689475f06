package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The task options and the calls of issue 4, spoken over HTTP to the real server running in this JVM. */
class TaskOptionsApiTest {

    private static final Pattern NEXT = Pattern.compile("<([^>]+)>; rel=\"next\"");

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

    private static JsonNode awaitStatus(Http http, String id, String status) {
        await().atMost(Duration.ofSeconds(10)).until(() -> status.equals(http.task(id).get("status").asText()));
        return http.task(id);
    }

    private static String created(Http.Answer answer) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(201);
        return answer.json().get("task_id").asText();
    }

    @Test
    void optionsAreEchoedAsTaskFieldsAfterLogsAndDefaultsFillTheRest() {
        Http http = start("--processing-delay-ms", "60000");

        String id = created(http.post("/api/v1/tasks", "{\"content\":\"x\",\"priority\":7,\"max_attempts\":3,"
                + "\"run_at\":\"2099-01-01T00:00:00Z\",\"timeout_ms\":1500}"));
        String plain = http.create("y");

        JsonNode task = http.task(id);
        assertThat(task.fieldNames()).toIterable().containsExactly("id", "content", "created_at", "status", "result",
                "logs", "priority", "attempts", "max_attempts", "run_at", "timeout_ms", "idempotency_key", "queue",
                "updated_at", "finished_at", "requires", "progress", "depends_on", "waiting_on");
        assertThat(task.get("priority").asInt()).isEqualTo(7);
        assertThat(task.get("max_attempts").asInt()).isEqualTo(3);
        assertThat(task.get("run_at").asText()).isEqualTo("2099-01-01T00:00:00.000000Z");
        assertThat(task.get("timeout_ms").asLong()).isEqualTo(1500);
        assertThat(task.get("finished_at").isNull()).isTrue();
        JsonNode defaults = http.task(plain);
        assertThat(defaults.get("priority").asInt()).isZero();
        assertThat(defaults.get("max_attempts").asInt()).isEqualTo(1);
        assertThat(defaults.get("run_at").isNull()).isTrue();
        assertThat(defaults.get("timeout_ms").isNull()).isTrue();
        assertThat(defaults.get("updated_at").asText()).matches("\\d{4}-.+\\.\\d{6}Z");
    }

    @Test
    void outOfRangeOptionsAre422sInTheFastApiShapeWithTheFieldsLoc() {
        Http http = start();

        Http.Answer answer = http.post("/api/v1/tasks", "{\"content\":\"x\",\"priority\":12,\"max_attempts\":0,"
                + "\"timeout_ms\":\"soon\",\"run_at\":\"tomorrow\"}");

        assertThat(answer.status()).isEqualTo(422);
        assertThat(answer.json().get("detail")).extracting(e -> e.get("loc").toString()).containsExactly(
                "[\"body\",\"priority\"]", "[\"body\",\"max_attempts\"]", "[\"body\",\"timeout_ms\"]",
                "[\"body\",\"run_at\"]");
        assertThat(answer.json().get("detail").get(0).get("msg").asText())
                .isEqualTo("Input should be less than or equal to 9");
        assertThat(answer.json().get("detail").get(0).get("input").asInt()).isEqualTo(12);
    }

    @Test
    void higherPriorityRunsFirstUnderAConcurrencyOfOne() {
        Http http = start("--concurrency", "1", "--processing-delay-ms", "50");
        String due = "\"run_at\":\"" + Instant.now().plusMillis(1500) + "\"";

        String low = created(http.post("/api/v1/tasks", "{\"content\":\"low\"," + due + "}"));
        String high = created(http.post("/api/v1/tasks", "{\"content\":\"high\",\"priority\":9," + due + "}"));
        String mid = created(http.post("/api/v1/tasks", "{\"content\":\"mid\",\"priority\":4," + due + "}"));

        List<Instant> finished = Stream.of(high, mid, low)
                .map(id -> Instant.parse(awaitStatus(http, id, "COMPLETED").get("finished_at").asText())).toList();
        assertThat(finished.get(0)).isBefore(finished.get(1));
        assertThat(finished.get(1)).isBefore(finished.get(2));
    }

    @Test
    void aTaskWaitsForItsRunAt() {
        Http http = start("--processing-delay-ms", "0");
        String at = Instant.now().plusMillis(800).toString();

        String id = created(http.post("/api/v1/tasks", "{\"content\":\"later\",\"run_at\":\"" + at + "\"}"));

        assertThat(http.task(id).get("status").asText()).isEqualTo("PENDING");
        JsonNode done = awaitStatus(http, id, "COMPLETED");
        assertThat(Instant.parse(done.get("finished_at").asText())).isAfterOrEqualTo(Instant.parse(at));
    }

    @Test
    void anAttemptPastItsTimeoutFails() {
        Http http = start("--processing-delay-ms", "5000");

        String id = created(http.post("/api/v1/tasks", "{\"content\":\"slow\",\"timeout_ms\":100}"));

        JsonNode failed = awaitStatus(http, id, "FAILED");
        assertThat(failed.get("result").asText()).isEqualTo("Error: timed out after 100 ms");
    }

    @Test
    void cancelEndsPendingAndRunningTasksAndRefusesEndedOrUnknownOnes() {
        Http http = start("--processing-delay-ms", "60000");
        String pending = created(http.post("/api/v1/tasks", "{\"content\":\"p\",\"run_at\":\"2099-01-01T00:00:00Z\"}"));
        String running = http.create("r");
        awaitStatus(http, running, "PROCESSING");

        Http.Answer cancelPending = http.post("/api/v1/tasks/" + pending + "/cancel", "");
        Http.Answer cancelRunning = http.post("/api/v1/tasks/" + running + "/cancel", "");
        Http.Answer again = http.post("/api/v1/tasks/" + pending + "/cancel", "");
        Http.Answer unknown = http.post("/api/v1/tasks/3fa85f64-5717-4562-b3fc-2c963f66afa6/cancel", "");
        Http.Answer invalid = http.post("/api/v1/tasks/nope/cancel", "");

        assertThat(cancelPending.status()).isEqualTo(200);
        assertThat(cancelPending.json().get("status").asText()).isEqualTo("CANCELLED");
        assertThat(cancelPending.json().get("logs").get(1).asText()).matches("Cancelled: .+\\.\\d{6}Z");
        assertThat(cancelPending.json().get("finished_at").isNull()).isFalse();
        assertThat(cancelRunning.status()).isEqualTo(200);
        assertThat(http.task(running).get("status").asText()).isEqualTo("CANCELLED");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("detail").asText()).contains("already ended: CANCELLED");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(invalid.status()).isEqualTo(422);
    }

    @Test
    void twentyConcurrentPostsWithOneIdempotencyKeyCreateExactlyOneTask() throws Exception {
        Http http = start("--processing-delay-ms", "0");
        ExecutorService clients = Executors.newFixedThreadPool(20);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Http.Answer>> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            answers.add(clients.submit(() -> {
                go.await();
                return http.post("/api/v1/tasks", "{\"content\":\"charge card 42\"}", "Idempotency-Key", "charge-42");
            }));
        }
        go.countDown();
        List<Integer> statuses = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Future<Http.Answer> answer : answers) {
            Http.Answer a = answer.get(20, TimeUnit.SECONDS);
            statuses.add(a.status());
            ids.add(a.json().get("task_id").asText());
        }
        clients.shutdown();

        assertThat(statuses).containsOnly(201, 200);
        assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
        assertThat(ids).hasSize(1);
        JsonNode all = http.get("/api/v1/tasks").json();
        assertThat(all).filteredOn(t -> "charge-42".equals(t.get("idempotency_key").asText())).hasSize(1);
        Http.Answer different = http.post("/api/v1/tasks", "{\"content\":\"charge card 43\"}",
                "Idempotency-Key", "charge-42");
        assertThat(different.status()).isEqualTo(409);
        assertThat(different.json().get("detail").asText()).contains(ids.iterator().next());
        Http.Answer tooLong = http.post("/api/v1/tasks", "{\"content\":\"x\"}", "Idempotency-Key", "k".repeat(256));
        assertThat(tooLong.status()).isEqualTo(422);
        assertThat(tooLong.json().get("detail").get(0).get("loc").toString()).isEqualTo("[\"header\",\"idempotency-key\"]");
    }

    @Test
    void listingFiltersByStatusAndPagesThroughTheLinkHeader() {
        Http http = start("--processing-delay-ms", "60000", "--concurrency", "1");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add(created(http.post("/api/v1/tasks", "{\"content\":\"t" + i + "\",\"run_at\":\"2099-01-01T00:00:00Z\"}")));
        }
        http.post("/api/v1/tasks/" + ids.get(0) + "/cancel", "");

        List<String> paged = new ArrayList<>();
        String next = "/api/v1/tasks?status=pending&limit=2";
        int pages = 0;
        while (next != null) {
            Http.Answer page = http.get(next);
            assertThat(page.status()).isEqualTo(200);
            page.json().forEach(task -> paged.add(task.get("id").asText()));
            String link = page.header("Link");
            Matcher m = link == null ? null : NEXT.matcher(link);
            next = m != null && m.find() ? m.group(1) : null;
            pages++;
        }

        assertThat(paged).containsExactlyElementsOf(ids.subList(1, 7));
        assertThat(pages).isEqualTo(3);
        assertThat(http.get("/api/v1/tasks?status=CANCELLED").json()).extracting(t -> t.get("id").asText())
                .containsExactly(ids.get(0));
        assertThat(http.get("/api/v1/tasks").json()).hasSize(7);
        assertThat(http.get("/api/v1/tasks?limit=7").header("Link")).isNull();
        assertThat(http.get("/api/v1/tasks?status=DONE").status()).isEqualTo(422);
        assertThat(http.get("/api/v1/tasks?limit=0").status()).isEqualTo(422);
        assertThat(http.get("/api/v1/tasks?cursor=garbage").status()).isEqualTo(422);
        assertThat(http.get("/api/v1/tasks?cursor=f_________8AAAAAAAAAAAAAAAAAAAAAAAAAAA").status()).isEqualTo(422);
    }

    @Test
    void beyondMaxPendingPostAnswers503WithRetryAfterAndReadsStillWork() {
        Http http = start("--max-pending", "2");
        String first = created(http.post("/api/v1/tasks", "{\"content\":\"1\",\"run_at\":\"2099-01-01T00:00:00Z\"}"));
        created(http.post("/api/v1/tasks", "{\"content\":\"2\",\"run_at\":\"2099-01-01T00:00:00Z\"}"));

        Http.Answer refused = http.post("/api/v1/tasks", "{\"content\":\"3\"}");

        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.json().get("detail").asText()).isEqualTo("Too many pending tasks");
        assertThat(refused.header("Retry-After")).isEqualTo("1");
        assertThat(http.get("/api/v1/tasks/" + first).status()).isEqualTo(200);
        assertThat(http.get("/healthz").status()).isEqualTo(200);
        assertThat(http.post("/api/v1/tasks/" + first + "/cancel", "").status()).isEqualTo(200);
        assertThat(http.post("/api/v1/tasks", "{\"content\":\"3\"}").status()).isEqualTo(201);
    }
}
