package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.venom.core.http.internal.auth.KeysFile;
import dev.venom.core.http.internal.auth.Role;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server with API keys: who may do what by role, the answers to no key, an unknown key and a key without
 * the role, the routes that stay open, and keys added and revoked while it runs.
 */
class ApiKeysApiTest {

    @TempDir
    Path dir;

    private InProcessServers servers;
    private Http http;
    private KeysFile keys;
    private String reader;
    private String writer;
    private String admin;
    private String worker;

    @BeforeEach
    void start() throws Exception {
        keys = new KeysFile(dir.resolve("keys"));
        reader = keys.add("dashboard", Role.READ);
        writer = keys.add("ci", Role.WRITE);
        admin = keys.add("ops", Role.ADMIN);
        worker = keys.add("gpu-1", Role.WORKER);
        servers = new InProcessServers(dir);
        http = servers.start("--processing-delay-ms", "60000", "--api-keys-file", keys.path().toString());
    }

    @AfterEach
    void stop() {
        servers.close();
    }

    private Http.Answer send(String key, String method, String path, String body) {
        return http.withKey(key, method, path, body);
    }

    private Http.Answer get(String key, String path) {
        return send(key, "GET", path, null);
    }

    private Http.Answer create(String key) {
        return send(key, "POST", "/api/v1/tasks", "{\"content\":\"x\"}");
    }

    @Test
    void aRequestWithoutAKeyOrWithAnUnknownOneIsNotAuthenticated() {
        for (String key : new String[] {null, "venom_not-a-key", ""}) {
            Http.Answer answer = get(key, "/api/v1/tasks");
            assertThat(answer.status()).as("key %s", key).isEqualTo(401);
            assertThat(answer.json().get("detail").asText()).isEqualTo("Not authenticated");
            assertThat(answer.header("WWW-Authenticate")).isEqualTo("Bearer");
            assertThat(answer.header("Content-Type")).startsWith("application/json");
        }
        assertThat(create(null).status()).isEqualTo(401);
        assertThat(send(null, "POST", "/api/v1/queue/pause", "").status()).isEqualTo(401);
        assertThat(get(null, "/no/such/route").status()).as("no route is told to exist without a key")
                .isEqualTo(401);
        assertThat(get(null, "/metrics").status()).isEqualTo(401);
        assertThat(get(null, "/api/v1/events").status()).isEqualTo(401);
    }

    @Test
    void theProbesTheDashboardAndTheDocumentationStayOpen() {
        for (String path : new String[] {"/healthz", "/readyz", "/", "/openapi.json", "/docs"}) {
            assertThat(get(null, path).status()).as(path).isEqualTo(200);
        }
    }

    @Test
    void aReadKeyReadsButMayNotCreate() {
        String id = create(writer).json().get("task_id").asText();

        assertThat(get(reader, "/api/v1/tasks/" + id).status()).isEqualTo(200);
        assertThat(get(reader, "/api/v1/tasks").status()).isEqualTo(200);
        assertThat(get(reader, "/metrics").status()).isEqualTo(200);
        Http.Answer refused = create(reader);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().get("detail").asText()).isEqualTo("Key 'dashboard' (role read) may not create tasks");
        assertThat(send(reader, "POST", "/api/v1/tasks/" + id + "/cancel", "").json().get("detail").asText())
                .isEqualTo("Key 'dashboard' (role read) may not cancel tasks");
    }

    @Test
    void aWriteKeyCreatesAndCancelsButMayNotControlQueues() {
        Http.Answer created = create(writer);
        assertThat(created.status()).isEqualTo(201);
        String id = created.json().get("task_id").asText();
        assertThat(send(writer, "POST", "/api/v1/tasks/" + id + "/cancel", "").status()).isEqualTo(200);

        Http.Answer refused = send(writer, "POST", "/api/v1/queues/default/pause", "");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().get("detail").asText()).isEqualTo("Key 'ci' (role write) may not control queues");
        assertThat(send(writer, "POST", "/api/v1/queue/purge", "").status()).isEqualTo(403);
        assertThat(send(writer, "POST", "/api/v1/queue/emergency-stop", "").status()).isEqualTo(403);
    }

    @Test
    void anAdminKeyControlsQueues() {
        assertThat(send(admin, "POST", "/api/v1/queues/default/pause", "").status()).isEqualTo(200);
        assertThat(get(admin, "/api/v1/queues/default").json().get("paused").asBoolean()).isTrue();
        assertThat(send(admin, "POST", "/api/v1/queues/default/resume", "").status()).isEqualTo(200);
        assertThat(create(admin).status()).isEqualTo(201);
    }

    @Test
    void aWorkerKeyMayDoNothingElseYet() {
        Http.Answer refused = get(worker, "/api/v1/tasks");
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().get("detail").asText()).isEqualTo("Key 'gpu-1' (role worker) may not read");
        assertThat(create(worker).status()).isEqualTo(403);
    }

    @Test
    void keysAddedAndRevokedWhileTheServerRunsTakeEffectWithinSeconds() throws Exception {
        String late = keys.add("late", Role.READ);
        await().atMost(Duration.ofSeconds(5)).until(() -> get(late, "/api/v1/tasks").status() == 200);

        assertThat(keys.revoke("ci")).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> create(writer).status() == 401);
        assertThat(get(reader, "/api/v1/tasks").status()).as("the other keys stay").isEqualTo(200);
    }

    /** Opens the WebSocket without a header, as a browser does, and sends {@code first}; what came back. */
    private List<String> browserSocket(String first, boolean createAfter) throws Exception {
        List<String> frames = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create(http.base().replace("http://", "ws://") + "/api/v1/ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        frames.add(data.toString());
                        ws.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
                        frames.add("closed " + status);
                        closed.complete(status);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        socket.sendText(first, true).get(10, TimeUnit.SECONDS);
        if (createAfter) {
            Thread.sleep(300);
            assertThat(create(writer).status()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(frames)
                    .anyMatch(f -> f.contains("task.created")));
            socket.abort();
        } else {
            closed.get(10, TimeUnit.SECONDS);
        }
        return frames;
    }

    @Test
    void aBrowsersWebSocketShowsItsKeyInItsFirstMessage() throws Exception {
        List<String> heard = browserSocket("{\"authorization\": \"Bearer " + reader + "\", \"subscribe\": \"all\"}",
                true);
        assertThat(heard).anyMatch(frame -> frame.contains("task.created"));

        List<String> refused = browserSocket("{\"subscribe\": \"all\"}", false);
        assertThat(refused).anyMatch(frame -> frame.contains("Not authenticated")).contains("closed 1008");
        assertThat(browserSocket("{\"authorization\": \"Bearer " + worker + "\"}", false)).contains("closed 1008");
        assertThat(browserSocket("{\"authorization\": \"Bearer venom_unknown\"}", false)).contains("closed 1008");
    }

    @Test
    void aWebSocketThatShowsNoKeyIsClosedAfterTenSeconds() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", URI.create(http.base()).getPort())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(("GET /api/v1/ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            java.io.InputStream in = socket.getInputStream();
            long opened = System.nanoTime();
            java.io.ByteArrayOutputStream seen = new java.io.ByteArrayOutputStream();
            try {
                for (int b; (b = in.read()) >= 0; ) {
                    seen.write(b);
                }
            } catch (java.io.IOException reset) {
                // closed by the server
            }
            Duration open = Duration.ofNanos(System.nanoTime() - opened);
            assertThat(seen.toString(java.nio.charset.StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 101")
                    .contains("Not authenticated: no key within 10 s");
            assertThat(open).isBetween(Duration.ofSeconds(9), Duration.ofSeconds(15));
        }
    }
}
