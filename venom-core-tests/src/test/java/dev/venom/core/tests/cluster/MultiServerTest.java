package dev.venom.core.tests.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.PostgresCluster;
import dev.venom.core.tests.support.SchemaServers;
import dev.venom.core.tests.support.ServerProcess;
import dev.venom.core.tests.support.SseStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several servers, each its own process, on one PostgreSQL: what scaling out promises, including the
 * failures (a killed server, a stalled one, the database restarting).
 */
@Tag("postgres")
@Tag("process")
class MultiServerTest {

    @TempDir
    Path dir;

    private SchemaServers servers;

    @BeforeEach
    void database() {
        servers = SchemaServers.create(dir);
    }

    @AfterEach
    void stop() {
        if (servers != null) {
            servers.close();
        }
    }

    private ServerProcess server(String node, Map<String, String> extra) throws IOException {
        Map<String, String> env = new HashMap<>(Map.of("VENOM_LEASE_MS", "3000", "VENOM_HEARTBEAT_MS", "500",
                "VENOM_POLL_MS", "200", "VENOM_SHUTDOWN_GRACE_MS", "200", "VENOM_PROCESSING_DELAY_MS", "0"));
        env.putAll(extra);
        return servers.start(node, env);
    }

    private static JsonNode awaitStatus(Http http, String id, String status, Duration within) {
        await().atMost(within).until(() -> status.equals(http.task(id).get("status").asText()));
        return http.task(id);
    }

    private static List<String> logs(JsonNode task) {
        List<String> lines = new ArrayList<>();
        task.get("logs").forEach(line -> lines.add(line.asText()));
        return lines;
    }

    @Test
    void aPauseOnOneServerStopsEveryServerStartingTheQueuesTasksWithinASecond() throws Exception {
        ServerProcess a = server("node-a", Map.of());
        ServerProcess b = server("node-b", Map.of());
        try (SseStream onB = new SseStream(b.http().base() + "/api/v1/events", null).awaitSubscribed()) {
            long pausedAt = System.nanoTime();
            assertThat(a.http().post("/api/v1/queues/reports/pause", "").status()).isEqualTo(200);
            // b reads the queues every second: its stream tells when it has seen the pause
            SseStream.Sse seen;
            do {
                seen = onB.next();
            } while (seen != null && !seen.type().equals("queue.paused"));
            assertThat(seen).isNotNull();
            assertThat(seen.data().get("queue").asText()).isEqualTo("reports");
            // within its one-second refresh, with room for a busy machine
            assertThat(Duration.ofNanos(System.nanoTime() - pausedAt)).isLessThan(Duration.ofMillis(3000));
        }

        List<String> held = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            held.add((i % 2 == 0 ? a : b).http().post("/api/v1/tasks",
                    "{\"content\": \"held " + i + "\", \"queue\": \"reports\"}").json().get("task_id").asText());
        }
        String other = b.http().create("not paused");

        awaitStatus(b.http(), other, "COMPLETED", Duration.ofSeconds(10));
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                .until(() -> servers.count("queue = 'reports' AND status = 'PENDING'") == 6);
        assertThat(b.http().get("/api/v1/queues/reports").json().get("paused").asBoolean()).isTrue();

        b.http().post("/api/v1/queues/reports/resume", "");
        for (String id : held) {
            awaitStatus(a.http(), id, "COMPLETED", Duration.ofSeconds(10));
        }
    }

    @Test
    void anEmergencyStopOnOneServerCancelsATaskRunningOnAnotherAtOnce() throws Exception {
        // a renews its claims only every 2.5 s: seeing the cancel sooner is the notification's doing
        ServerProcess a = server("node-a", Map.of("VENOM_PROCESSING_DELAY_MS", "60000",
                "VENOM_HEARTBEAT_MS", "2500"));
        ServerProcess b = server("node-b", Map.of("VENOM_PROCESSING_DELAY_MS", "60000"));
        String running = a.http().create("runs on a");
        awaitStatus(a.http(), running, "PROCESSING", Duration.ofSeconds(10));
        assertThat(servers.count("id = '" + running + "' AND lease_owner = 'node-a'")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                a.http().get("/api/v1/queue/status").json().get("active").asInt() == 1);

        JsonNode stop = b.http().post("/api/v1/queue/emergency-stop", "").json();

        assertThat(stop.get("cancelled").asInt()).isEqualTo(1);
        assertThat(a.http().task(running).get("status").asText()).isEqualTo("CANCELLED");
        await().atMost(Duration.ofMillis(1500)).until(() ->
                a.http().get("/api/v1/queue/status").json().get("active").asInt() == 0);
        assertThat(a.http().get("/api/v1/queue/status").json().get("paused").asBoolean()).isTrue();
    }

    @Test
    void aTaskCreatedOnOneServerIsVisibleFromAll() throws Exception {
        ServerProcess a = server("node-a", Map.of("VENOM_PROCESSING_DELAY_MS", "60000"));
        ServerProcess b = server("node-b", Map.of("VENOM_PROCESSING_DELAY_MS", "60000"));
        ServerProcess c = server("node-c", Map.of("VENOM_PROCESSING_DELAY_MS", "60000"));

        String id = a.http().create("seen everywhere");
        String metrics = a.http().get("/metrics").body();
        assertThat(metrics).containsPattern("(?m)^venom_db_pool_max 10(\\.0)?$")
                .containsPattern("(?m)^venom_db_pool_connections\\{state=\"idle\"} [0-9]")
                .containsPattern("(?m)^venom_db_commit_seconds_count [1-9]")
                .containsPattern("(?m)^venom_db_commit_changes_sum [1-9]");

        for (ServerProcess server : List.of(a, b, c)) {
            assertThat(server.http().task(id).get("content").asText()).isEqualTo("seen everywhere");
            assertThat(server.http().get("/api/v1/tasks").json()).extracting(t -> t.get("id").asText()).contains(id);
        }
    }

    @Test
    void aSubscriberOnOneServerSeesTheEventsOfTasksEveryServerRuns() throws Exception {
        ServerProcess a = server("node-a", Map.of("VENOM_PROCESSING_DELAY_MS", "50"));
        ServerProcess b = server("node-b", Map.of("VENOM_PROCESSING_DELAY_MS", "50"));
        try (SseStream completions = new SseStream(
                b.http().base() + "/api/v1/events?status=COMPLETED", null).awaitSubscribed()) {
            // given b hears a (its LISTEN is up): probes created on a until one is seen completing on b
            boolean heard = false;
            for (int i = 0; i < 20 && !heard; i++) {
                a.http().create("probe " + i);
                for (Object e = completions.poll(1, TimeUnit.SECONDS); e != null && !heard;
                     e = completions.poll(1, TimeUnit.SECONDS)) {
                    heard = e instanceof SseStream.Sse sse && sse.type().equals("task.status");
                }
            }
            assertThat(heard).as("b hears a's events").isTrue();

            // when tasks are created on a and run by both servers (a, woken by its own inserts, takes most)
            Set<String> created = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                created.add(a.http().create("task " + i));
            }

            // then b's stream tells each one's completion once, whichever server ran it (and the probes')
            Set<String> completed = new HashSet<>();
            while (!completed.containsAll(created)) {
                SseStream.Sse event = completions.next();
                assertThat(event).as("the stream ended").isNotNull();
                assertThat(event.data().get("status").asText()).isEqualTo("COMPLETED");
                if (event.type().equals("task.status")) {
                    assertThat(completed.add(event.data().get("task_id").asText())).as("told once").isTrue();
                }
            }
        }
    }

    @Test
    void twoThousandTasksOverThreeServersAllCompleteNoneTwice() throws Exception {
        // Three JVMs and PostgreSQL on two cores: a lease long enough that a busy moment is not a lost claim.
        Map<String, String> patient = Map.of("VENOM_LEASE_MS", "10000", "VENOM_HEARTBEAT_MS", "1000");
        List<ServerProcess> three = List.of(server("node-a", patient), server("node-b", patient),
                server("node-c", patient));
        ExecutorService clients = Executors.newFixedThreadPool(6);
        List<Future<String>> created = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            Http http = three.get(i % 3).http();
            String content = "task " + i;
            created.add(clients.submit(() -> http.create(content)));
        }
        for (Future<String> id : created) {
            id.get(60, TimeUnit.SECONDS);
        }
        clients.shutdown();

        await().atMost(Duration.ofSeconds(60)).until(() -> servers.count("status = 'COMPLETED'") == 2000);
        assertThat(servers.count("true")).isEqualTo(2000);
        assertThat(servers.count("attempts <> 1")).as("tasks started more than once").isZero();
        assertThat(servers.count("(SELECT count(*) FROM unnest(logs) l WHERE l LIKE 'Processing started:%') <> 1"))
                .isZero();
        for (ServerProcess server : three) {
            assertThat(server.log()).doesNotContain("claim lost");
        }
    }

    @Test
    void theTasksOfAKilledServerCompleteOnAnotherWithinLeasePlusHeartbeat() throws Exception {
        ServerProcess a = server("node-a", Map.of("VENOM_PROCESSING_DELAY_MS", "600000", "VENOM_MAX_ATTEMPTS", "3"));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(a.http().create("interrupted " + i));
        }
        ids.forEach(id -> awaitStatus(a.http(), id, "PROCESSING", Duration.ofSeconds(10)));
        ServerProcess b = server("node-b", Map.of("VENOM_PROCESSING_DELAY_MS", "50"));

        a.kill();
        long killedAt = System.nanoTime();

        for (String id : ids) {
            JsonNode done = awaitStatus(b.http(), id, "COMPLETED", Duration.ofSeconds(15));
            assertThat(done.get("attempts").asInt()).isEqualTo(2);
            assertThat(logs(done)).anyMatch(l -> l.startsWith("Claim of node-a expired, requeued: "));
        }
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        assertThat(tookMs).as("lease 3 s + heartbeat 0.5 s + poll, with slack").isLessThan(8_000);
    }

    @Test
    void aServerKilledWhileRunningDownABacklogOfBriefTasksLosesNoneAndLeavesNoneStuck() throws Exception {
        // Brief tasks: the lanes claim ahead and the outcomes wait in the write-back window as the kill comes.
        Map<String, String> brief = Map.of("VENOM_PROCESSING_DELAY_MS", "2", "VENOM_MAX_ATTEMPTS", "3");
        ServerProcess a = server("node-a", brief);
        assertThat(a.http().post("/api/v1/queue/pause", "").status()).isEqualTo(200); // a backlog first
        int tasks = 6_000;
        for (int batch = 0; batch < tasks / 1_000; batch++) {
            int number = batch;
            assertThat(a.http().post("/api/v1/tasks/batch", Http.batchOf(1_000, i -> "brief " + number + "-" + i))
                    .status()).isEqualTo(201);
        }
        assertThat(a.http().post("/api/v1/queue/resume", "").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                .until(() -> servers.count("status = 'COMPLETED'") >= 1_000);

        a.kill();
        assertThat(servers.count("status IN ('PENDING', 'PROCESSING')")).as("left when node-a was killed")
                .isPositive();
        server("node-b", brief);

        await().atMost(Duration.ofSeconds(30))
                .until(() -> servers.count("status IN ('PENDING', 'PROCESSING')") == 0);
        assertThat(servers.count("true")).as("every acknowledged task").isEqualTo(tasks);
        assertThat(servers.count("status = 'COMPLETED'")).isEqualTo(tasks);
        assertThat(servers.count("(SELECT count(*) FROM unnest(logs) l WHERE l LIKE 'Processing completed:%') <> 1"))
                .as("tasks recorded as completed more or less than once").isZero();
        assertThat(servers.count("attempts = 2 AND EXISTS (SELECT 1 FROM unnest(logs) l "
                + "WHERE l LIKE 'Claim of node-a expired, requeued: %')"))
                .as("tasks node-a held (claimed, running or waiting for their write) when it was killed")
                .isPositive();
    }

    @Test
    void aStalledServerCannotOverwriteTheResultOfTheServerThatTookOver() throws Exception {
        ServerProcess a = server("node-a", Map.of("VENOM_PROCESSING_DELAY_MS", "4000"));
        String id = a.http().post("/api/v1/tasks", "{\"content\":\"contested\",\"max_attempts\":2}").json()
                .get("task_id").asText();
        awaitStatus(a.http(), id, "PROCESSING", Duration.ofSeconds(10));

        a.signal("STOP");
        ServerProcess b = server("node-b", Map.of("VENOM_PROCESSING_DELAY_MS", "50"));
        JsonNode done = awaitStatus(b.http(), id, "COMPLETED", Duration.ofSeconds(15));
        a.signal("CONT");

        await().atMost(Duration.ofSeconds(10)).until(() -> a.log().contains("claim lost"));
        JsonNode after = b.http().task(id);
        assertThat(after.get("attempts").asInt()).isEqualTo(2);
        assertThat(after.get("updated_at").asText()).isEqualTo(done.get("updated_at").asText());
        assertThat(logs(after)).filteredOn(l -> l.startsWith("Processing completed")).hasSize(1);
        assertThat(logs(after)).anyMatch(l -> l.startsWith("Claim of node-a expired, requeued: "));
    }

    @Test
    void whileTheDatabaseIsDownLongerThanALeaseRequestsAnswer503AndEveryAcknowledgedTaskCompletesAfterwards()
            throws Exception {
        PostgresCluster cluster = PostgresCluster.local();
        // One attempt each (the default): a result held through the outage must be written, not rescued away.
        ServerProcess a = server("node-a", Map.of("VENOM_PROCESSING_DELAY_MS", "300"));
        ServerProcess b = server("node-b", Map.of("VENOM_PROCESSING_DELAY_MS", "300"));
        List<String> acknowledged = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Integer> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService load = Executors.newFixedThreadPool(2);
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        for (ServerProcess server : List.of(a, b)) {
            load.submit(() -> {
                while (running.get()) {
                    try {
                        Http.Answer answer = server.http().post("/api/v1/tasks", "{\"content\":\"under load\"}");
                        statuses.add(answer.status());
                        if (answer.status() == 201) {
                            acknowledged.add(answer.json().get("task_id").asText());
                        }
                    } catch (RuntimeException e) {
                        statuses.add(-1);
                    }
                }
                return null;
            });
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> acknowledged.size() > 200);

        cluster.stop();
        long stoppedAt = System.nanoTime();
        try {
            Http.Answer refused = a.http().post("/api/v1/tasks", "{\"content\":\"db down\"}");
            Http.Answer read = b.http().get("/api/v1/tasks/" + acknowledged.get(0));
            assertThat(refused.status()).isEqualTo(503);
            assertThat(read.status()).isEqualTo(503);
            assertThat(read.json().get("detail").asText()).contains("try again later");
            Http.Answer notReady = b.http().get("/readyz");
            assertThat(notReady.status()).isEqualTo(503);
            assertThat(notReady.json().get("checks").get("store").asText()).startsWith("the database is unreachable");
            Thread.sleep(Math.max(0, 4_500 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt)));
        } finally {
            cluster.start();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> a.http().post("/api/v1/tasks",
                "{\"content\":\"db back\"}").status() == 201);
        assertThat(a.http().get("/readyz").status()).isEqualTo(200);
        int before = acknowledged.size();
        await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.size() > before + 100);
        running.set(false);
        load.shutdown();
        assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        assertThat(statuses).doesNotContain(500);
        String ids = "'" + String.join("','", new ArrayList<>(acknowledged)) + "'";
        await().atMost(Duration.ofSeconds(60)).until(() -> servers.count("status NOT IN ('COMPLETED', 'FAILED')") == 0);
        assertThat(servers.count("id IN (" + ids + ")")).as("acknowledged tasks stored").isEqualTo(acknowledged.size());
        assertThat(servers.count("id IN (" + ids + ") AND status = 'COMPLETED'")).as("acknowledged tasks completed")
                .isEqualTo(acknowledged.size());
    }
}
