package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A browser cannot be turned against a server, keys or not: changes from another site's page are refused,
 * a foreign {@code Host} (DNS rebinding) is refused, only allowed origins get CORS headers, and every answer
 * forbids framing and sniffing.
 */
class BrowserSafetyApiTest {

    private static final String ALLOWED = "http://app.example:3000";

    @TempDir
    Path dir;

    private InProcessServers servers;
    private Http http;

    @BeforeEach
    void start() {
        servers = new InProcessServers(dir);
        http = servers.start("--processing-delay-ms", "60000", "--cors-origins", ALLOWED);
    }

    @AfterEach
    void stop() {
        servers.close();
    }

    private Http.Answer post(String path, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(http.base() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http.send(request);
    }

    private int taskCount() {
        return http.get("/api/v1/tasks").json().size();
    }

    @Test
    void aChangeFromAnotherSitesPageIsRefusedEvenWithoutKeys() {
        // a "simple" cross-site POST: no Content-Type, as a form or fetch(no-cors) sends it
        Http.Answer fromEvil = post("/api/v1/tasks", "{\"content\":\"x\"}", "Origin", "http://evil.example");
        assertThat(fromEvil.status()).isEqualTo(403);
        assertThat(fromEvil.json().get("detail").asText()).contains("origin http://evil.example may not change");
        assertThat(post("/api/v1/queue/emergency-stop", "", "Origin", "null").status()).isEqualTo(403);
        assertThat(post("/api/v1/tasks", "{\"content\":\"x\"}", "Sec-Fetch-Site", "cross-site").status())
                .isEqualTo(403);
        assertThat(taskCount()).isZero();

        // the server's own page, a non-browser client and an allowed origin may
        assertThat(post("/api/v1/tasks", "{\"content\":\"own\"}", "Origin", http.base()).status()).isEqualTo(201);
        assertThat(post("/api/v1/tasks", "{\"content\":\"curl\"}").status()).isEqualTo(201);
        assertThat(post("/api/v1/tasks", "{\"content\":\"same-site\"}", "Sec-Fetch-Site", "same-origin").status())
                .isEqualTo(201);
        Http.Answer allowed = post("/api/v1/tasks", "{\"content\":\"app\"}", "Origin", ALLOWED,
                "Content-Type", "application/json");
        assertThat(allowed.status()).isEqualTo(201);
        assertThat(allowed.header("Access-Control-Allow-Origin")).isEqualTo(ALLOWED);
        assertThat(taskCount()).isEqualTo(4);
    }

    @Test
    void onlyAnAllowedOriginGetsCorsHeadersAndPreflights() {
        Http.Answer read = http.send(HttpRequest.newBuilder(URI.create(http.base() + "/api/v1/tasks"))
                .header("Origin", "http://evil.example"));
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.header("Access-Control-Allow-Origin")).as("a foreign page cannot read the answer").isNull();

        Http.Answer preflight = http.send(HttpRequest.newBuilder(URI.create(http.base() + "/api/v1/tasks"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", ALLOWED)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type"));
        assertThat(preflight.status()).isEqualTo(204);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(ALLOWED);
        assertThat(preflight.header("Access-Control-Allow-Headers")).contains("Authorization", "Content-Type");

        Http.Answer foreignPreflight = http.send(HttpRequest.newBuilder(URI.create(http.base() + "/api/v1/tasks"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "http://evil.example")
                .header("Access-Control-Request-Method", "POST"));
        assertThat(foreignPreflight.status()).isEqualTo(403);
        assertThat(foreignPreflight.header("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void aWebSocketFromAnotherSitesPageIsRefused() throws Exception {
        String handshake = "GET /api/v1/ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
        assertThat(rawStatus(handshake + "Origin: http://evil.example\r\n")).startsWith("HTTP/1.1 403");
        assertThat(rawStatus(handshake + "Origin: " + ALLOWED + "\r\n")).startsWith("HTTP/1.1 101");
        assertThat(rawStatus(handshake)).as("no Origin: not a browser").startsWith("HTTP/1.1 101");
    }

    @Test
    void aRequestForAnotherHostIsRefused() throws Exception {
        assertThat(rawStatus("GET /api/v1/tasks HTTP/1.1\r\nHost: rebound.evil.example\r\n")).startsWith("HTTP/1.1 421");
        assertThat(rawStatus("POST /api/v1/tasks HTTP/1.1\r\nHost: rebound.evil.example:8000\r\n"
                + "Content-Length: 15\r\n\r\n{\"content\":\"x\"}")).startsWith("HTTP/1.1 421");
        assertThat(rawStatus("GET /api/v1/tasks HTTP/1.1\r\nHost: localhost:1234\r\n")).startsWith("HTTP/1.1 200");
        assertThat(rawStatus("GET /api/v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n")).startsWith("HTTP/1.1 200");
        assertThat(taskCount()).isZero();
    }

    @Test
    void everyAnswerForbidsFramingAndSniffingAndThePagesRunOnlyTheServersScripts() {
        for (String path : new String[] {"/", "/docs", "/api/v1/tasks", "/healthz", "/no/such/path"}) {
            Http.Answer answer = http.get(path);
            assertThat(answer.header("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
            assertThat(answer.header("X-Frame-Options")).as(path).isEqualTo("DENY");
            assertThat(answer.header("Referrer-Policy")).as(path).isEqualTo("no-referrer");
            assertThat(answer.header("Content-Security-Policy")).as(path).contains("frame-ancestors 'none'");
        }
        assertThat(http.get("/").header("Content-Security-Policy")).contains("script-src 'self'")
                .doesNotContain("unsafe-inline");
        assertThat(http.get("/docs").body()).doesNotContain("<script>");
    }

    /** The status line of a request written by hand (a {@code Host} the HTTP client will not send). */
    private String rawStatus(String head) throws Exception {
        int port = URI.create(http.base()).getPort();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            String request = head.contains("\r\n\r\n") ? head : head + "Connection: close\r\n\r\n";
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\r'; c = in.read()) {
                line.append((char) c);
            }
            return line.toString();
        }
    }
}
