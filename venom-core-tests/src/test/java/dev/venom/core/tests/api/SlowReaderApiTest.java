package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.venom.core.engine.Orchestrator;
import dev.venom.core.http.ServerMetrics;
import dev.venom.core.http.VenomServer;
import dev.venom.core.model.VenomTask;
import dev.venom.core.persistence.Fsync;
import dev.venom.core.persistence.JsonFileStateStore;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that ask for the whole task list and never read it cost their own connections, never the worker
 * threads other requests need: a task, readiness, stats and metrics still answer at once.
 */
class SlowReaderApiTest {

    private static final int TASKS = 20_000;
    private static final int SLOW_READERS = 40; // more than Undertow's worker threads (8 per core)

    @TempDir
    Path dir;

    @Test
    void clientsThatNeverReadTheFullListHoldNoThreadOtherRequestsNeed() throws Exception {
        ObjectMapper mapper = JsonMapper.builder().addModule(new JavaTimeModule()).build();
        String padding = "x".repeat(2_000); // about 45 MB of list: far more than the sockets' buffers hold
        try (JsonFileStateStore store = JsonFileStateStore.builder(dir.resolve("state_dump.json"))
                     .mapper(mapper).fsync(Fsync.OFF).open();
             Orchestrator orchestrator = Orchestrator.builder().store(store).build(); // not started: nothing runs
             VenomServer server = VenomServer.builder().orchestrator(orchestrator).port(0)
                     .metrics(ServerMetrics.create()).start()) {
            List<CompletableFuture<VenomTask>> inserts = new ArrayList<>();
            for (int i = 0; i < TASKS; i++) {
                inserts.add(store.insert(VenomTask.create(UUID.randomUUID(), "task " + i + " " + padding,
                        Instant.now())));
            }
            VenomTask one = inserts.get(TASKS / 2).join();
            CompletableFuture.allOf(inserts.toArray(CompletableFuture[]::new)).join();
            int port = server.address().getPort();

            // given many clients that request every task, then stop reading
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < SLOW_READERS; i++) {
                    Socket socket = new Socket();
                    socket.setReceiveBufferSize(4096);
                    socket.setSoTimeout(5_000); // a server whose workers are all stuck never begins the answer
                    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                    OutputStream out = socket.getOutputStream();
                    out.write(("GET /api/v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    InputStream in = socket.getInputStream();
                    in.read(new byte[16]); // the answer has begun
                    slow.add(socket);
                }

                // when other clients ask while those streams are stuck
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
                String base = "http://127.0.0.1:" + port;
                for (String path : List.of("/api/v1/tasks/" + one.id(), "/readyz", "/api/v1/stats", "/metrics",
                        "/api/v1/tasks?limit=10")) {
                    long start = System.nanoTime();
                    HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create(base + path))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                    long millis = (System.nanoTime() - start) / 1_000_000;

                    // then each answers at once
                    assertThat(answer.statusCode()).as(path).isEqualTo(200);
                    assertThat(millis).as(path + " answered in ms").isLessThan(3_000);
                }

                // and a client that reads gets the whole list, valid JSON, while the others still hang
                HttpResponse<String> all = client.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/tasks"))
                        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
                JsonNode tasks = mapper.readTree(all.body());
                assertThat(tasks.size()).isEqualTo(TASKS);
                assertThat(tasks.get(TASKS / 2).get("id").asText()).isEqualTo(one.id().toString());
            } finally {
                for (Socket socket : slow) {
                    socket.close();
                }
            }
        }
    }
}
