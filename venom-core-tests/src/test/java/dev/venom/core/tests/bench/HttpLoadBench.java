package dev.venom.core.tests.bench;

import dev.venom.core.tests.support.BareDurableUndertow;
import dev.venom.core.tests.support.BareUndertow;
import dev.venom.core.tests.support.LoadClient;
import dev.venom.core.tests.support.ProcessCpu;
import dev.venom.core.tests.support.ServerProcess;
import dev.venom.core.tests.support.StateFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP load run of BENCHMARKS.md. Durable creates per second and latency with 64 connections against
 * the real server jar (fsync always), next to a bare Undertow handler and the durable floor under any create
 * ({@link BareDurableUndertow}: answers once the body is forced to disk, nothing else); then an empty store against one
 * holding a million tasks; then the time from kill -9 to healthy with a million tasks. The servers under
 * comparison run side by side and are measured in alternating rounds, and the medians are compared, so a
 * noisy neighbour hurts both sides alike. Run with {@code -Pbench}; prints and writes
 * {@code target/bench/http.txt}.
 */
@Tag("bench")
class HttpLoadBench {

    private static final int CONNECTIONS = Integer.getInteger("venom.bench.connections", 64);
    private static final int STORED = Integer.getInteger("venom.bench.stored", 1_000_000);
    private static final int ROUNDS = Integer.getInteger("venom.bench.rounds", 3);
    private static final Duration WARMUP = Duration.ofSeconds(Long.getLong("venom.bench.warmup", 10));
    private static final Duration MEASURE = Duration.ofSeconds(Long.getLong("venom.bench.seconds", 4));
    private static final String BODY = "{\"content\": \"benchmark task\"}";
    /** JVM options of the servers under test: a 1 GiB heap, plus any given in {@code venom.bench.jvm}. */
    private static final List<String> JVM = jvmOptions();

    @TempDir
    Path dir;

    private final List<String> report = new ArrayList<>();

    private static List<String> jvmOptions() {
        List<String> options = new ArrayList<>(List.of("-Xmx1g"));
        String extra = System.getProperty("venom.bench.jvm", "").trim();
        if (!extra.isEmpty()) {
            options.addAll(List.of(extra.split("\\s+")));
        }
        return options;
    }

    @Test
    void durableCreatesAgainstBareUndertow() throws Exception {
        report.add(String.format("%d connections, %d rounds of %d s after %d s warm-up, fsync always, heap 1 GiB, "
                        + "%d cores, %s %s", CONNECTIONS, ROUNDS, MEASURE.toSeconds(), WARMUP.toSeconds(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
                System.getProperty("java.version")));
        Path full = Files.createDirectories(dir.resolve("full"));
        long generate = System.nanoTime();
        StateFiles.finishedTasks(full.resolve("data/memory/state_dump.json"), STORED);
        report.add(String.format("snapshot of %,d finished tasks (%,d bytes) generated in %.1f s", STORED,
                Files.size(full.resolve("data/memory/state_dump.json")), (System.nanoTime() - generate) / 1e9));

        try (ServerProcess bare = ServerProcess.startCommand(List.of(ServerProcess.java(), "-Xmx1g", "-cp",
                System.getProperty("java.class.path"), BareUndertow.class.getName()), dir);
             ServerProcess floor = ServerProcess.startCommand(List.of(ServerProcess.java(), "-Xmx1g", "-cp",
                     System.getProperty("java.class.path"), BareDurableUndertow.class.getName(),
                     dir.resolve("bodies.log").toString()), dir);
             ServerProcess empty = ServerProcess.startWithJvm(JVM, Files.createDirectories(dir.resolve("empty")),
                     Map.of())) {
            List<Measured> measured = measureAlternating(List.of(new Named("bare Undertow POST", bare),
                    new Named("durable floor POST", floor), new Named("venom create, empty store", empty)));
            report.add(String.format("durable create / bare Undertow, median: %.2f (target >= 0.50)",
                    measured.get(2).rate() / measured.get(0).rate()));
            report.add(String.format("rates, durable floor / bare Undertow: %.2f; venom create / durable floor: %.2f",
                    measured.get(1).rate() / measured.get(0).rate(), measured.get(2).rate() / measured.get(1).rate()));
            if (ProcessCpu.available()) {
                report.add(String.format("server CPU per request, venom create / bare Undertow, median: %.2f "
                        + "(%.1f / %.1f us)", measured.get(2).cpu() / measured.get(0).cpu(), measured.get(2).cpu(),
                        measured.get(0).cpu()));
                report.add(String.format("server CPU per request, durable floor / bare Undertow, median: %.2f "
                        + "(%.1f / %.1f us)", measured.get(1).cpu() / measured.get(0).cpu(), measured.get(1).cpu(),
                        measured.get(0).cpu()));
                report.add(String.format("server CPU per request, venom create / durable floor, median: %.2f "
                        + "(%.1f / %.1f us)", measured.get(2).cpu() / measured.get(1).cpu(), measured.get(2).cpu(),
                        measured.get(1).cpu()));
            }
        }
        // Fresh servers: the one above now holds every task it was sent. Both grow by the same load below.
        long started = System.nanoTime();
        try (ServerProcess loaded = ServerProcess.startWithJvm(JVM, full, Map.of());
             ServerProcess empty = ServerProcess.startWithJvm(JVM, Files.createDirectories(dir.resolve("empty2")),
                     Map.of())) {
            awaitHealthy(loaded.port());
            report.add(String.format("start with %,d tasks to healthy: %.2f s", STORED,
                    (System.nanoTime() - started) / 1e9));
            double stored = compare("venom create, empty store", empty,
                    String.format("venom create, %,d stored", STORED), loaded);
            report.add(String.format("%,d stored / empty store, median: %.2f (target >= 0.80)", STORED, stored));
            loaded.kill();
        }
        report.add(restartAfterKill("after the comparison above", full));

        Path crash = Files.createDirectories(dir.resolve("crash/data/memory"));
        StateFiles.finishedTasks(crash.resolve("state_dump.json"), STORED);
        try (ServerProcess server = ServerProcess.startWithJvm(JVM, dir.resolve("crash"), Map.of())) {
            new LoadClient(server.port(), BODY, 201).run("load before kill", CONNECTIONS, Duration.ZERO,
                    Duration.ofSeconds(2));
            server.kill();
        }
        report.add(restartAfterKill(String.format("after 2 s of load on a %,d-task store", STORED),
                dir.resolve("crash")));

        String text = String.join("\n", report);
        System.out.println("\n" + text + "\n");
        Path out = Path.of(System.getProperty("venom.bench.out", "target/bench"));
        Files.createDirectories(out);
        Files.writeString(out.resolve("http.txt"), text + "\n");
    }

    /** Starts a server on state a kill -9 left behind and times it until healthy. */
    private String restartAfterKill(String what, Path workDir) throws IOException, InterruptedException {
        long started = System.nanoTime();
        try (ServerProcess server = ServerProcess.startWithJvm(JVM, workDir, Map.of())) {
            awaitHealthy(server.port());
            double seconds = (System.nanoTime() - started) / 1e9;
            Matcher m = Pattern.compile("(\\d+) task\\(s\\), (\\d+) recovered").matcher(server.log());
            String counts = m.find() ? String.format("%,d tasks, %,d recovered", Long.parseLong(m.group(1)),
                    Long.parseLong(m.group(2))) : "counts not logged";
            return String.format("kill -9 %s, restart to healthy: %.2f s (%s; target < 10 s)", what, seconds,
                    counts);
        }
    }

    /**
     * Warms both servers, measures them in alternating rounds; returns the ratio of medians (b / a). Also
     * reports each server's CPU time per request (from {@code /proc}), steadier on a shared machine than rates.
     */
    private double compare(String nameA, ServerProcess a, String nameB, ServerProcess b)
            throws InterruptedException {
        List<Measured> measured = measureAlternating(List.of(new Named(nameA, a), new Named(nameB, b)));
        if (ProcessCpu.available()) {
            report.add(String.format("server CPU per request, %s / %s, median: %.2f (%.1f / %.1f us)", nameB, nameA,
                    measured.get(1).cpu() / measured.get(0).cpu(), measured.get(1).cpu(), measured.get(0).cpu()));
        }
        return measured.get(1).rate() / measured.get(0).rate();
    }

    private record Named(String name, ServerProcess server) {
    }

    /** A server's median rate (requests a second) and server CPU per request (us; NaN without {@code /proc}). */
    private record Measured(double rate, double cpu) {
    }

    /** Warms each server, then measures them in turn, round after round, each round led by the next; the medians. */
    private List<Measured> measureAlternating(List<Named> servers) throws InterruptedException {
        List<LoadClient> clients = new ArrayList<>();
        for (Named named : servers) {
            LoadClient client = new LoadClient(named.server().port(), BODY, 201);
            client.run(named.name(), CONNECTIONS, Duration.ZERO, WARMUP);
            clients.add(client);
        }
        List<List<LoadClient.Result>> results = new ArrayList<>();
        List<List<Double>> cpu = new ArrayList<>();
        servers.forEach(named -> {
            results.add(new ArrayList<>());
            cpu.add(new ArrayList<>());
        });
        for (int round = 1; round <= ROUNDS; round++) {
            for (int k = 0; k < servers.size(); k++) {
                int i = (k + round - 1) % servers.size(); // each round starts with the next: none always follows another
                results.get(i).add(measured(clients.get(i), servers.get(i).server(),
                        servers.get(i).name() + " #" + round, cpu.get(i)));
            }
        }
        List<Measured> medians = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            medians.add(new Measured(median(results.get(i)),
                    ProcessCpu.available() ? medianOf(cpu.get(i)) : Double.NaN));
        }
        return medians;
    }

    private LoadClient.Result measured(LoadClient client, ServerProcess server, String name, List<Double> cpu)
            throws InterruptedException {
        long before = ProcessCpu.micros(List.of(server.pid()));
        LoadClient.Result result = client.run(name, CONNECTIONS, Duration.ZERO, MEASURE);
        double perRequest = (double) (ProcessCpu.micros(List.of(server.pid())) - before) / Math.max(1, result.requests());
        cpu.add(perRequest);
        report.add(String.format("%s   %.1f us CPU/request", result, perRequest));
        return result;
    }

    private static double medianOf(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Comparator.naturalOrder());
        return sorted.get(sorted.size() / 2);
    }

    private static double median(List<LoadClient.Result> results) {
        List<LoadClient.Result> sorted = new ArrayList<>(results);
        sorted.sort(Comparator.comparingDouble(LoadClient.Result::perSecond));
        return sorted.get(sorted.size() / 2).perSecond();
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
