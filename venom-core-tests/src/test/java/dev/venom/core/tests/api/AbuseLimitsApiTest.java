package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Abuse that must not stop the server serving everyone else: connections trickling a request's head
 * (slowloris) are cut at the request timeout, a body sent slowly or never gets 408 at the request timeout,
 * a connection over the cap is answered 503 at once, and oversized targets and headers get 414 and 431 in
 * JSON, never a hang or a 5xx. Kept-alive connections and quiet WebSockets are not cut by the request timeout.
 */
class AbuseLimitsApiTest {

    @TempDir
    Path dir;

    private InProcessServers servers;
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        if (servers != null) {
            servers.close();
        }
    }

    private Socket connect(Http http) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", URI.create(http.base()).getPort()), 5_000);
        sockets.add(socket);
        return socket;
    }

    /** True once the server has closed {@code socket} (a read ends), false while it keeps it open. */
    private static boolean closedByServer(Socket socket) throws IOException {
        socket.setSoTimeout(50);
        try {
            InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // whatever the server said before it closed
            }
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    private static String answer(Socket socket, String request) throws IOException {
        socket.setSoTimeout(5_000);
        socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (IOException reset) {
            // keep what arrived
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void slowlorisConnectionsAreCutAndEveryoneElseIsServedMeanwhile() throws Exception {
        servers = new InProcessServers(dir);
        Http http = servers.start("--processing-delay-ms", "0", "--request-timeout-ms", "1000");

        // given 200 connections that each send half a request's head and then a byte now and then
        List<Socket> slow = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Socket socket = connect(http);
            socket.getOutputStream().write("POST /api/v1/tasks HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
                    .getBytes(StandardCharsets.US_ASCII));
            slow.add(socket);
        }
        long start = System.nanoTime();
        for (int round = 0; round < 3; round++) {
            for (Socket socket : slow) {
                try {
                    socket.getOutputStream().write('a');
                } catch (IOException cut) {
                    // cut already
                }
            }
            // when a normal client works meanwhile, then it is served
            String id = http.create("served despite " + slow.size() + " slow connections");
            assertThat(http.task(id).get("content").asText()).startsWith("served despite");
            Thread.sleep(200);
        }

        // and the slow ones are cut once their head took longer than the request timeout
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            for (Socket socket : slow) {
                if (!closedByServer(socket)) {
                    return false;
                }
            }
            return true;
        });
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
    }

    /** Sends {@code request} and keeps the socket open (no half-close): what the server says, within 10 s. */
    private static String answerWhileOpen(Socket socket, String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return readUntilClosed(socket);
    }

    private static String readUntilClosed(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = socket.getInputStream().read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException hang) {
            throw new AssertionError("no answer within 10 s; so far: " + out);
        } catch (IOException reset) {
            // keep what arrived
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aBodySentSlowlyOrNeverIsAnswered408AtTheRequestTimeout() throws Exception {
        servers = new InProcessServers(dir);
        Http http = servers.start("--processing-delay-ms", "0", "--request-timeout-ms", "1000");
        String tooSlow = "{\"detail\":\"Request not received in time: its head and body must arrive within 1000 ms\"}";
        long start = System.nanoTime();

        // given a body announced and never sent, one trickled a byte at a time, and a request without Host whose
        // body cannot end (Undertow refuses it, but only once its body has arrived: found by fuzzing)
        CompletableFuture<String> never = CompletableFuture.supplyAsync(() -> quietly(() -> answerWhileOpen(
                connect(http), "POST /api/v1/tasks HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json"
                        + "\r\nContent-Length: 100\r\n\r\n{\"content\"")));
        CompletableFuture<String> noHost = CompletableFuture.supplyAsync(() -> quietly(() -> answerWhileOpen(
                connect(http), "GET / HTTP/1.1\r\nTransfer-Encoding: zz\r\n\r\nDE\r\n")));
        Socket trickling = connect(http);
        trickling.getOutputStream().write(("POST /api/v1/tasks HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < 8; i++) {
            Thread.sleep(200);
            try {
                trickling.getOutputStream().write('x');
            } catch (IOException cut) {
                break;
            }
            // meanwhile everyone else is served
            assertThat(http.get("/healthz").status()).isEqualTo(200);
        }

        // then each is answered 408 in JSON and closed, no sooner than the request timeout
        assertThat(never.get(10, TimeUnit.SECONDS)).startsWith("HTTP/1.1 408 ").endsWith(tooSlow);
        assertThat(noHost.get(10, TimeUnit.SECONDS)).startsWith("HTTP/1.1 408 ").endsWith(tooSlow);
        assertThat(readUntilClosed(trickling)).startsWith("HTTP/1.1 408 ").endsWith(tooSlow);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1000));
        assertThat(http.get("/api/v1/tasks").body()).doesNotContain("\"content\"");
    }

    @Test
    void anAnsweredRequestWhoseBodyNeverComesIsClosedAtTheIdleTimeout() throws Exception {
        servers = new InProcessServers(dir);
        Http http = servers.start("--processing-delay-ms", "0", "--idle-timeout-ms", "1000");

        // given a request answered before its announced body (an unknown route), which then never comes
        Socket socket = connect(http);
        socket.getOutputStream().write(("POST /nowhere HTTP/1.1\r\nHost: localhost\r\nContent-Length: 50\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));

        // then it is answered at once and the connection closes once idle for the idle timeout
        long start = System.nanoTime();
        assertThat(readUntilClosed(socket)).startsWith("HTTP/1.1 404 ");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
    }

    @Test
    void aKeptAliveConnectionAndAQuietWebSocketOutliveTheRequestTimeout() throws Exception {
        servers = new InProcessServers(dir);
        Http http = servers.start("--processing-delay-ms", "0", "--request-timeout-ms", "300",
                "--idle-timeout-ms", "1500");
        LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket quiet = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create(http.base().replace("http://", "ws://") + "/api/v1/ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        messages.add(data.toString());
                        ws.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
                        closed.complete(status);
                        return null;
                    }
                }).get(5, TimeUnit.SECONDS);
        quiet.sendText("{\"subscribe\": \"all\"}", true).get(5, TimeUnit.SECONDS); // the client spoke last

        // given a kept-alive connection that has been answered once
        Socket keptAlive = connect(http);
        keptAlive.setSoTimeout(5_000);
        String healthz = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
        keptAlive.getOutputStream().write(healthz.getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(keptAlive.getInputStream().readNBytes(12), StandardCharsets.US_ASCII))
                .isEqualTo("HTTP/1.1 200");

        // when both stay quiet for longer than the request timeout (the WebSocket longer than the idle timeout too)
        Thread.sleep(1_000);
        assertThat(closedByServer(keptAlive)).isFalse();
        Thread.sleep(1_000);

        // then the WebSocket still carries events
        messages.clear();
        String id = http.create("seen by a quiet socket");
        assertThat(messages.poll(5, TimeUnit.SECONDS)).contains(id);
        assertThat(closed).isNotDone();
        quiet.abort();
    }

    private interface Io<T> {
        T get() throws IOException;
    }

    private static <T> T quietly(Io<T> io) {
        try {
            return io.get();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aConnectionOverTheCapIsAnswered503AtOnceAndTheServerRecovers() throws Exception {
        servers = new InProcessServers(dir);
        Http http = servers.start("--processing-delay-ms", "0", "--max-connections", "20");

        // given every allowed connection open and idle
        List<Socket> idle = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            idle.add(connect(http));
        }
        Thread.sleep(200); // the server has accepted them all

        // when one more comes, it is told at once
        String refused = answer(connect(http), "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertThat(refused).startsWith("HTTP/1.1 503 ").contains("Retry-After: 1")
                .contains("{\"detail\":\"Too many connections; try again later\"}");

        // then once some close, requests are served again
        for (Socket socket : idle.subList(0, 5)) {
            socket.close();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> answer(connect(http),
                "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").startsWith("HTTP/1.1 200 "));
    }

    @Test
    void oversizedTargetsAndHeadersAreAnsweredInJson() throws Exception {
        servers = new InProcessServers(dir);
        Http http = servers.start("--processing-delay-ms", "0");

        String longTarget = answer(connect(http), "GET /api/v1/tasks?status=" + "x".repeat(9_000)
                + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertThat(longTarget).startsWith("HTTP/1.1 414 ").contains("application/json")
                .contains("URI too long").contains("the limit is 8192");

        String bigHeaders = answer(connect(http), "GET /api/v1/tasks HTTP/1.1\r\nHost: localhost\r\n"
                + ("X-Pad: " + "y".repeat(1_000) + "\r\n").repeat(20) + "Connection: close\r\n\r\n");
        assertThat(bigHeaders).startsWith("HTTP/1.1 431 ").contains("Request headers too large");

        String hugeHeaders = answer(connect(http), "GET /api/v1/tasks HTTP/1.1\r\nHost: localhost\r\n"
                + ("X-Pad: " + "z".repeat(1_000) + "\r\n").repeat(80) + "\r\n");
        assertThat(hugeHeaders).startsWith("HTTP/1.1 400 ").contains("application/json");

        assertThat(http.get("/healthz").status()).isEqualTo(200);
    }
}
