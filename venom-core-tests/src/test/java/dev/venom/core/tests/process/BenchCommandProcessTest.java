package dev.venom.core.tests.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.venom.core.persistence.PostgresTestDatabase;
import dev.venom.core.tests.support.ServerProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's {@code java -jar venom-server.jar bench}, run from the real jar. */
@Tag("process")
class BenchCommandProcessTest {

    @TempDir
    Path workDir;

    @Test
    void theServerJarsBenchCommandMeasuresTheJournalAndExitsZero() throws Exception {
        try (ServerProcess bench = ServerProcess.launchCommand(List.of(ServerProcess.java(), "-Xmx256m", "-jar",
                ServerProcess.jar().toAbsolutePath().toString(), "bench", "--tasks", "500", "--producers", "4",
                "--concurrency", "8"), workDir, Map.of())) {

            int status = bench.awaitExit();

            assertThat(status).as(bench.log()).isZero();
            assertThat(bench.log()).contains("mode burn-down, 500 tasks, 4 producers, concurrency 8")
                    .containsPattern("enqueue: +[0-9,]+ tasks/s +\\(500 tasks in ")
                    .containsPattern("completion: +[0-9,]+ tasks/s +\\(the backlog of 500 run down in ")
                    .contains("machine: ");
        }
    }

    @Test
    @Tag("postgres")
    void onPostgresqlItWarmsUpUnmeasuredAndPrintsTheWalEachTaskWrote() throws Exception {
        PostgresTestDatabase.require();
        try (ServerProcess bench = ServerProcess.launchCommand(List.of(ServerProcess.java(), "-Xmx256m", "-jar",
                ServerProcess.jar().toAbsolutePath().toString(), "bench", "--store", PostgresTestDatabase.URL,
                "--tasks", "300", "--warmup", "100", "--producers", "4", "--concurrency", "8"), workDir, Map.of())) {

            int status = bench.awaitExit();

            assertThat(status).as(bench.log()).isZero();
            assertThat(bench.log()).contains("300 tasks, 4 producers, concurrency 8, payload 16 B, warm-up 100 tasks")
                    .containsPattern("warm-up: +100 tasks enqueued and run in [0-9.]+ s, not measured")
                    .containsPattern("\\(the backlog of 300 run down in ");
            Matcher wal = Pattern.compile("WAL per task \\(the whole database's, enqueue to completion\\): ([0-9,]+) B")
                    .matcher(bench.log());
            assertThat(wal.find()).as(bench.log()).isTrue();
            // an insert, a claim and a completion: row versions and index entries, hundreds of bytes at least
            assertThat(Long.parseLong(wal.group(1).replace(",", ""))).isGreaterThan(300);
        }
    }
}
