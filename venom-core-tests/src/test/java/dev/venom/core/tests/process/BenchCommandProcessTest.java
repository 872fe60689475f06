package dev.venom.core.tests.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.venom.core.tests.support.ServerProcess;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
}
