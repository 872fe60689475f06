package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The remote workers' protocol over real HTTP: claim and complete, the long poll, labels, heartbeats and
 * leases, cancels reaching the worker, and every call of an attempt that is no longer current answered 409
 * without changing the task.
 */
class WorkerProtocolApiTest {

    @TempDir
    Path dir;

    private InProcessServers servers;
    private Http http;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        servers = new InProcessServers(dir);
        http = servers.start("--processing-delay-ms", "0", "--queues", "default:4,gpu:remote",
                "--lease-ms", "2000", "--heartbeat-ms", "200", "--request-timeout-ms", "500");
    }

    @AfterEach
    void stop() {
        servers.close();
    }

    private String gpuTask(String content, String extra) {
        Http.Answer created = http.post("/api/v1/tasks", "{\"content\": " + Http.quote(content)
                + ", \"queue\": \"gpu\"" + extra + "}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().get("task_id").asText();
    }

    private static String claimBody(String worker, String labels, int max, int waitMs) {
        return "{\"worker_id\": \"" + worker + "\", \"queues\": [\"gpu\"], \"labels\": " + labels + ", \"max\": " + max
                + ", \"wait_ms\": " + waitMs + "}";
    }

    private JsonNode claim(String worker, String labels, int max, int waitMs) {
        Http.Answer answer = http.post("/api/v1/workers/claim", claimBody(worker, labels, max, waitMs));
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json();
    }

    private CompletableFuture<HttpResponse<String>> claimAsync(String worker, int waitMs) {
        return client.sendAsync(HttpRequest.newBuilder(URI.create(http.base() + "/api/v1/workers/claim"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(claimBody(worker, "{}", 1, waitMs))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private Http.Answer call(String id, int attempt, String what, String body) {
        return http.post("/api/v1/tasks/" + id + "/attempts/" + attempt + "/" + what, body);
    }

    @Test
    void aWorkerClaimsLogsAndCompletesATaskTheServerNeverRuns() {
        String id = gpuTask("render a frame", "");
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> http.task(id).get("status").asText().equals("PENDING"));

        JsonNode claimed = claim("w1", "{}", 10, 0);

        assertThat(claimed).hasSize(1);
        assertThat(claimed.get(0).get("attempt").asInt()).isEqualTo(1);
        assertThat(claimed.get(0).get("task").get("id").asText()).isEqualTo(id);
        assertThat(claimed.get(0).get("task").get("status").asText()).isEqualTo("PROCESSING");
        assertThat(Instant.parse(claimed.get(0).get("lease_expires_at").asText())).isAfter(Instant.now());
        assertThat(call(id, 1, "log", "{\"lines\": [\"loading the scene\"], \"worker_id\": \"w1\"}").json()
                .get("logged").asInt()).isEqualTo(1);
        Http.Answer done = call(id, 1, "complete", "{\"result\": \"frame.png\", \"worker_id\": \"w1\"}");
        assertThat(done.status()).isEqualTo(200);
        JsonNode task = http.task(id);
        assertThat(task.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(task.get("result").asText()).isEqualTo("frame.png");
        assertThat(task.get("logs").toString()).contains("loading the scene - ");
        JsonNode workers = http.get("/api/v1/workers").json().get("workers");
        assertThat(workers).hasSize(1);
        assertThat(workers.get(0).get("worker_id").asText()).isEqualTo("w1");
        assertThat(workers.get(0).get("completed").asInt()).isEqualTo(1);
        assertThat(workers.get(0).get("in_flight").asInt()).isZero();
        assertThat(http.get("/metrics").body()).contains("venom_worker_claims_total{worker=\"w1\"} 1.0");
    }

    @Test
    void aLongPollIsWokenByANewTaskWithinFiftyMillisecondsAndOutlivesTheRequestTimeout() throws Exception {
        List<Long> wakeUps = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            CompletableFuture<HttpResponse<String>> waiting = claimAsync("w1", 10_000);
            Thread.sleep(700); // longer than the request timeout: the wait is the server's, not the client's
            assertThat(waiting).isNotDone();
            String id = gpuTask("round " + round, "");
            long created = System.nanoTime();
            HttpResponse<String> answer = waiting.get(5, TimeUnit.SECONDS);
            wakeUps.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - created));
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).contains(id);
            call(id, 1, "complete", "{\"result\": \"ok\"}");
        }
        Collections.sort(wakeUps);
        assertThat(wakeUps.get(2)).as("median of %s ms", wakeUps).isLessThanOrEqualTo(50);

        long start = System.nanoTime();
        HttpResponse<String> none = claimAsync("w1", 1_000).get(5, TimeUnit.SECONDS);
        assertThat(none.statusCode()).isEqualTo(200);
        assertThat(none.body()).isEqualTo("[]");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void aWaitingClaimWhoseWorkerHungUpTakesNothing() throws Exception {
        String body = claimBody("ghost", "{}", 1, 10_000);
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", URI.create(http.base()).getPort())) {
            socket.getOutputStream().write(("POST /api/v1/workers/claim HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            Thread.sleep(300); // the claim waits
        }
        Thread.sleep(300); // the server has seen the connection close

        String id = gpuTask("for a live worker", "");

        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> http.task(id).get("status").asText().equals("PENDING"));
        assertThat(claim("w1", "{}", 1, 0)).extracting(c -> c.get("task").get("id").asText()).containsExactly(id);
    }

    @Test
    void aWorkerReceivesOnlyTasksItsLabelsSatisfy() {
        String a100 = gpuTask("big model", ", \"requires\": {\"gpu\": \"a100\"}");
        String any = gpuTask("small model", "");

        JsonNode t4 = claim("t4", "{\"gpu\": \"t4\"}", 10, 0);
        JsonNode big = claim("big", "{\"gpu\": \"a100\", \"zone\": \"eu\"}", 10, 0);

        assertThat(t4).extracting(c -> c.get("task").get("id").asText()).containsExactly(any);
        assertThat(big).extracting(c -> c.get("task").get("id").asText()).containsExactly(a100);
        assertThat(big.get(0).get("task").get("requires").toString()).isEqualTo("{\"gpu\":\"a100\"}");
    }

    @Test
    void heartbeatsKeepTheTaskAndAWorkerThatStopsLosesItToAnotherWhichCompletesItOnce() throws Exception {
        String kept = gpuTask("kept alive", ", \"max_attempts\": 2"); // an expired lease counts an attempt
        claim("w1", "{}", 1, 0);
        for (int i = 0; i < 6; i++) { // 3 s: past the 2 s lease
            Thread.sleep(500);
            JsonNode beat = call(kept, 1, "heartbeat", "{\"progress\": " + (i * 10) + ", \"message\": \"step " + i
                    + "\"}").json();
            assertThat(beat.get("cancel_requested").asBoolean()).isFalse();
        }
        JsonNode task = http.task(kept);
        assertThat(task.get("status").asText()).isEqualTo("PROCESSING");
        assertThat(task.get("progress").toString()).isEqualTo("{\"percent\":50,\"message\":\"step 5\"}");

        // w1 stops beating: after the lease the task is rescued, and w2 takes it
        await().atMost(Duration.ofSeconds(5)).until(() -> http.task(kept).get("status").asText().equals("PENDING"));
        JsonNode second = claim("w2", "{}", 1, 0);
        assertThat(second.get(0).get("attempt").asInt()).isEqualTo(2);
        Http.Answer late = call(kept, 1, "complete", "{\"result\": \"from w1\"}");
        assertThat(late.status()).isEqualTo(409);
        assertThat(late.json().get("detail").asText()).isEqualTo("Attempt 1 of task " + kept
                + " is no longer current: attempt 2 has started since");
        assertThat(call(kept, 2, "complete", "{\"result\": \"from w2\", \"worker_id\": \"w2\"}").status())
                .isEqualTo(200);
        assertThat(http.task(kept).get("result").asText()).isEqualTo("from w2");
        assertThat(http.task(kept).get("logs").toString()).contains("Claim of worker:w1 expired");
    }

    @Test
    void aCancelReachesTheWorkerOnItsNextHeartbeat() {
        String id = gpuTask("to cancel", "");
        claim("w1", "{}", 1, 0);

        assertThat(http.post("/api/v1/tasks/" + id + "/cancel", "").status()).isEqualTo(200);

        JsonNode beat = call(id, 1, "heartbeat", "{}").json();
        assertThat(beat.get("cancel_requested").asBoolean()).isTrue();
        assertThat(beat.get("lease_expires_at").isNull()).isTrue();
    }

    @Test
    void everyCallOfAnAttemptNoLongerCurrentIsAnswered409AndChangesNothing() {
        String id = gpuTask("fenced", "");
        claim("w1", "{}", 1, 0);
        call(id, 1, "complete", "{\"result\": \"done\"}");
        String before = http.task(id).toString();

        for (String[] late : new String[][] {{"heartbeat", "{}"}, {"log", "{\"lines\": [\"late\"]}"},
                {"complete", "{\"result\": \"again\"}"}, {"fail", "{\"error\": \"late\"}"}, {"release", "{}"}}) {
            Http.Answer answer = call(id, 1, late[0], late[1]);
            assertThat(answer.status()).as(late[0]).isEqualTo(409);
            assertThat(answer.json().get("detail").asText()).as(late[0])
                    .isEqualTo("Attempt 1 of task " + id + " is no longer current: the task has ended COMPLETED");
        }
        assertThat(call(id, 7, "heartbeat", "{}").status()).isEqualTo(409);
        assertThat(http.task(id).toString()).isEqualTo(before);

        String other = gpuTask("held by w2", "");
        claim("w2", "{}", 1, 0);
        Http.Answer wrongWorker = call(other, 1, "complete", "{\"result\": \"x\", \"worker_id\": \"w1\"}");
        assertThat(wrongWorker.status()).isEqualTo(409);
        assertThat(wrongWorker.json().get("detail").asText()).endsWith("it is held by worker:w2, not by worker:w1");
        assertThat(http.task(other).get("status").asText()).isEqualTo("PROCESSING");
        assertThat(http.get("/metrics").body()).contains("venom_worker_fenced_total{worker=\"w1\"} 1.0");
    }

    @Test
    void aFailureIsRetriedAfterTheWorkersDelayAndAReleasedTaskRunsAgain() {
        String id = gpuTask("flaky", ", \"max_attempts\": 3");
        claim("w1", "{}", 1, 0);

        JsonNode retried = call(id, 1, "fail", "{\"error\": \"GPU out of memory\", \"retry_after_ms\": 300}").json();
        assertThat(retried.get("status").asText()).isEqualTo("PENDING");
        assertThat(retried.get("run_at").isNull()).isFalse();
        await().atMost(Duration.ofSeconds(3)).until(() -> claim("w1", "{}", 1, 0).size() == 1);

        JsonNode released = call(id, 2, "release", "{\"worker_id\": \"w1\"}").json();
        assertThat(released.get("status").asText()).isEqualTo("PENDING");
        assertThat(released.get("logs").toString()).contains("Released by worker:w1, will run again");
        JsonNode failed = call(id, claim("w1", "{}", 1, 0).get(0).get("attempt").asInt(), "fail",
                "{\"error\": \"bad input\", \"retryable\": false}").json();
        assertThat(failed.get("status").asText()).isEqualTo("FAILED");
        assertThat(failed.get("result").asText()).isEqualTo("Error: bad input");
    }

    @Test
    void aReportRecordsSeveralOutcomesAndAnswersEachAsItsOwnCallWould() {
        String done = gpuTask("done", "");
        String broken = gpuTask("broken", "");
        String fenced = gpuTask("fenced", "");
        claim("w1", "{}", 3, 0);
        call(fenced, 1, "complete", "{\"result\": \"first\"}");

        JsonNode answer = http.post("/api/v1/workers/report", "{\"worker_id\": \"w1\", \"outcomes\": ["
                + "{\"task_id\": \"" + done + "\", \"attempt\": 1, \"result\": \"ok\"},"
                + "{\"task_id\": \"" + broken + "\", \"attempt\": 1, \"error\": \"bad\", \"retryable\": false},"
                + "{\"task_id\": \"" + fenced + "\", \"attempt\": 1, \"result\": \"second\"},"
                + "{\"task_id\": \"00000000-0000-0000-0000-000000000000\", \"attempt\": 1, \"result\": \"x\"}]}")
                .json().get("outcomes");

        assertThat(answer).extracting(o -> o.get("status").asInt()).containsExactly(200, 200, 409, 404);
        assertThat(answer.get(2).get("detail").asText()).endsWith("the task has ended COMPLETED");
        assertThat(http.task(done).get("result").asText()).isEqualTo("ok");
        assertThat(http.task(broken).get("status").asText()).isEqualTo("FAILED");
        assertThat(http.task(fenced).get("result").asText()).isEqualTo("first");
        Http.Answer invalid = http.post("/api/v1/workers/report", "{\"outcomes\": [{\"task_id\": \"" + done
                + "\", \"attempt\": 1, \"result\": \"r\", \"error\": \"e\"}]}");
        assertThat(invalid.status()).isEqualTo(422);
        assertThat(invalid.json().get("detail").get(0).get("loc").toString()).isEqualTo("[\"body\",\"outcomes\",0]");
    }

    @Test
    void badCallsAreAnswered4xxInJson() {
        assertThat(http.post("/api/v1/workers/claim", "{\"queues\": [\"gpu\"]}").json().get("detail").get(0)
                .get("loc").toString()).isEqualTo("[\"body\",\"worker_id\"]");
        Http.Answer local = http.post("/api/v1/workers/claim", "{\"worker_id\": \"w\", \"queues\": [\"default\"]}");
        assertThat(local.status()).isEqualTo(422);
        assertThat(local.body()).contains("queue 'default' is not served by remote workers here");
        assertThat(http.post("/api/v1/workers/claim", claimBody("w", "{}", 101, 0)).status()).isEqualTo(422);
        assertThat(http.post("/api/v1/workers/claim", claimBody("w", "{\"gpu\": 1}", 1, 0)).status()).isEqualTo(422);
        assertThat(http.post("/api/v1/workers/claim", claimBody("w", "{}", 1, 60_001)).status()).isEqualTo(422);
        assertThat(call("00000000-0000-0000-0000-000000000000", 1, "heartbeat", "{}").status()).isEqualTo(404);
        assertThat(call("not-a-uuid", 1, "heartbeat", "{}").status()).isEqualTo(422);
        assertThat(call("00000000-0000-0000-0000-000000000000", 0, "heartbeat", "{}").status()).isEqualTo(422);
        assertThat(call("00000000-0000-0000-0000-000000000000", 1, "log", "{\"lines\": []}").status())
                .isEqualTo(422);
        assertThat(call("00000000-0000-0000-0000-000000000000", 1, "complete", "not json").status())
                .isEqualTo(422);
        assertThat(http.post("/api/v1/tasks", "{\"content\": \"x\", \"requires\": {\"bad name\": \"v\"}}").status())
                .isEqualTo(422);
    }
}
