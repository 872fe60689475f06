package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.venom.core.engine.TaskProcessor;
import dev.venom.core.engine.TaskProcessorProvider;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import dev.venom.core.tests.support.SseStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A WebSocket client that stops reading is disconnected once it is more than 1,000 events behind, while a
 * client that reads keeps every event: a slow consumer holds neither memory nor other clients.
 */
class SlowConsumerApiTest {

    /**
     * Fails every attempt with a 16 KiB message, so each task's {@code Processing failed} event is large
     * and a few hundred tasks outgrow what the sockets' buffers absorb.
     */
    public static final class LoudFailures implements TaskProcessorProvider {
        @Override
        public String name() {
            return "loud-failures";
        }

        @Override
        public TaskProcessor create(Map<String, String> settings) {
            String message = "x".repeat(16 * 1024);
            return (task, ctx) -> CompletableFuture.failedFuture(new IllegalStateException(message));
        }
    }

    @TempDir
    Path dir;

    private InProcessServers servers;

    @AfterEach
    void stop() {
        if (servers != null) {
            servers.close();
        }
    }

    @Test
    void aWebSocketClientThatStopsReadingIsDisconnectedAndAReadingOneIsNotHeldBack() throws Exception {
        servers = new InProcessServers(dir);
        Http http = servers.start("--processor", "loud-failures", "--fsync", "batch");
        URI base = URI.create(http.base());
        try (Socket slow = new Socket();
             SseStream fast = new SseStream(
                     http.base() + "/api/v1/events?status=FAILED", null).awaitSubscribed()) {
            // given a client with a small receive window that subscribes, reads its first event, then stops
            slow.setReceiveBufferSize(4096);
            slow.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
            slow.setSoTimeout(30_000);
            DataInputStream in = new DataInputStream(slow.getInputStream());
            handshake(slow.getOutputStream(), in, base);
            sendText(slow.getOutputStream(), "{\"subscribe\": \"all\"}");
            // (the subscription is in place once events arrive)
            for (int i = 0; i < 100 && in.available() == 0; i++) {
                http.create("before");
                Thread.sleep(50);
            }
            assertThat(readFrame(in).text()).contains("task_id");

            // when thousands of events follow (five per task, one of them 16 KiB)
            List<String> ids = createConcurrently(http, 800);

            // then the reading client saw every task end
            java.util.Set<String> completed = new java.util.HashSet<>();
            while (!completed.containsAll(ids)) {
                SseStream.Sse event = fast.next();
                assertThat(event).as("the reading client's stream ended").isNotNull();
                if (event.type().equals("task.status")) {
                    completed.add(event.data().get("task_id").asText());
                }
            }
            // and the one that stopped reading was cut off: once it reads again, it gets what was already on
            // the wire, then the end of the connection; what was queued behind was dropped with it
            Thread.sleep(java.util.concurrent.TimeUnit.SECONDS.toMillis(3));
            int frames = 0;
            boolean closeFrame = false;
            try {
                while (true) {
                    Frame frame = readFrame(in);
                    frames++;
                    closeFrame |= frame.opcode() == 8;
                }
            } catch (java.net.SocketTimeoutException e) {
                throw new AssertionError("still connected after " + frames + " frames", e);
            } catch (EOFException | java.net.SocketException e) {
                // the end
            }
            assertThat(frames).as("frames the slow client still got").isLessThan(ids.size() * 5);
            assertThat(closeFrame).as("cut before the close frame queued behind its backlog").isFalse();
        }
    }

    private static List<String> createConcurrently(Http http, int count) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> created = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int n = i;
                created.add(clients.submit(() -> http.create("task " + n)));
            }
            List<String> ids = new ArrayList<>();
            for (Future<String> id : created) {
                ids.add(id.get());
            }
            return ids;
        } finally {
            clients.shutdown();
        }
    }

    private static void handshake(OutputStream out, InputStream in, URI base) throws IOException {
        out.write(("GET /api/v1/ws HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort() + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("handshake answer ended: " + head);
            }
            head.write(b);
        }
        assertThat(head.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 101");
    }

    /** A client's text frame: masked, as RFC 6455 requires. */
    private static void sendText(OutputStream out, String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = {1, 2, 3, 4};
        out.write(0x81);
        out.write(0x80 | payload.length); // short messages only
        out.write(mask);
        for (int i = 0; i < payload.length; i++) {
            out.write(payload[i] ^ mask[i % 4]);
        }
        out.flush();
    }

    private record Frame(int opcode, byte[] payload) {
        String text() {
            int skip = opcode == 8 && payload.length >= 2 ? 2 : 0; // a close frame starts with its status code
            return new String(payload, skip, payload.length - skip, StandardCharsets.UTF_8);
        }
    }

    private static Frame readFrame(DataInputStream in) throws IOException {
        int first = in.readUnsignedByte();
        int second = in.readUnsignedByte();
        long length = second & 0x7F;
        if (length == 126) {
            length = in.readUnsignedShort();
        } else if (length == 127) {
            length = in.readLong();
        }
        byte[] payload = new byte[(int) length];
        in.readFully(payload);
        return new Frame(first & 0x0F, payload);
    }
}
