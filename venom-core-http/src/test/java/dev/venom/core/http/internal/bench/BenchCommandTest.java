package dev.venom.core.http.internal.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code java -jar venom-server.jar bench} on the embedded journal: what it prints, and what it refuses. */
class BenchCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int bench(String... args) {
        return BenchCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private static double number(String text, String label) {
        Matcher m = Pattern.compile(Pattern.quote(label) + "\\s+([0-9,]+)").matcher(text);
        assertThat(m.find()).as("%s in%n%s", label, text).isTrue();
        return Double.parseDouble(m.group(1).replace(",", ""));
    }

    @Test
    void aBurnDownEnqueuesEveryTaskThenRunsThemAllAndSaysWhereItRan() {
        int status = bench("--tasks", "300", "--producers", "3", "--concurrency", "4", "--payload-bytes", "64");

        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(text).contains("store json (journal, fsync always), mode burn-down, 300 tasks, 3 producers, "
                + "concurrency 4, payload 64 B").contains("machine: " + Runtime.getRuntime().availableProcessors()
                + " cores").contains("(300 tasks in ").contains("the backlog of 300 run down");
        assertThat(number(text, "enqueue:")).isPositive();
        assertThat(number(text, "completion:")).isPositive();
    }

    @Test
    void aSteadyRunReportsItsBacklogAndTheCreateToStartLatency() {
        int status = bench("--mode", "steady", "--seconds", "1", "--producers", "2", "--concurrency", "4");

        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(number(text, "enqueue:")).isPositive();
        assertThat(text).containsPattern("create to start: p50 [0-9.]+ ms, p99 [0-9.]+ ms \\([0-9,]+ starts\\)")
                .contains("backlog at the end").containsPattern("CPU per task \\(this JVM\\): [0-9,]+ us");
    }

    @Test
    void aWarmUpRunsItsTasksFirstAndTheMeasuredRunDownStillWaitsForAllOfItsOwn() {
        int status = bench("--tasks", "200", "--warmup", "150", "--producers", "2", "--concurrency", "4");

        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(text).contains("200 tasks, 2 producers, concurrency 4, payload 16 B, warm-up 150 tasks")
                .containsPattern("warm-up: +150 tasks enqueued and run in [0-9.]+ s, not measured")
                .contains("(200 tasks in ").contains("the backlog of 200 run down").doesNotContain("WAL per task");
        assertThat(text.indexOf("warm-up:")).isLessThan(text.indexOf("enqueue:"));
    }

    @Test
    void aBadOptionIsRefusedWithItsNameAndNothingRuns() {
        assertThat(bench("--tasks", "0")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--tasks must be 1..10000000, was '0'");
        assertThat(bench("--warmup", "-1")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--warmup must be 0..10000000, was '-1'");
        assertThat(bench("--store", "mysql://x")).isEqualTo(2);
        assertThat(bench("--frobnicate", "1")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option --frobnicate");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }
}
