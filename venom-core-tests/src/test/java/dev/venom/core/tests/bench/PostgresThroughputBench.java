package dev.venom.core.tests.bench;

import dev.venom.core.model.VenomTask;
import dev.venom.core.persistence.PostgresTestDatabase;
import dev.venom.core.persistence.internal.pg.TaskRows;
import dev.venom.core.tests.support.LoadClient;
import dev.venom.core.tests.support.ProcessCpu;
import dev.venom.core.tests.support.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end throughput on PostgreSQL (BENCHMARKS.md): tasks created over HTTP by a closed-loop client,
 * processed by the simulated processor with no delay, and completed, with one server and with two, next to
 * a raw JDBC baseline measured in the same run (batched inserts of the same row shape, two writers). Run
 * with {@code -Pbench}; prints and writes {@code target/bench/postgres.txt}.
 */
@Tag("bench")
@Tag("postgres")
class PostgresThroughputBench {

    private static final int CONNECTIONS = Integer.getInteger("venom.bench.connections", 32);
    private static final String CONCURRENCY = System.getProperty("venom.bench.pg.concurrency", "256");
    /** The servers' {@code VENOM_CLAIM_COOLDOWN_MS}; unset for their default, {@code 0} to compare without. */
    private static final String COOLDOWN = System.getProperty("venom.bench.pg.cooldown");
    private static final Duration MEASURE = Duration.ofSeconds(Long.getLong("venom.bench.pg.seconds", 10));
    /**
     * Long enough for the JIT to settle: with load and PostgreSQL on two cores, the server's C2 compiler
     * still took about a third of the machine's CPU 15 s after start (BENCHMARKS.md).
     */
    private static final Duration WARMUP = Duration.ofSeconds(Long.getLong("venom.bench.pg.warmup", 45));

    @TempDir
    Path dir;

    private final List<String> report = new ArrayList<>();

    @Test
    void endToEndTasksPerSecondAgainstRawJdbcInserts() throws Exception {
        PostgresTestDatabase.require();
        report.add(String.format("%d HTTP connections, %d s measured after %d s warm-up, %d cores, PostgreSQL at %s",
                CONNECTIONS, MEASURE.toSeconds(), WARMUP.toSeconds(), Runtime.getRuntime().availableProcessors(),
                PostgresTestDatabase.URL));
        double one = endToEnd(1, ServerProcess.jar(), 1).tasksPerSecond();
        double two = endToEnd(2, ServerProcess.jar(), 1).tasksPerSecond();
        double raw = rawInserts(); // last: its flood of rows leaves checkpoints and vacuum work behind
        report.add(String.format("raw JDBC batched inserts (2 writers, 500 a batch)   %,10.0f rows/s", raw));
        report.add(String.format("end to end, one server                            %,10.0f tasks/s  (%.2f of raw)",
                one, one / raw));
        report.add(String.format("end to end, two servers                           %,10.0f tasks/s  (%.2f of raw,"
                + " %.2fx one server)", two, two / raw, two / one));
        report.add(String.format("target: at least 5,000 tasks/s end to end with one server: %s",
                one >= 5000 ? "met" : "NOT met"));
        String text = String.join("\n", report);
        System.out.println(text);
        Path out = Path.of("target", "bench");
        Files.createDirectories(out);
        Files.writeString(out.resolve("postgres.txt"), text + "\n");
    }

    /**
     * Named queues (issue 16): the jar before them ({@code -Dvenom.bench.old.jar=...}) against this one with
     * one queue and with the load spread over four, one server each, alternating old, new, new with four
     * queues for {@code venom.bench.rounds} rounds. Skipped without an old jar to compare with.
     */
    @Test
    void oneQueueAndFourQueuesAgainstTheJarBeforeQueues() throws Exception {
        String old = System.getProperty("venom.bench.old.jar", "");
        org.junit.jupiter.api.Assumptions.assumeFalse(old.isEmpty(),
                "set -Dvenom.bench.old.jar=<the server jar before named queues> to compare against it");
        PostgresTestDatabase.require();
        int rounds = Integer.getInteger("venom.bench.rounds", 3);
        List<Run> before = new ArrayList<>();
        List<Run> oneQueue = new ArrayList<>();
        List<Run> fourQueues = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            before.add(endToEnd(1, Path.of(old), 1));
            oneQueue.add(endToEnd(1, ServerProcess.jar(), 1));
            fourQueues.add(endToEnd(1, ServerProcess.jar(), 4));
        }
        report.add(String.format("medians of %d rounds      tasks/s   server us/task   PostgreSQL us/task   client us/task",
                rounds));
        for (Map.Entry<String, List<Run>> runs : Map.of("before queues", before, "one queue", oneQueue,
                "four queues", fourQueues).entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
            report.add(String.format("  %-14s %,12.0f %16.0f %20.0f %16.0f", runs.getKey(),
                    median(runs.getValue(), Run::tasksPerSecond), median(runs.getValue(), Run::serverMicros),
                    median(runs.getValue(), Run::postgresMicros), median(runs.getValue(), Run::clientMicros)));
        }
        report.add(String.format("one queue / before: tasks/s %.2f, server CPU per task %.2f, PostgreSQL CPU per task %.2f",
                median(oneQueue, Run::tasksPerSecond) / median(before, Run::tasksPerSecond),
                median(oneQueue, Run::serverMicros) / median(before, Run::serverMicros),
                median(oneQueue, Run::postgresMicros) / median(before, Run::postgresMicros)));
        report.add(String.format("four queues / one queue: tasks/s %.2f, server CPU per task %.2f, PostgreSQL CPU per task %.2f",
                median(fourQueues, Run::tasksPerSecond) / median(oneQueue, Run::tasksPerSecond),
                median(fourQueues, Run::serverMicros) / median(oneQueue, Run::serverMicros),
                median(fourQueues, Run::postgresMicros) / median(oneQueue, Run::postgresMicros)));
        String text = String.join("\n", report);
        System.out.println(text);
        Path out = Path.of("target", "bench");
        Files.createDirectories(out);
        Files.writeString(out.resolve("postgres-queues.txt"), text + "\n");
    }

    /** One end-to-end run: tasks per second, and CPU per task of the servers, PostgreSQL and the load client. */
    record Run(double tasksPerSecond, double serverMicros, double postgresMicros, double clientMicros) {
    }

    private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> value) {
        double[] sorted = runs.stream().mapToDouble(value).sorted().toArray();
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }

    /** Rows of the task shape inserted per second by two threads in batches of 500, for the measured time. */
    private double rawInserts() throws Exception {
        String schema = PostgresTestDatabase.newSchema();
        try (Connection setup = DriverManager.getConnection(PostgresTestDatabase.URL);
             Statement sql = setup.createStatement()) {
            sql.execute("CREATE SCHEMA \"" + schema + "\"");
            sql.execute("SET search_path TO \"" + schema + "\"");
            dev.venom.core.persistence.internal.pg.Migrations.migrate(setup);
        }
        try {
            AtomicLong rows = new AtomicLong();
            long deadline = System.nanoTime() + MEASURE.toNanos();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 2; w++) {
                Thread writer = new Thread(() -> insertUntil(schema, deadline, rows));
                writers.add(writer);
                writer.start();
            }
            long start = System.nanoTime();
            for (Thread writer : writers) {
                writer.join();
            }
            return rows.get() / ((System.nanoTime() - start) / 1e9);
        } finally {
            PostgresTestDatabase.drop(schema);
        }
    }

    private static void insertUntil(String schema, long deadline, AtomicLong rows) {
        Properties properties = new Properties();
        properties.setProperty("reWriteBatchedInserts", "true");
        try (Connection connection = DriverManager.getConnection(PostgresTestDatabase.URL, properties)) {
            try (Statement sql = connection.createStatement()) {
                sql.execute("SET search_path TO \"" + schema + "\"");
            }
            connection.setAutoCommit(false);
            try (PreparedStatement insert = connection.prepareStatement(TaskRows.insert("venom_tasks"))) {
                while (System.nanoTime() < deadline) {
                    for (int i = 0; i < 500; i++) {
                        TaskRows.bindInsert(connection, insert,
                                VenomTask.create(UUID.randomUUID(), "benchmark task", Instant.now()));
                        insert.addBatch();
                    }
                    insert.executeBatch();
                    connection.commit();
                    rows.addAndGet(500);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Tasks per second from the first create of the measured window until every task created in it is
     * COMPLETED, with {@code servers} servers of {@code jar} sharing the load, spread evenly over {@code queues}
     * queues (each with the whole concurrency).
     */
    private Run endToEnd(int servers, Path jar, int queues) throws Exception {
        String schema = PostgresTestDatabase.newSchema();
        checkpoint();
        List<ServerProcess> running = new ArrayList<>();
        try {
            for (int s = 0; s < servers; s++) {
                List<String> jvm = new ArrayList<>(List.of("-Xmx1g"));
                String extra = System.getProperty("venom.bench.jvm", "").trim();
                if (!extra.isEmpty()) {
                    jvm.addAll(List.of(extra.replace("{n}", Integer.toString(s)).split("\\s+")));
                }
                Map<String, String> env = new HashMap<>(Map.of("VENOM_STORE", PostgresTestDatabase.URL,
                        "VENOM_DB_SCHEMA", schema, "VENOM_NODE_ID", "bench-" + s, "VENOM_PROCESSING_DELAY_MS", "0",
                        "VENOM_CONCURRENCY", CONCURRENCY));
                if (COOLDOWN != null) {
                    env.put("VENOM_CLAIM_COOLDOWN_MS", COOLDOWN);
                }
                if (queues > 1) {
                    env.put("VENOM_CONCURRENCY", Integer.toString(Integer.parseInt(CONCURRENCY) / queues));
                }
                List<String> command = new ArrayList<>(List.of(ServerProcess.java()));
                command.addAll(jvm);
                command.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
                running.add(ServerProcess.startCommand(command,
                        Files.createDirectories(dir.resolve(schema + "-" + s)), env));
            }
            load(running, WARMUP, queues);
            awaitAllCompleted(schema);
            long before = count(schema, "true");
            List<Long> pids = running.stream().map(ServerProcess::pid).toList();
            long[] cpuBefore = {ProcessCpu.micros(pids), ProcessCpu.micros("postgres"),
                    ProcessCpu.micros(List.of(ProcessHandle.current().pid()))};
            long[] machineBefore = ProcessCpu.machineMicros();
            long start = System.nanoTime();
            load(running, MEASURE, queues);
            awaitAllCompleted(schema);
            double seconds = (System.nanoTime() - start) / 1e9;
            long created = count(schema, "true") - before;
            report.add(String.format("  %d server(s), %s, %d queue(s): %,d tasks created in %d s, all completed "
                    + "after %.1f s", servers, jar.getFileName(), queues, created, MEASURE.toSeconds(), seconds));
            double serverMicros = Double.NaN;
            double postgresMicros = Double.NaN;
            double clientMicros = Double.NaN;
            if (ProcessCpu.available()) {
                serverMicros = (ProcessCpu.micros(pids) - cpuBefore[0]) / (double) created;
                postgresMicros = (ProcessCpu.micros("postgres") - cpuBefore[1]) / (double) created;
                clientMicros = (ProcessCpu.micros(List.of(ProcessHandle.current().pid())) - cpuBefore[2])
                        / (double) created;
                report.add(String.format(
                        "    CPU per task: server JVM(s) %.0f us, PostgreSQL %.0f us, load client %.0f us",
                        serverMicros, postgresMicros, clientMicros));
                long[] machine = ProcessCpu.machineMicros();
                double available = seconds * 1e6 * Runtime.getRuntime().availableProcessors();
                report.add(String.format("    the machine: %.0f %% busy, %.0f %% stolen by other guests",
                        100 * (machine[0] - machineBefore[0]) / available,
                        100 * (machine[1] - machineBefore[1]) / available));
            }
            return new Run(created / seconds, serverMicros, postgresMicros, clientMicros);
        } finally {
            running.forEach(ServerProcess::close);
            PostgresTestDatabase.drop(schema);
        }
    }

    /** Starts each run from a clean checkpoint, so one run's writes are not flushed during the next. */
    private static void checkpoint() throws SQLException {
        try (Connection connection = DriverManager.getConnection(PostgresTestDatabase.URL);
             Statement sql = connection.createStatement()) {
            sql.execute("CHECKPOINT");
        }
    }

    /** {@link #CONNECTIONS} closed-loop clients over the servers, each queue's tasks from its own share. */
    private static void load(List<ServerProcess> servers, Duration length, int queues) throws InterruptedException {
        List<Thread> clients = new ArrayList<>();
        for (ServerProcess server : servers) {
            for (int q = 0; q < queues; q++) {
                String body = queues == 1 ? "{\"content\": \"benchmark task\"}"
                        : "{\"content\": \"benchmark task\", \"queue\": \"q" + q + "\"}";
                Thread client = new Thread(() -> {
                    try {
                        new LoadClient(server.port(), body, 201)
                                .run("load", Math.max(1, CONNECTIONS / servers.size() / queues), Duration.ZERO, length);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                clients.add(client);
                client.start();
            }
        }
        for (Thread client : clients) {
            client.join();
        }
    }

    private static void awaitAllCompleted(String schema) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (count(schema, "status <> 'COMPLETED'") > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("tasks still not completed after 5 minutes");
            }
            Thread.sleep(50);
        }
    }

    private static long count(String schema, String where) throws SQLException {
        try (Connection connection = DriverManager.getConnection(PostgresTestDatabase.URL);
             Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT count(*) FROM \"" + schema + "\".venom_tasks WHERE " + where)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
