package dev.venom.core.tests.bench;

import dev.venom.core.persistence.PostgresTestDatabase;
import dev.venom.core.tests.support.ServerProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Venom on PostgreSQL beside db-scheduler (lock-and-fetch), as issue 17's harness set them: each engine in a
 * fresh JVM and a fresh schema, 8 producers each waiting for the durable acknowledgement, 16 concurrent no-op
 * tasks, the runs alternated; a burn-down of a backlog and a steady run. Venom runs as
 * {@code venom-server.jar bench}, db-scheduler as {@link DbSchedulerBench}; each reads PostgreSQL's WAL around
 * its measured part. Run with {@code -Pbench} ({@code -Dvenom.bench.peers.tasks}, {@code .seconds},
 * {@code .rounds}, and {@code .warmup}: tasks both engines run unmeasured first, 0 by default, a cold JVM as in
 * the harness); prints and writes {@code target/bench/peers.txt}.
 */
@Tag("bench")
@Tag("postgres")
class PeersThroughputBench {

    private static final int TASKS = Integer.getInteger("venom.bench.peers.tasks", 20_000);
    private static final int ROUNDS = Integer.getInteger("venom.bench.peers.rounds", 3);
    private static final int PRODUCERS = 8;
    private static final int CONCURRENCY = 16;
    private static final Pattern COMPLETION = Pattern.compile("completion:\\s+([\\d,]+) tasks/s");
    private static final Pattern ENQUEUE = Pattern.compile("enqueue:\\s+([\\d,]+) tasks/s");
    private static final Pattern CPU = Pattern.compile("CPU per task \\(this JVM[^)]*\\): ([\\d,]+) us");
    private static final Pattern BACKLOG = Pattern.compile("backlog at the end ([\\d,]+)");
    private static final Pattern WAL = Pattern.compile("WAL per task[^:]*: ([\\d,]+) B");
    private static final int WARMUP = Integer.getInteger("venom.bench.peers.warmup", 0);

    private static final int SECONDS = Integer.getInteger("venom.bench.peers.seconds", 10);

    /** One engine's run: rates, the backlog left (steady), this JVM's CPU per task, PostgreSQL's WAL per task. */
    private record Run(double enqueue, double completion, double backlog, double cpuMicros, double walBytes) {
    }

    @Test
    void venomAgainstDbSchedulerOnOneDatabase() throws Exception {
        PostgresTestDatabase.require();
        List<String> report = new ArrayList<>();
        report.add(String.format(Locale.ROOT, "%d producers, %d concurrent no-op tasks, medians of %d alternated runs,"
                + " %s, %d cores, PostgreSQL at %s", PRODUCERS, CONCURRENCY, ROUNDS,
                WARMUP == 0 ? "cold JVMs" : WARMUP + " tasks of warm-up each", Runtime.getRuntime().availableProcessors(),
                PostgresTestDatabase.URL));
        compare(report, "burn-down of " + TASKS + " tasks", "burn-down", TASKS, List.of("--tasks", String.valueOf(TASKS)));
        compare(report, "steady, producers and processing together for " + SECONDS + " s", "steady", SECONDS,
                List.of("--mode", "steady", "--seconds", String.valueOf(SECONDS)));
        String text = String.join("\n", report);
        System.out.println(text);
        Path out = Path.of("target", "bench");
        Files.createDirectories(out);
        Files.writeString(out.resolve("peers.txt"), text + "\n");
    }

    private static void compare(List<String> report, String title, String mode, int amount, List<String> venomMode)
            throws Exception {
        List<Run> venom = new ArrayList<>();
        List<Run> dbScheduler = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            List<String> bench = new ArrayList<>(List.of(ServerProcess.java(), "-jar",
                    ServerProcess.jar().toAbsolutePath().toString(), "bench", "--store", PostgresTestDatabase.URL,
                    "--producers", String.valueOf(PRODUCERS), "--concurrency", String.valueOf(CONCURRENCY),
                    "--warmup", String.valueOf(WARMUP)));
            bench.addAll(venomMode);
            venom.add(measure(bench));
            dbScheduler.add(measure(List.of(ServerProcess.java(), "-cp", System.getProperty("java.class.path"),
                    DbSchedulerBench.class.getName(), PostgresTestDatabase.URL, mode, String.valueOf(amount),
                    String.valueOf(PRODUCERS), String.valueOf(CONCURRENCY), String.valueOf(WARMUP))));
        }
        Run v = median(venom);
        Run d = median(dbScheduler);
        report.add("");
        report.add(title);
        report.add("engine                         enqueue/s  completions/s  backlog  JVM CPU/task  WAL/task");
        report.add(line("Venom, PostgreSQL", v));
        report.add(line("db-scheduler, lock-and-fetch", d));
        report.add(String.format(Locale.ROOT, "Venom / db-scheduler: completions %.2fx, enqueue %.2fx, WAL per task %.2f",
                v.completion / d.completion, v.enqueue / d.enqueue, v.walBytes / d.walBytes));
        report.add("completions/s of every run (Venom | db-scheduler): " + venom.stream().map(r -> String.format(
                Locale.ROOT, "%.0f", r.completion)).toList() + " | " + dbScheduler.stream().map(r -> String.format(
                Locale.ROOT, "%.0f", r.completion)).toList());
    }

    private static String line(String engine, Run run) {
        return String.format(Locale.ROOT, "%-28s %,10.0f %,14.0f %,8.0f %10.0f us %7.0f B", engine, run.enqueue,
                run.completion, run.backlog, run.cpuMicros, run.walBytes);
    }

    private static Run measure(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(10, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException("bench run failed: " + command + "\n" + new String(output,
                    StandardCharsets.UTF_8));
        }
        String text = new String(output, StandardCharsets.UTF_8);
        double enqueue = number(ENQUEUE, text);
        Matcher backlog = BACKLOG.matcher(text);
        double left = backlog.find() ? Double.parseDouble(backlog.group(1).replace(",", "")) : 0;
        return new Run(enqueue, number(COMPLETION, text), left, number(CPU, text), number(WAL, text));
    }

    private static double number(Pattern pattern, String text) {
        Matcher found = pattern.matcher(text);
        if (!found.find()) {
            throw new IllegalStateException("no " + pattern + " in the bench output:\n" + text);
        }
        return Double.parseDouble(found.group(1).replace(",", ""));
    }

    private static Run median(List<Run> runs) {
        return new Run(median(runs, Run::enqueue), median(runs, Run::completion), median(runs, Run::backlog),
                median(runs, Run::cpuMicros), median(runs, Run::walBytes));
    }

    private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> value) {
        double[] sorted = runs.stream().mapToDouble(value).sorted().toArray();
        return sorted[sorted.length / 2];
    }
}
