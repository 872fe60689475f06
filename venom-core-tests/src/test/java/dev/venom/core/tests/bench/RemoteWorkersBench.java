package dev.venom.core.tests.bench;

import dev.venom.core.http.WorkerClient;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.Python;
import dev.venom.core.tests.support.ServerProcess;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Remote workers' throughput against the server's own processing of the same tasks, in the same run (issue 19:
 * at least half the in-JVM rate with claims of 10). Each run: a fresh server on the embedded journal (fsync
 * always), {@value #TASKS} no-op tasks stored first, then run down by the server's processor (16 slots), or by
 * two Java {@link WorkerClient}s or two Python workers claiming up to 1 or 10 at a time; completions a second
 * from the start until none is left. Configurations alternate, {@code venom.bench.rounds} rounds (3), medians.
 * Run with {@code -Pbench}; prints and writes {@code target/bench/remote-workers.txt}.
 */
@Tag("bench")
class RemoteWorkersBench {

    private static final int TASKS = Integer.getInteger("venom.bench.tasks", 20_000);
    private static final int ROUNDS = Integer.getInteger("venom.bench.rounds", 3);
    private static final int WORKERS = 2;

    @TempDir
    Path dir;

    private interface Runner {
        /** Starts what runs the tasks of queue {@code jobs} on {@code server}; closing it stops them. */
        AutoCloseable start(ServerProcess server) throws Exception;
    }

    @Test
    void remoteWorkersAgainstTheServersOwnProcessor() throws Exception {
        String python = Python.python3();
        Path app = dir.resolve("python_bench_worker.py");
        try (var in = Objects.requireNonNull(getClass().getResourceAsStream("python_bench_worker.py"))) {
            Files.copy(in, app);
        }
        Map<String, Runner> configs = new LinkedHashMap<>();
        configs.put("in-JVM (16 slots)", server -> {
            server.http().post("/api/v1/queues/jobs/resume", "");
            return () -> { };
        });
        for (int batch : new int[] {1, 10}) {
            configs.put("Java workers x" + WORKERS + ", claims of " + batch, server -> javaWorkers(server, batch));
            configs.put("Python workers x" + WORKERS + ", claims of " + batch,
                    server -> pythonWorkers(server, python, batch));
        }
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        configs.keySet().forEach(name -> rates.put(name, new ArrayList<>()));
        List<String> report = new ArrayList<>();
        report.add(String.format("%d no-op tasks per run, journal with fsync always, %d alternated rounds, %d cores",
                TASKS, ROUNDS, Runtime.getRuntime().availableProcessors()));
        for (int round = 1; round <= ROUNDS; round++) {
            for (Map.Entry<String, Runner> config : configs.entrySet()) {
                double rate = run(config.getKey(), config.getValue(), round);
                rates.get(config.getKey()).add(rate);
                report.add(String.format("round %d  %-34s %8.0f tasks/s", round, config.getKey(), rate));
            }
        }
        double baseline = median(rates.get("in-JVM (16 slots)"));
        report.add("medians, and against the server's own processor:");
        rates.forEach((name, values) -> report.add(String.format("  %-34s %8.0f tasks/s  %.2f", name,
                median(values), median(values) / baseline)));
        String text = String.join("\n", report);
        System.out.println("\n" + text + "\n");
        Path out = Path.of(System.getProperty("venom.bench.out", "target/bench"));
        Files.createDirectories(out);
        Files.writeString(out.resolve("remote-workers.txt"), text + "\n");
    }

    private double run(String name, Runner runner, int round) throws Exception {
        boolean local = name.startsWith("in-JVM");
        Path work = Files.createDirectories(dir.resolve("run-" + round + "-" + name.replaceAll("[^a-zA-Z0-9]", "")));
        try (ServerProcess server = ServerProcess.startWithJvm(List.of("-Xmx1g"), work, Map.of(
                "VENOM_PROCESSING_DELAY_MS", "0", "VENOM_QUEUES", local ? "jobs:16" : "jobs:remote"))) {
            Http http = server.http();
            if (local) {
                http.post("/api/v1/queues/jobs/pause", "");
            }
            create(http);
            long start = System.nanoTime();
            try (AutoCloseable running = runner.start(server)) {
                while (true) {
                    var queue = http.get("/api/v1/queues/jobs").json();
                    if (queue.get("pending").asLong() + queue.get("processing").asLong() == 0) {
                        break;
                    }
                    Thread.sleep(10);
                }
                return TASKS / ((System.nanoTime() - start) / 1e9);
            }
        }
    }

    private static void create(Http http) throws Exception {
        ExecutorService producers = Executors.newFixedThreadPool(8);
        List<Future<?>> sent = new ArrayList<>();
        for (int p = 0; p < 8; p++) {
            int producer = p;
            sent.add(producers.submit(() -> {
                for (int i = producer; i < TASKS; i += 8) {
                    Http.Answer created = http.post("/api/v1/tasks", "{\"content\": \"t" + i + "\", \"queue\": \"jobs\"}");
                    if (created.status() != 201) {
                        throw new IllegalStateException("create answered " + created.status() + ": " + created.body());
                    }
                }
                return null;
            }));
        }
        for (Future<?> producer : sent) {
            producer.get();
        }
        producers.shutdown();
    }

    private static AutoCloseable javaWorkers(ServerProcess server, int batch) {
        List<WorkerClient> clients = new ArrayList<>();
        for (int i = 0; i < WORKERS; i++) {
            WorkerClient client = WorkerClient.builder(URI.create(server.http().base())).workerId("java-" + i)
                    .queues("jobs").maxTasks(batch).waitTime(Duration.ofSeconds(1)).grace(Duration.ofSeconds(1))
                    .build();
            clients.add(client);
            Thread runner = new Thread(() -> client.run(task -> "ok"), "bench worker " + i);
            runner.setDaemon(true);
            runner.start();
        }
        return () -> clients.forEach(WorkerClient::close);
    }

    private AutoCloseable pythonWorkers(ServerProcess server, String python, int batch) throws Exception {
        List<ServerProcess> workers = new ArrayList<>();
        for (int i = 0; i < WORKERS; i++) {
            workers.add(ServerProcess.launchCommand(List.of(python, "-u", "python_bench_worker.py",
                    server.http().base(), "py-" + i, Integer.toString(batch)), dir,
                    Map.of("PYTHONPATH", Python.CLIENT_DIR.toAbsolutePath().normalize().toString())));
        }
        return () -> workers.forEach(ServerProcess::close);
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
}
