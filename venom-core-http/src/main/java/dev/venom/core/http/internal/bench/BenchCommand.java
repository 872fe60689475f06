package dev.venom.core.http.internal.bench;

import dev.venom.core.engine.Orchestrator;
import dev.venom.core.engine.StateStore;
import dev.venom.core.engine.TaskEvent;
import dev.venom.core.engine.TaskListener;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.persistence.JsonFileStateStore;
import dev.venom.core.persistence.PostgresStateStore;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Stream;

/**
 * {@code java -jar venom-server.jar bench}: the engine on a store, with a processor that does nothing, loaded
 * by producer threads that each wait for every task's durable acknowledgement. Prints enqueue/s,
 * completions/s, create-to-start latency and this JVM's CPU per task, with the machine it ran on.
 */
public final class BenchCommand {

    /** Create-to-start latencies kept for the percentiles: the first this many starts of the measured window. */
    private static final int LATENCY_SAMPLES = 1 << 20;

    private final BenchOptions options;
    private final PrintStream out;
    private final Observed observed = new Observed();

    private BenchCommand(BenchOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** Runs the command with {@code args} (after {@code bench}); the process's exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        BenchOptions options;
        try {
            if (Arrays.asList(args).contains("--help")) {
                out.println(BenchOptions.USAGE);
                return 0;
            }
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("venom bench: " + e.getMessage());
            return 2;
        }
        try {
            new BenchCommand(options, out).measure();
            return 0;
        } catch (RuntimeException | IOException | SQLException e) {
            err.println("venom bench: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private void measure() throws IOException, SQLException, InterruptedException {
        out.printf(Locale.ROOT, "venom bench: store %s, mode %s, %s, %d producers, concurrency %d, payload %d B%s%n",
                options.store().equals("json") ? "json (journal, fsync always)"
                        : PostgresStateStore.withoutPassword(options.store()),
                options.mode().flag(), options.mode() == BenchOptions.Mode.BURN_DOWN ? options.tasks() + " tasks"
                        : options.seconds() + " s", options.producers(), options.concurrency(),
                options.payloadBytes(), options.warmup() > 0 ? ", warm-up " + options.warmup() + " tasks" : "");
        out.println("machine: " + machine());
        Path dir = Files.createTempDirectory("venom-bench");
        String schema = "venom_bench_" + UUID.randomUUID().toString().substring(0, 8);
        StateStore store = options.store().equals("json")
                ? JsonFileStateStore.builder(dir.resolve("state_dump.json")).open()
                : PostgresStateStore.builder(options.store()).schema(schema).poolSize(Math.max(10,
                        options.producers() + 4)).open();
        try (Orchestrator engine = Orchestrator.builder().store(store).nodeId("bench")
                .concurrency(options.concurrency()).listener(observed)
                .claimCooldown(options.store().equals("json") ? Duration.ZERO : Duration.ofMillis(10))
                .processor((task, ctx) -> CompletableFuture.completedFuture("ok")).build().start()) {
            warmUp(engine);
            if (options.mode() == BenchOptions.Mode.BURN_DOWN) {
                burnDown(engine);
            } else {
                steady(engine);
            }
        } finally {
            store.close();
            deleteQuietly(dir);
            if (!options.store().equals("json")) {
                try (Connection connection = DriverManager.getConnection(options.store());
                     Statement sql = connection.createStatement()) {
                    sql.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
                }
            }
        }
    }

    /** Enqueues and runs {@code --warmup} tasks, unmeasured: a cold JVM spends most of a short run compiling. */
    private void warmUp(Orchestrator engine) throws InterruptedException {
        if (options.warmup() == 0) {
            return;
        }
        long start = System.nanoTime();
        long completedBefore = engine.countExact(TaskStatus.COMPLETED);
        int enqueued = produce(engine, options.warmup(), Long.MAX_VALUE);
        awaitCompleted(engine, completedBefore + enqueued);
        out.printf(Locale.ROOT, "warm-up:     %,d tasks enqueued and run in %.2f s, not measured%n", enqueued,
                (System.nanoTime() - start) / 1e9);
    }

    private void burnDown(Orchestrator engine) throws InterruptedException, SQLException {
        engine.queues().pauseAll().join();
        long completedBefore = engine.countExact(TaskStatus.COMPLETED);
        long wal = walPosition();
        long cpu = processCpuNanos();
        long start = System.nanoTime();
        int enqueued = produce(engine, options.tasks(), Long.MAX_VALUE);
        double enqueueSeconds = (System.nanoTime() - start) / 1e9;
        observed.startMeasuring();
        long runStart = System.nanoTime();
        engine.queues().resumeAll().join();
        awaitCompleted(engine, completedBefore + enqueued);
        double runSeconds = (System.nanoTime() - runStart) / 1e9;
        long cpuPerTask = (processCpuNanos() - cpu) / Math.max(1, enqueued) / 1000;
        wal = walPosition() - wal;
        out.printf(Locale.ROOT, "enqueue:     %,10.0f tasks/s  (%,d tasks in %.2f s, none running meanwhile)%n",
                enqueued / enqueueSeconds, enqueued, enqueueSeconds);
        out.printf(Locale.ROOT, "completion:  %,10.0f tasks/s  (the backlog of %,d run down in %.2f s)%n",
                enqueued / runSeconds, enqueued, runSeconds);
        out.printf(Locale.ROOT, "CPU per task (this JVM, enqueue and run): %,d us%n", cpuPerTask);
        printWal(wal, enqueued);
    }

    private void steady(Orchestrator engine) throws InterruptedException, SQLException {
        observed.startMeasuring();
        long wal = walPosition();
        long cpu = processCpuNanos();
        long completedBefore = engine.countExact(TaskStatus.COMPLETED);
        long start = System.nanoTime();
        int enqueued = produce(engine, Integer.MAX_VALUE, start + Duration.ofSeconds(options.seconds()).toNanos());
        double seconds = (System.nanoTime() - start) / 1e9;
        long completed = engine.countExact(TaskStatus.COMPLETED) - completedBefore;
        long cpuNanos = processCpuNanos() - cpu;
        awaitCompleted(engine, completedBefore + enqueued);
        wal = walPosition() - wal;
        out.printf(Locale.ROOT, "enqueue:     %,10.0f tasks/s  (%,d tasks in %.2f s)%n", enqueued / seconds, enqueued,
                seconds);
        out.printf(Locale.ROOT, "completion:  %,10.0f tasks/s  (%,d in the same %.2f s; backlog at the end %,d)%n",
                completed / seconds, completed, seconds, Math.max(0, enqueued - completed));
        out.printf(Locale.ROOT, "create to start: p50 %.2f ms, p99 %.2f ms (%,d starts)%n", observed.percentile(50),
                observed.percentile(99), observed.count());
        out.printf(Locale.ROOT, "CPU per task (this JVM): %,d us%n", cpuNanos / Math.max(1, enqueued) / 1000);
        printWal(wal, enqueued);
    }

    /**
     * Where PostgreSQL's WAL stands, in bytes: read around the measured part, so what one task costs the
     * database's log is printed beside its other costs. Zero on the journal.
     */
    private long walPosition() throws SQLException {
        if (options.store().equals("json")) {
            return 0;
        }
        try (Connection connection = DriverManager.getConnection(options.store());
             Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private void printWal(long bytes, int tasks) {
        if (!options.store().equals("json")) {
            out.printf(Locale.ROOT, "WAL per task (the whole database's, enqueue to completion): %,d B%n",
                    bytes / Math.max(1, tasks));
        }
    }

    /** Producer threads submitting until {@code total} tasks or the deadline; how many were acknowledged. */
    private int produce(Orchestrator engine, int total, long deadlineNanos) throws InterruptedException {
        String content = "x".repeat(options.payloadBytes());
        AtomicInteger next = new AtomicInteger();
        AtomicInteger acknowledged = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        List<Thread> producers = new ArrayList<>();
        for (int p = 0; p < options.producers(); p++) {
            Thread producer = new Thread(() -> {
                while (!failed.get() && next.getAndIncrement() < total && System.nanoTime() < deadlineNanos) {
                    try {
                        engine.submit(new TaskRequest(content)).join();
                        acknowledged.incrementAndGet();
                    } catch (RuntimeException e) {
                        failed.set(true);
                        out.println("a submit failed: " + e.getMessage());
                    }
                }
            }, "venom-bench-producer-" + p);
            producers.add(producer);
            producer.start();
        }
        for (Thread producer : producers) {
            producer.join();
        }
        return acknowledged.get();
    }

    /**
     * Waits until {@code count} tasks are COMPLETED in the store. The engine's events say when; the store is then
     * asked once to confirm. Polling a count every few milliseconds instead cost PostgreSQL more CPU than the
     * tasks being measured (a count of a large table a hundred times a second).
     */
    private void awaitCompleted(Orchestrator engine, long count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        observed.awaitCompletions(count, deadline);
        while (engine.countExact(TaskStatus.COMPLETED) < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("tasks still not completed after 10 minutes");
            }
            Thread.sleep(20);
        }
    }

    /**
     * What the engine's events tell the bench: the create-to-start latencies of the tasks started in the
     * measured window, and how many tasks it has completed.
     */
    private static final class Observed implements TaskListener {
        private final AtomicLongArray micros = new AtomicLongArray(LATENCY_SAMPLES);
        private final AtomicInteger count = new AtomicInteger();
        private final AtomicLong completions = new AtomicLong();
        private volatile boolean measuring;
        /** Events were dropped: their count no longer says when, the store does. */
        private volatile boolean dropped;

        /** Until this engine has completed {@code target} tasks (by its events), events were lost, or the deadline. */
        void awaitCompletions(long target, long deadlineNanos) throws InterruptedException {
            while (completions.get() < target && !dropped && System.nanoTime() < deadlineNanos) {
                Thread.sleep(2);
            }
        }

        @Override
        public void onEventsDropped(long count) {
            dropped = true;
        }

        void startMeasuring() {
            measuring = true;
        }

        @Override
        public void onEvent(TaskEvent event) {
            if (event.type() == TaskEvent.Type.STATUS_CHANGED && event.task().status() == TaskStatus.COMPLETED) {
                completions.incrementAndGet();
            }
            if (measuring && event.type() == TaskEvent.Type.STATUS_CHANGED && event.from() == TaskStatus.PENDING
                    && event.task().status() == TaskStatus.PROCESSING) {
                int i = count.getAndIncrement();
                if (i < LATENCY_SAMPLES) {
                    micros.set(i, Duration.between(event.task().createdAt(), event.at()).toNanos() / 1000);
                }
            }
        }

        int count() {
            return Math.min(count.get(), LATENCY_SAMPLES);
        }

        double percentile(int p) {
            int n = count();
            if (n == 0) {
                return Double.NaN;
            }
            long[] sorted = new long[n];
            for (int i = 0; i < n; i++) {
                sorted[i] = micros.get(i);
            }
            Arrays.sort(sorted);
            return sorted[Math.min(n - 1, (int) Math.ceil(p / 100.0 * n) - 1)] / 1000.0;
        }
    }

    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }

    /** Cores, CPU model, OS and Java: what a number measured here depends on. */
    static String machine() {
        String model = "";
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            model = lines.filter(line -> line.startsWith("model name")).findFirst()
                    .map(line -> line.substring(line.indexOf(':') + 1).trim() + ", ").orElse("");
        } catch (IOException | UncheckedIOException e) {
            // not Linux: the cores and the OS say enough
        }
        return Runtime.getRuntime().availableProcessors() + " cores, " + model + System.getProperty("os.name") + " "
                + System.getProperty("os.version") + " " + System.getProperty("os.arch") + ", Java "
                + System.getProperty("java.version");
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }
}
