package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Answers at the edges of the protocol are still the API's JSON: odd paths, chunked bodies, WebSocket errors. */
class ProtocolEdgesApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private InProcessServers servers;
    private Http http;
    private int port;

    @BeforeEach
    void start() {
        servers = new InProcessServers(dir);
        http = servers.start("--max-body-bytes", "1000");
        port = URI.create(http.base()).getPort();
    }

    @AfterEach
    void stop() {
        servers.close();
    }

    /** Sends {@code head} and then {@code body} as-is on a fresh connection; the server's whole answer. */
    private String raw(String head, byte[] body) throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            try {
                out.write(body);
                out.flush();
            } catch (SocketException closedEarly) {
                // the server may answer and close before it has read everything: its answer is what counts
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int read; (read = in.read(buffer)) >= 0; ) {
                    answer.write(buffer, 0, read);
                }
            } catch (SocketException reset) {
                // a reset after the answer: keep what arrived
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }

    private static byte[] chunked(String content) {
        byte[] body = ("{\"content\": \"" + content + "\"}").getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < body.length; i += 500) {
            int length = Math.min(500, body.length - i);
            out.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, i, length);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static JsonNode bodyOf(String answer) throws Exception {
        return JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
    }

    @Test
    void aChunkedBodyOverTheLimitIsAnswered413NotCutOff() throws Exception {
        for (int size : new int[] {1_500, 100_000}) {
            String answer = raw("POST /api/v1/tasks HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n", chunked("x".repeat(size)));

            assertThat(answer).as("content of " + size).startsWith("HTTP/1.1 413 ");
            assertThat(bodyOf(answer).get("detail").asText()).isEqualTo("Request body too large; the limit is 1000 bytes");
        }
        String small = raw("POST /api/v1/tasks HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n", chunked("fits"));
        assertThat(small).startsWith("HTTP/1.1 201 ");
    }

    @Test
    void bracesAndQuotesInAPathAreAnsweredInJson() throws Exception {
        String answer = raw("GET /api/v1/tasks/{a\"b} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", new byte[0]);
        String unknown = raw("GET /{nothing}|here HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", new byte[0]);

        assertThat(answer).startsWith("HTTP/1.1 422 ");
        assertThat(bodyOf(answer).get("detail").get(0).get("loc").toString()).isEqualTo("[\"path\",\"task_id\"]");
        assertThat(unknown).startsWith("HTTP/1.1 404 ");
        assertThat(bodyOf(unknown).get("detail").asText()).isEqualTo("Not Found");
    }

    @Test
    void requestsUndertowsParserRefusesAreAnsweredInJson() throws Exception {
        String badEscape = raw("GET /api/v1/tasks/%zz HTTP/1.1\r\nHost: localhost\r\n\r\n", new byte[0]);
        String badQuery = raw("GET /api/v1/tasks?limit=%g1 HTTP/1.1\r\nHost: localhost\r\n\r\n", new byte[0]);
        String badLine = raw("GET /api/v1/tasks HTTP/1.1 extra\r\nHost: localhost\r\n\r\n", new byte[0]);
        String badHeader = raw("GET /api/v1/tasks HTTP/1.1\r\nHo st: x\r\n\r\n", new byte[0]);

        for (String answer : List.of(badEscape, badQuery, badLine, badHeader)) {
            assertThat(answer).startsWith("HTTP/1.1 400 ").contains("Content-Type: application/json");
            assertThat(bodyOf(answer).get("detail").asText()).startsWith("Malformed HTTP request");
        }
    }

    @Test
    void aTransferEncodingOtherThanChunkedIsRefusedAtOnceNotWaitedOn() throws Exception {
        // found by RequestFuzzTest: the body's end could not be known, and the connection waited for it
        long start = System.nanoTime();
        String answer = raw("PATCH /readyz HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: zz\r\n\r\nabc",
                new byte[0]);

        assertThat(answer).startsWith("HTTP/1.1 400 ").contains("Content-Type: application/json");
        assertThat(bodyOf(answer).get("detail").asText()).startsWith("Unsupported Transfer-Encoding");
        assertThat(System.nanoTime() - start).isLessThan(3_000_000_000L);
    }

    @Test
    void requestsUndertowsHostCheckRefusesAreAnsweredInJson() throws Exception {
        // found by RequestFuzzTest: Undertow's own Host check answered an empty 400
        String none = raw("GET /api/v1/tasks HTTP/1.1\r\nAccept: */*\r\n\r\n", new byte[0]);
        String two = raw("GET /api/v1/tasks HTTP/1.1\r\nHost: localhost\r\nHost: localhost\r\n\r\n", new byte[0]);
        String badCharacters = raw("GET /api/v1/tasks HTTP/1.1\r\nHost: local{host}\r\n\r\n", new byte[0]);
        String badLiteral = raw("GET /api/v1/tasks HTTP/1.1\r\nHost: [::1\r\n\r\n", new byte[0]);

        for (String answer : List.of(none, two, badCharacters, badLiteral)) {
            assertThat(answer).startsWith("HTTP/1.1 400 ").contains("Content-Type: application/json");
            assertThat(bodyOf(answer).get("detail").asText()).startsWith("Bad Host header: ");
        }
        assertThat(bodyOf(two).get("detail").asText()).isEqualTo("Bad Host header: Only One Host Header Allowed");
    }

    @Test
    void aRefusedRequestAfterAGoodOneOnTheSameConnectionIsAnsweredInJson() throws Exception {
        String answers = raw("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\nGET /a%zz HTTP/1.1\r\nHost: localhost\r\n\r\n",
                new byte[0]);

        assertThat(answers).startsWith("HTTP/1.1 200 ");
        String second = answers.substring(answers.indexOf("HTTP/1.1 400 "));
        assertThat(bodyOf(second).get("detail").asText()).startsWith("Malformed HTTP request");
    }

    @Test
    void webSocketErrorFramesAreJsonWhateverTheClientSent() throws Exception {
        CompletableFuture<String> first = new CompletableFuture<>();
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/api/v1/ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        first.complete(data.toString());
                        return null;
                    }
                }).get(5, TimeUnit.SECONDS);
        try {
            socket.sendText("{\"subscribe\": [\"not \\\"a\\\" uuid\\\\\"]}\n", true).get(5, TimeUnit.SECONDS);

            JsonNode error = JSON.readTree(first.get(5, TimeUnit.SECONDS));

            assertThat(error.get("error").asText()).startsWith("not a subscription: ").contains("not \"a\" uuid\\");
        } finally {
            socket.abort();
        }
    }
}
