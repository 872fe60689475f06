package dev.venom.core.tests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP load run of BENCHMARKS.md: durable creates per second and latency with 64 connections, next to
 * a bare Undertow handler measured in the same run; the same with one million tasks stored; and the time
 * from kill -9 to healthy with one million tasks. Run with {@code -Pbench}; prints and writes
 * {@code target/bench/http.txt}.
 */
class HttpLoadBench {

    private static final int CONNECTIONS = Integer.getInteger("venom.bench.connections", 64);
    private static final int STORED = Integer.getInteger("venom.bench.stored", 1_000_000);
    private static final Duration WARMUP = Duration.ofSeconds(Long.getLong("venom.bench.warmup", 5));
    private static final Duration MEASURE = Duration.ofSeconds(Long.getLong("venom.bench.seconds", 10));
    private static final String BODY = "{\"content\": \"benchmark task\"}";
    /** JVM options of the servers under test: a 1 GiB heap, plus any given in {@code venom.bench.jvm}. */
    private static final List<String> JVM = jvmOptions();

    private static List<String> jvmOptions() {
        List<String> options = new ArrayList<>(List.of("-Xmx1g"));
        String extra = System.getProperty("venom.bench.jvm", "").trim();
        if (!extra.isEmpty()) {
            options.addAll(List.of(extra.split("\\s+")));
        }
        return options;
    }

    @TempDir
    Path dir;

    @Test
    void durableCreatesAgainstBareUndertow() throws Exception {
        List<String> report = new ArrayList<>();
        report.add(String.format("connections %d, warm-up %d s, measured %d s, fsync always, %d cores, %s",
                CONNECTIONS, WARMUP.toSeconds(), MEASURE.toSeconds(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version")));

        LoadClient.Result bare;
        try (ServerProcess server = ServerProcess.startCommand(List.of(ServerProcess.java(), "-Xmx1g", "-cp",
                System.getProperty("java.class.path"), BareUndertow.class.getName()), dir)) {
            bare = new LoadClient(server.port(), BODY, 201).run("bare Undertow POST", CONNECTIONS, WARMUP, MEASURE);
        }
        report.add(bare.toString());

        Path empty = Files.createDirectories(dir.resolve("empty"));
        LoadClient.Result venomEmpty;
        try (ServerProcess server = ServerProcess.startWithJvm(JVM, empty, Map.of())) {
            venomEmpty = new LoadClient(server.port(), BODY, 201).run("venom create, empty store", CONNECTIONS,
                    WARMUP, MEASURE);
        }
        report.add(venomEmpty.toString());

        Path full = Files.createDirectories(dir.resolve("full"));
        long generate = System.nanoTime();
        StateFiles.finishedTasks(full.resolve("data/memory/state_dump.json"), STORED);
        report.add(String.format("generated a snapshot of %,d finished tasks (%,d bytes) in %.1f s", STORED,
                Files.size(full.resolve("data/memory/state_dump.json")), (System.nanoTime() - generate) / 1e9));
        LoadClient.Result venomFull;
        double coldStart;
        double restart;
        long started = System.nanoTime();
        try (ServerProcess server = ServerProcess.startWithJvm(JVM, full, Map.of())) {
            awaitHealthy(server.port());
            coldStart = (System.nanoTime() - started) / 1e9;
            venomFull = new LoadClient(server.port(), BODY, 201).run(String.format("venom create, %,d stored", STORED),
                    CONNECTIONS, WARMUP, MEASURE);
            server.kill();
        }
        report.add(venomFull.toString());
        report.add(String.format("start with %,d tasks (clean snapshot) to healthy: %.2f s", STORED, coldStart));
        started = System.nanoTime();
        try (ServerProcess server = ServerProcess.startWithJvm(JVM, full, Map.of())) {
            awaitHealthy(server.port());
            restart = (System.nanoTime() - started) / 1e9;
        }
        report.add(String.format("kill -9 under load, restart with %,d+ tasks (snapshot + journal) to healthy: %.2f s",
                STORED, restart));

        report.add(String.format("ratio durable/bare, empty store: %.2f (target >= 0.50)",
                venomEmpty.perSecond() / bare.perSecond()));
        report.add(String.format("ratio %,d stored / empty store: %.2f (target >= 0.80)", STORED,
                venomFull.perSecond() / venomEmpty.perSecond()));
        report.add(String.format("restart after kill -9 with %,d tasks: %.2f s (target < 10 s, heap 1 GiB)",
                STORED, restart));
        String text = String.join("\n", report);
        System.out.println("\n" + text + "\n");
        Path out = Path.of(System.getProperty("venom.bench.out", "target/bench"));
        Files.createDirectories(out);
        Files.writeString(out.resolve("http.txt"), text + "\n");
    }

    private static void awaitHealthy(int port) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build();
        for (int i = 0; i < 600; i++) {
            if (client.send(health, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("not healthy after 30 s");
    }
}
