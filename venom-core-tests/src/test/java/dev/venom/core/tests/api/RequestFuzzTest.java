package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * Requests made of fuzzed parts (method, path, query, headers, body) sent as bytes to a real server: every one
 * is answered, in time, with a status below 500, and every 4xx is JSON. Under {@code mvn test} the saved
 * inputs run (regression: the seeds in {@code RequestFuzzTestInputs}, made of bodies, keys, origins, escapes and
 * long strings, and the findings fixed since); the bench profile fuzzes from them for ten minutes
 * ({@code JAZZER_FUZZ=1}). The server's request timeout is shorter than the client's patience: a request
 * whose body cannot end is answered 408 at it.
 */
class RequestFuzzTest {

    private static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH"};
    private static final String[] PATHS = {"/api/v1/tasks", "/api/v1/tasks/%s", "/api/v1/tasks/%s/cancel",
            "/api/v1/tasks/%s/events", "/api/v1/events", "/api/v1/stats", "/api/v1/queue/status",
            "/api/v1/queues/%s", "/api/v1/queues/%s/pause", "/api/v1/queue/task/%s/abort", "/api/v1/audit",
            "/healthz", "/readyz", "/metrics", "/", "/docs", "/%s"};
    private static final String[] HEADERS = {"Content-Type", "Idempotency-Key", "Authorization", "Origin",
            "Last-Event-ID", "Host", "Accept", "Transfer-Encoding", "Sec-Fetch-Site"};

    private static InProcessServers servers;
    private static int port;

    @BeforeAll
    static void start() throws IOException {
        servers = new InProcessServers(Files.createTempDirectory("venom-fuzz"));
        Http http = servers.start("--processing-delay-ms", "0", "--max-body-bytes", "4096",
                "--request-timeout-ms", "2000");
        port = URI.create(http.base()).getPort();
    }

    @AfterAll
    static void stop() {
        servers.close();
    }

    @FuzzTest(maxDuration = "30s")
    void everyRequestIsAnsweredBelow500(FuzzedDataProvider data) throws IOException {
        answeredBelow500(data);
    }

    /** The same, for ten minutes: the bench profile fuzzes this one (set {@code JAZZER_FUZZ=1} to fuzz the other). */
    @Tag("bench")
    @FuzzTest(maxDuration = "10m")
    void everyRequestIsAnsweredBelow500ForLong(FuzzedDataProvider data) throws IOException {
        answeredBelow500(data);
    }

    private void answeredBelow500(FuzzedDataProvider data) throws IOException {
        String method = data.pickValue(METHODS);
        String path = String.format(data.pickValue(PATHS), data.consumeString(40));
        String query = data.consumeString(60);
        StringBuilder head = new StringBuilder(method).append(' ').append(path.isEmpty() ? "/" : path);
        if (!query.isEmpty()) {
            head.append('?').append(query);
        }
        head.append(" HTTP/1.1\r\n");
        boolean host = false;
        int headers = data.consumeInt(0, 4);
        for (int i = 0; i < headers; i++) {
            String name = data.pickValue(HEADERS);
            host |= name.equals("Host");
            head.append(name).append(": ").append(data.consumeString(80)).append("\r\n");
        }
        if (!host) {
            head.append("Host: localhost\r\n");
        }
        byte[] body = data.consumeRemainingAsBytes();
        head.append("Content-Length: ").append(body.length).append("\r\nConnection: close\r\n\r\n");
        String answer;
        // the fuzzer guards against server-side request forgery: the server under test is no such thing
        try (SilentCloseable ownServer = BugDetectors.allowNetworkConnections((to, at) -> at == port)) {
            answer = send(head.toString().getBytes(StandardCharsets.UTF_8), body);
        }

        if (answer.isEmpty()) {
            return; // a head the parser closed the connection on without a word: no hang, no 5xx
        }
        assertThat(answer).as("request: %s", head).matches("(?s)HTTP/1\\.1 [1-4]\\d\\d .*");
        int status = Integer.parseInt(answer.substring(9, 12));
        if (status >= 400) {
            assertThat(answer.toLowerCase()).as("request: %s", head).contains("content-type: application/json");
        }
    }

    private static String send(byte[] head, byte[] body) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(10_000);
            try {
                socket.getOutputStream().write(head);
                socket.getOutputStream().write(body);
                socket.getOutputStream().flush();
            } catch (IOException closedEarly) {
                // the server may answer and close before it has read it all: its answer counts
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            int last4 = 0;
            try {
                // the head is enough: status and content type (an event stream's body never ends)
                for (int b; last4 != 0x0D0A0D0A && (b = in.read()) >= 0; ) {
                    out.write(b);
                    last4 = (last4 << 8) | b;
                }
            } catch (SocketTimeoutException hang) {
                throw new AssertionError("no answer within 10 s to: " + new String(head, StandardCharsets.UTF_8)
                        .replace("\r", "\\r").replace("\n", "\\n") + " body " + body.length + " bytes");
            } catch (IOException reset) {
                // keep what arrived
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
