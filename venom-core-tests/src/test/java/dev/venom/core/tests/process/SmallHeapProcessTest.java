package dev.venom.core.tests.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.ServerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large tasks sent faster than a small heap can hold them: the server refuses what it cannot keep with 503
 * and {@code Retry-After}, never a 500, keeps running every task it accepted, and stays up.
 */
@Tag("process")
class SmallHeapProcessTest {

    private static final int CLIENTS = 8;
    private static final int POSTS = 600;
    private static final String CONTENT = "x".repeat(256 * 1024); // 600 of them: 150 MiB against a 96 MiB heap

    @TempDir
    Path dir;

    @Test
    void aFloodOfLargeTasksIntoASmallHeapIsRefusedWith503AndNothingAcceptedIsLeftBehind() throws Exception {
        try (ServerProcess server = ServerProcess.startWithJvm(List.of("-Xmx96m"), dir,
                Map.of("VENOM_PROCESSING_DELAY_MS", "10", "VENOM_FSYNC", "batch", "VENOM_CONCURRENCY", "8"))) {
            try {
                flood(server);
            } catch (AssertionError | RuntimeException e) {
                String log = server.log();
                throw new AssertionError(e.getMessage() + "\n--- server log (end) ---\n"
                        + log.substring(Math.max(0, log.length() - 20_000)), e);
            }
        }
    }

    private static void flood(ServerProcess server) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String base = "http://127.0.0.1:" + server.port();
        String body = "{\"content\": \"" + CONTENT + "\"}";
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        List<String> unexpected = new CopyOnWriteArrayList<>();
        Set<String> created = ConcurrentHashMap.newKeySet();
        AtomicInteger sent = new AtomicInteger();

        // when eight clients send 600 tasks of 256 KiB each as fast as they are answered
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        for (int c = 0; c < CLIENTS; c++) {
            clients.execute(() -> {
                while (sent.incrementAndGet() <= POSTS) {
                    try {
                        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(
                                        URI.create(base + "/api/v1/tasks"))
                                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        statuses.computeIfAbsent(answer.statusCode(), s -> new AtomicInteger()).incrementAndGet();
                        if (answer.statusCode() == 201) {
                            created.add(answer.body().replaceAll(".*\"task_id\":\"([^\"]+)\".*", "$1"));
                        } else if (answer.statusCode() != 503
                                || answer.headers().firstValue("Retry-After").isEmpty()
                                || !answer.body().startsWith("{\"detail\":")) {
                            unexpected.add(answer.statusCode() + " " + answer.headers().map() + " " + answer.body());
                        }
                    } catch (Exception e) {
                        unexpected.add(e.toString());
                    }
                }
            });
        }
        clients.shutdown();
        assertThat(clients.awaitTermination(5, TimeUnit.MINUTES)).isTrue();

        // then every answer is 201 or a 503 the client can act on, and the server is still up
        assertThat(unexpected).as("answers other than 201 or 503 with Retry-After; statuses " + statuses)
                .isEmpty();
        assertThat(statuses.keySet()).as("statuses").isSubsetOf(201, 503);
        assertThat(created).as("tasks accepted").hasSizeGreaterThan(10);
        Http http = server.http();
        assertThat(http.get("/healthz").status()).isEqualTo(200);
        Http.Answer ready = http.get("/readyz");
        assertThat(ready.status()).as(ready.body()).isIn(200, 503);
        assertThat(ready.json().get("checks").get("store").asText()).as(ready.body()).isEqualTo("ok");

        // and every task it accepted runs to its end, none stays PENDING or PROCESSING
        await().atMost(Duration.ofSeconds(60)).until(() -> created.stream()
                .allMatch(id -> "COMPLETED".equals(http.task(id).get("status").asText())));
        assertThat(server.log()).doesNotContain("died");
    }
}
