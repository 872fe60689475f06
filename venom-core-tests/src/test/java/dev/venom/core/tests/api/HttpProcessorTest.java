package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.venom.core.http.ServerConfig;
import dev.venom.core.http.VenomApplication;
import dev.venom.core.tests.support.Http;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code VENOM_PROCESSOR=http} against a real HTTP endpoint started by the test. */
class HttpProcessorTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private HttpServer endpoint;
    private String url;
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private final List<Map<String, String>> headers = new CopyOnWriteArrayList<>();
    private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
    private final AtomicInteger flakyCalls = new AtomicInteger();
    private final List<VenomApplication> apps = new ArrayList<>();

    @BeforeEach
    void startEndpoint() throws IOException {
        endpoint = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        endpoint.setExecutor(Executors.newCachedThreadPool());
        endpoint.createContext("/run", this::handle);
        endpoint.start();
        url = "http://127.0.0.1:" + endpoint.getAddress().getPort() + "/run";
    }

    private void handle(HttpExchange exchange) throws IOException {
        JsonNode task = JSON.readTree(exchange.getRequestBody());
        received.add(task);
        headers.add(Map.of("task", String.valueOf(exchange.getRequestHeaders().getFirst("Venom-Task-Id")),
                "attempt", String.valueOf(exchange.getRequestHeaders().getFirst("Venom-Attempt")),
                "type", String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type"))));
        clientPorts.add(exchange.getRemoteAddress().getPort());
        String content = task.get("content").asText();
        switch (content) {
            case "fail" -> answer(exchange, 500, "nope");
            case "slow" -> {
                sleep(2_000);
                answer(exchange, 200, "too late");
            }
            case "flaky" -> answer(exchange, flakyCalls.incrementAndGet() == 1 ? 503 : 200, "recovered");
            default -> answer(exchange, 200, "done: " + content);
        }
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @AfterEach
    void stop() {
        apps.forEach(VenomApplication::close);
        endpoint.stop(0);
    }

    private Http server(String processorUrl, String... flags) {
        List<String> args = new ArrayList<>(List.of("--port", "0", "--state-file",
                dir.resolve("state-" + apps.size() + ".json").toString(), "--processor", "http",
                "--processor-url", processorUrl, "--processor-timeout-ms", "300", "--retry-base-ms", "20"));
        args.addAll(List.of(flags));
        VenomApplication app = VenomApplication.start(
                ServerConfig.load(args.toArray(String[]::new), Map.of(), dir.resolve("no.env")));
        apps.add(app);
        return new Http("http://127.0.0.1:" + app.address().getPort());
    }

    private static JsonNode awaitEnd(Http http, String id) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            String status = http.task(id).get("status").asText();
            return status.equals("COMPLETED") || status.equals("FAILED");
        });
        return http.task(id);
    }

    @Test
    void theAnswerOfA2xxBecomesTheResultAndConnectionsAreReused() {
        Http http = server(url, "--concurrency", "1");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ids.add(http.create("job " + i));
        }

        for (int i = 0; i < ids.size(); i++) {
            JsonNode done = awaitEnd(http, ids.get(i));
            assertThat(done.get("status").asText()).isEqualTo("COMPLETED");
            assertThat(done.get("result").asText()).isEqualTo("done: job " + i);
        }
        assertThat(received).extracting(t -> t.get("id").asText()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(received.get(0).get("status").asText()).isEqualTo("PROCESSING");
        assertThat(headers).allSatisfy(h -> {
            assertThat(ids).contains(h.get("task"));
            assertThat(h.get("attempt")).isEqualTo("1");
            assertThat(h.get("type")).isEqualTo("application/json");
        });
        assertThat(clientPorts).as("connections used for 10 tasks").hasSizeLessThan(3);
    }

    @Test
    void anErrorStatusFailsTheAttemptWithTheStatusAndBody() {
        Http http = server(url);

        JsonNode failed = awaitEnd(http, http.create("fail"));

        assertThat(failed.get("status").asText()).isEqualTo("FAILED");
        assertThat(failed.get("result").asText()).isEqualTo("Error: HTTP 500 from " + url + ": nope");
    }

    @Test
    void noAnswerWithinTheTimeoutFailsTheAttempt() {
        Http http = server(url);

        JsonNode failed = awaitEnd(http, http.create("slow"));

        assertThat(failed.get("result").asText()).isEqualTo("Error: no answer from " + url + " within 300 ms");
    }

    @Test
    void aRefusedConnectionFailsTheAttempt() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String nowhere = "http://127.0.0.1:" + closedPort + "/run";
        Http http = server(nowhere);

        JsonNode failed = awaitEnd(http, http.create("x"));

        assertThat(failed.get("result").asText()).startsWith("Error: cannot connect to " + nowhere);
    }

    @Test
    void aFailedCallIsRetriedWhenTheTaskAllowsIt() {
        Http http = server(url);

        String id = http.post("/api/v1/tasks", "{\"content\":\"flaky\",\"max_attempts\":2}").json()
                .get("task_id").asText();

        JsonNode done = awaitEnd(http, id);
        assertThat(done.get("status").asText()).isEqualTo("COMPLETED");
        assertThat(done.get("result").asText()).isEqualTo("recovered");
        assertThat(done.get("attempts").asInt()).isEqualTo(2);
        assertThat(done.get("logs")).extracting(JsonNode::asText)
                .anyMatch(l -> l.startsWith("Attempt 1 failed: HTTP 503 from " + url))
                .anyMatch(l -> l.startsWith("Retry scheduled: attempt 2 of 2 at "));
        assertThat(headers).extracting(h -> h.get("attempt")).containsExactly("1", "2");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
