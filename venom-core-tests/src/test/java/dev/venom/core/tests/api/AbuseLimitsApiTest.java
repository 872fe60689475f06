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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Abuse that must not stop the server serving everyone else: connections trickling a request's head
 * (slowloris) are cut at the request timeout, a connection over the cap is answered 503 at once, and
 * oversized targets and headers get 414 and 431 in JSON, never a hang or a 5xx.
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
