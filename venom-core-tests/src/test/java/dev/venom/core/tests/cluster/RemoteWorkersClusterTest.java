package dev.venom.core.tests.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.venom.core.http.WorkerClient;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.SchemaServers;
import dev.venom.core.tests.support.ServerProcess;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two servers on one PostgreSQL, each with its own remote workers, and 10,000 tasks created on both: every task
 * completes, each run exactly once, whichever server a worker asks.
 */
@Tag("postgres")
@Tag("process")
class RemoteWorkersClusterTest {

    private static final int TASKS = 10_000;

    @TempDir
    Path dir;

    private SchemaServers servers;
    private final List<WorkerClient> workers = new ArrayList<>();

    @BeforeEach
    void database() {
        servers = SchemaServers.create(dir);
    }

    @AfterEach
    void stop() {
        workers.forEach(WorkerClient::close);
        if (servers != null) {
            servers.close();
        }
    }

    private ServerProcess server(String node) throws Exception {
        return server(node, "1000");
    }

    private ServerProcess server(String node, String pollMs) throws Exception {
        return servers.start(node, Map.of("VENOM_QUEUES", "default:4,work:remote", "VENOM_LEASE_MS", "30000",
                "VENOM_PROCESSING_DELAY_MS", "0", "VENOM_POLL_MS", pollMs));
    }

    @Test
    void aClaimWaitingOnOneServerIsWokenByATaskCreatedOnAnother() throws Exception {
        // given servers that poll only every 20 s: a wake-up can only come by notification
        ServerProcess a = server("node-a", "20000");
        ServerProcess b = server("node-b", "20000");
        Thread.sleep(6_000); // a server tells the others once it has heard one's probe: they probe every 5 s
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        var waiting = client.sendAsync(java.net.http.HttpRequest.newBuilder(URI.create(a.http().base()
                        + "/api/v1/workers/claim")).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"worker_id\": \"w\", \"queues\": [\"work\"], \"wait_ms\": 15000}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        Thread.sleep(500);

        long created = System.nanoTime();
        String id = b.http().post("/api/v1/tasks", "{\"content\": \"on b\", \"queue\": \"work\"}").json()
                .get("task_id").asText();

        String answer = waiting.get(10, java.util.concurrent.TimeUnit.SECONDS).body();
        assertThat(answer).contains(id);
        assertThat(Duration.ofNanos(System.nanoTime() - created)).isLessThan(Duration.ofSeconds(3));

        // and the progress its worker reports on a is streamed by b too
        try (dev.venom.core.tests.support.SseStream onB = new dev.venom.core.tests.support.SseStream(
                b.http().base() + "/api/v1/tasks/" + id + "/events", null).awaitSubscribed()) {
            a.http().post("/api/v1/tasks/" + id + "/attempts/1/heartbeat", "{\"progress\": 30, \"message\": \"a third\"}");
            dev.venom.core.tests.support.SseStream.Sse seen;
            do {
                seen = onB.next();
            } while (seen != null && !seen.type().equals("task.progress"));
            assertThat(seen).isNotNull();
            assertThat(seen.data().get("progress").toString()).isEqualTo("{\"percent\":30,\"message\":\"a third\"}");
        }
    }

    @Test
    void tenThousandTasksRunOnceEachOnWorkersOfTwoServers() throws Exception {
        ServerProcess a = server("node-a");
        ServerProcess b = server("node-b");
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        int w = 0;
        for (ServerProcess server : List.of(a, b)) {
            for (int i = 0; i < 2; i++) {
                String id = "w" + (w++);
                WorkerClient worker = WorkerClient.builder(URI.create(server.http().base())).workerId(id)
                        .queues("work").maxTasks(8).waitTime(Duration.ofSeconds(2)).build();
                workers.add(worker);
                Thread runner = new Thread(() -> worker.run(task -> {
                    runs.computeIfAbsent(task.task().id().toString(), k -> new AtomicInteger()).incrementAndGet();
                    return "done by " + id;
                }), "worker " + id);
                runner.setDaemon(true);
                runner.start();
            }
        }

        ExecutorService producers = Executors.newFixedThreadPool(8);
        List<Future<?>> sent = new ArrayList<>();
        for (int p = 0; p < 8; p++) {
            int producer = p;
            sent.add(producers.submit(() -> {
                Http http = (producer % 2 == 0 ? a : b).http();
                for (int i = producer; i < TASKS; i += 8) {
                    Http.Answer created = http.post("/api/v1/tasks", "{\"content\": \"t" + i + "\", \"queue\": \"work\"}");
                    assertThat(created.status()).as(created.body()).isEqualTo(201);
                }
            }));
        }
        for (Future<?> producer : sent) {
            producer.get();
        }
        producers.shutdown();

        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> servers.count("status = 'COMPLETED'") == TASKS);
        assertThat(servers.count("true")).isEqualTo(TASKS);
        assertThat(runs).hasSize(TASKS);
        assertThat(runs.values()).allMatch(n -> n.get() == 1);
        assertThat(servers.count("attempts <> 1 OR (SELECT count(*) FROM unnest(logs) line "
                + "WHERE line LIKE 'Processing completed%') <> 1")).isZero();
        for (ServerProcess server : List.of(a, b)) {
            JsonNode seen = server.http().get("/api/v1/workers").json().get("workers");
            assertThat(seen).hasSize(2);
            seen.forEach(worker -> assertThat(worker.get("completed").asLong()).isPositive());
        }
    }
}
