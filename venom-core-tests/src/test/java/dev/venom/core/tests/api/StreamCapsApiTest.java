package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.venom.core.http.internal.auth.KeysFile;
import dev.venom.core.http.internal.auth.Role;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Caps on live event streams, per key (429) and in total (503), with {@code Retry-After}; a place frees when
 * its stream ends; a revoked key's streams, SSE and WebSocket, are closed.
 */
class StreamCapsApiTest {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private InProcessServers servers;
    private Http http;
    private KeysFile keys;
    private String watcher;
    private String other;
    private String writer;
    private final List<InputStream> open = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        keys = new KeysFile(dir.resolve("keys"));
        watcher = keys.add("watcher", Role.READ);
        other = keys.add("other", Role.READ);
        writer = keys.add("writer", Role.WRITE);
        servers = new InProcessServers(dir);
        http = servers.start("--api-keys-file", keys.path().toString(), "--max-streams", "3",
                "--max-streams-per-key", "2");
    }

    @AfterEach
    void stop() throws Exception {
        for (InputStream stream : open) {
            stream.close();
        }
        servers.close();
    }

    /** Opens the event stream with {@code key}; answers its status, keeping a 200's body open. */
    private HttpResponse<InputStream> stream(String key) throws Exception {
        HttpResponse<InputStream> response = CLIENT.send(HttpRequest.newBuilder(URI.create(http.base()
                + "/api/v1/events")).header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() == 200) {
            open.add(response.body());
        }
        return response;
    }

    private static String body(HttpResponse<InputStream> response) throws Exception {
        try (InputStream in = response.body()) {
            return new String(in.readAllBytes());
        }
    }

    /** Opens the event stream with {@code key} on a socket of its own; answers the status line and the head. */
    private String rawStream(String key, List<java.net.Socket> into) throws Exception {
        java.net.Socket socket = new java.net.Socket("127.0.0.1", URI.create(http.base()).getPort());
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(("GET /api/v1/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                + key + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        StringBuilder head = new StringBuilder();
        InputStream in = socket.getInputStream();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            head.append((char) c);
        }
        if (head.toString().startsWith("HTTP/1.1 200")) {
            into.add(socket);
        } else {
            socket.close();
        }
        return head.toString();
    }

    @Test
    void aKeyOverItsCapGets429AndTheServerOverItsCap503() throws Exception {
        List<java.net.Socket> sockets = new ArrayList<>();
        try {
            assertThat(rawStream(watcher, sockets)).startsWith("HTTP/1.1 200");
            assertThat(rawStream(watcher, sockets)).startsWith("HTTP/1.1 200");

            HttpResponse<InputStream> third = stream(watcher);
            assertThat(third.statusCode()).isEqualTo(429);
            assertThat(third.headers().firstValue("Retry-After")).contains("5");
            assertThat(body(third)).contains("Too many live streams for key 'watcher': at most 2");

            assertThat(rawStream(other, sockets)).startsWith("HTTP/1.1 200");
            HttpResponse<InputStream> full = stream(other);
            assertThat(full.statusCode()).isEqualTo(503);
            assertThat(body(full)).contains("Too many live streams on this server: at most 3");

            // a stream whose client leaves frees its place: the server notices at its next keep-alive (15 s)
            sockets.remove(0).close();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                    .until(() -> rawStream(watcher, sockets).startsWith("HTTP/1.1 200"));
        } finally {
            for (java.net.Socket socket : sockets) {
                socket.close();
            }
        }
    }

    @Test
    void aRevokedKeysStreamsAreClosed() throws Exception {
        HttpResponse<InputStream> sse = stream(watcher);
        assertThat(sse.statusCode()).isEqualTo(200);
        CompletableFuture<Integer> socketClosed = new CompletableFuture<>();
        WebSocket socket = CLIENT.newWebSocketBuilder().header("Authorization", "Bearer " + watcher)
                .buildAsync(URI.create(http.base().replace("http://", "ws://") + "/api/v1/ws"),
                        new WebSocket.Listener() {
                            @Override
                            public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
                                socketClosed.complete(status);
                                return null;
                            }

                            @Override
                            public void onError(WebSocket ws, Throwable error) {
                                socketClosed.complete(-1);
                            }
                        }).get(10, TimeUnit.SECONDS);
        socket.sendText("{\"subscribe\": \"all\"}", true);
        HttpResponse<InputStream> kept = stream(other);

        keys.revoke("watcher");

        CompletableFuture<Integer> sseEnded = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = sse.body()) {
                while (in.read() >= 0) {
                    // keep-alive comments until the server closes it
                }
                return 0;
            } catch (Exception closed) {
                return -1;
            }
        });
        assertThat(sseEnded.get(10, TimeUnit.SECONDS)).isNotNull();
        assertThat(socketClosed.get(10, TimeUnit.SECONDS)).isNotNull();
        assertThat(kept.statusCode()).isEqualTo(200);
        Http.Answer created = http.send(HttpRequest.newBuilder(URI.create(http.base() + "/api/v1/tasks"))
                .header("Authorization", "Bearer " + writer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"still heard\"}")));
        assertThat(created.status()).isEqualTo(201); // the other key's stream goes on
        byte[] first = kept.body().readNBytes(20);
        assertThat(first).isNotEmpty();
    }
}
