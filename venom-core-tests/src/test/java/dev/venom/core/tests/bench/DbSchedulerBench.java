package dev.venom.core.tests.bench;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The two modes of {@code venom-server.jar bench}, run on db-scheduler (lock-and-fetch), in a JVM of its own,
 * with one-time tasks of a 16-byte payload scheduled by {@code producers} threads (each insert committed
 * before the next, as a client waits for its acknowledgement) and a scheduler of {@code threads} threads.
 * {@code burn-down}: {@code amount} tasks scheduled, then the scheduler started and timed until the table is
 * empty (db-scheduler deletes a one-time task once it ran). {@code steady}: the scheduler runs while the
 * producers schedule for {@code amount} seconds; what is left in the table then is the backlog. Prints the
 * bench command's lines, so {@link PeersThroughputBench} reads both alike.
 *
 * {@code warmup} tasks (0 by default) are scheduled and run first, unmeasured, as the bench command's
 * {@code --warmup} does; the WAL is read around the measured part.
 *
 * <p>Arguments: JDBC URL, mode, amount (tasks or seconds), producers, threads[, warmup].
 */
public final class DbSchedulerBench {


    private DbSchedulerBench() {
    }

    /** db-scheduler's table and indexes for PostgreSQL (a test resource, which {@link WalFloorBench} runs too). */
    static String schema() throws IOException {
        try (InputStream in = DbSchedulerBench.class.getResourceAsStream("/bench/db-scheduler-schema.sql")) {
            if (in == null) {
                throw new IllegalStateException("bench/db-scheduler-schema.sql is missing from the test resources");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        boolean steady = args[1].equals("steady");
        int amount = Integer.parseInt(args[2]);
        int producers = Integer.parseInt(args[3]);
        int threads = Integer.parseInt(args[4]);
        int warmup = args.length > 5 ? Integer.parseInt(args[5]) : 0;
        String schema = "dbs_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection connection = DriverManager.getConnection(url); Statement sql = connection.createStatement()) {
            sql.execute("CREATE SCHEMA " + schema);
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema);
        config.setMaximumPoolSize(Math.max(producers, threads) + 4);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            try (Connection connection = pool.getConnection(); Statement sql = connection.createStatement()) {
                sql.execute(schema());
            }
            warmUp(pool, warmup, producers, threads);
            if (steady) {
                steady(pool, amount, producers, threads);
            } else {
                burnDown(pool, amount, producers, threads);
            }
        } finally {
            try (Connection connection = DriverManager.getConnection(url); Statement sql = connection.createStatement()) {
                sql.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }

    /** Executions so far: counted in the task, so waiting for a run-down does not poll the table. */
    private static final AtomicInteger RAN = new AtomicInteger();

    private static OneTimeTask<String> noop() {
        return Tasks.oneTime("bench", String.class).execute((instance, context) -> RAN.incrementAndGet());
    }

    /**
     * Until {@code count} executions have run and the table holds none of them (db-scheduler deletes a one-time
     * task after it ran), looking at the table only once the executions say so, as the bench command does.
     */
    private static void awaitRun(HikariDataSource pool, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (RAN.get() < count && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        while (left(pool) > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("tasks still not run after 10 minutes");
            }
            Thread.sleep(20);
        }
    }

    private static Scheduler scheduler(HikariDataSource pool, OneTimeTask<String> task, int threads) {
        return Scheduler.create(pool, task).threads(threads).pollUsingLockAndFetch(0.5, 1.0)
                .pollingInterval(Duration.ofSeconds(1)).build();
    }

    /** Schedules from {@code producers} threads while {@code more} says so; answers how many were scheduled. */
    private static int produce(SchedulerClient client, OneTimeTask<String> task, int producers,
            java.util.function.IntPredicate more, String prefix) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger scheduled = new AtomicInteger();
        String payload = "x".repeat(16);
        List<Thread> producing = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            Thread producer = new Thread(() -> {
                int i;
                while (more.test(i = next.getAndIncrement())) {
                    client.schedule(task.instance(prefix + i, payload), Instant.now());
                    scheduled.incrementAndGet();
                }
            }, "dbs-producer-" + p);
            producer.start();
            producing.add(producer);
        }
        for (Thread producer : producing) {
            producer.join();
        }
        return scheduled.get();
    }

    /** Schedules {@code tasks} and runs them with a scheduler of their own, unmeasured. */
    private static void warmUp(HikariDataSource pool, int tasks, int producers, int threads) throws Exception {
        if (tasks == 0) {
            return;
        }
        OneTimeTask<String> noop = noop();
        Scheduler scheduler = scheduler(pool, noop, threads);
        scheduler.start();
        int scheduled = produce(SchedulerClient.Builder.create(pool, noop).build(), noop, producers, i -> i < tasks,
                "warm-");
        awaitRun(pool, scheduled);
        scheduler.stop();
    }

    private static void burnDown(HikariDataSource pool, int tasks, int producers, int threads) throws Exception {
        OneTimeTask<String> noop = noop();
        long wal = walPosition(pool);
        long cpuBefore = cpuNanos();
        SchedulerClient client = SchedulerClient.Builder.create(pool, noop).build();
        long start = System.nanoTime();
        int scheduled = produce(client, noop, producers, i -> i < tasks, "task-");
        double enqueueSeconds = (System.nanoTime() - start) / 1e9;
        Scheduler scheduler = scheduler(pool, noop, threads);
        int ranBefore = RAN.get();
        long runStart = System.nanoTime();
        scheduler.start();
        awaitRun(pool, ranBefore + scheduled);
        double runSeconds = (System.nanoTime() - runStart) / 1e9;
        long cpu = cpuNanos() - cpuBefore;
        wal = walPosition(pool) - wal;
        scheduler.stop();
        System.out.printf(Locale.ROOT, "enqueue:    %,10.0f tasks/s  (%d tasks in %.2f s)%n", tasks / enqueueSeconds,
                tasks, enqueueSeconds);
        System.out.printf(Locale.ROOT, "completion: %,10.0f tasks/s  (the backlog of %d run down in %.2f s)%n",
                tasks / runSeconds, tasks, runSeconds);
        System.out.printf(Locale.ROOT, "CPU per task (this JVM, enqueue and run): %d us%n", cpu / 1000 / tasks);
        System.out.printf(Locale.ROOT, "WAL per task (the whole database's, enqueue to completion): %d B%n",
                wal / tasks);
    }

    private static void steady(HikariDataSource pool, int seconds, int producers, int threads) throws Exception {
        OneTimeTask<String> noop = noop();
        Scheduler scheduler = scheduler(pool, noop, threads);
        int ranBefore = RAN.get();
        scheduler.start();
        SchedulerClient client = SchedulerClient.Builder.create(pool, noop).build();
        long wal = walPosition(pool);
        long cpuBefore = cpuNanos();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        int scheduled = produce(client, noop, producers, i -> System.nanoTime() < end, "task-");
        double elapsed = (System.nanoTime() - start) / 1e9;
        long backlog = left(pool);
        long cpu = cpuNanos() - cpuBefore;
        awaitRun(pool, ranBefore + scheduled); // what is left runs, as in the bench command: the WAL counts every run
        wal = walPosition(pool) - wal;
        scheduler.stop();
        System.out.printf(Locale.ROOT, "enqueue:    %,10.0f tasks/s  (%d tasks in %.2f s)%n", scheduled / elapsed,
                scheduled, elapsed);
        System.out.printf(Locale.ROOT, "completion: %,10.0f tasks/s  (%d in the same %.2f s; backlog at the end %d)%n",
                (scheduled - backlog) / elapsed, scheduled - backlog, elapsed, backlog);
        System.out.printf(Locale.ROOT, "CPU per task (this JVM): %d us%n", cpu / 1000 / Math.max(1, scheduled));
        System.out.printf(Locale.ROOT, "WAL per task (the whole database's, enqueue to completion): %d B%n",
                wal / Math.max(1, scheduled));
    }

    private static long walPosition(HikariDataSource pool) throws Exception {
        try (Connection connection = pool.getConnection(); Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static long left(HikariDataSource pool) throws Exception {
        try (Connection connection = pool.getConnection(); Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT count(*) FROM scheduled_tasks")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
