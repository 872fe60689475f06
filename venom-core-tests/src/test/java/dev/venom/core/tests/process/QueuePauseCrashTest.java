package dev.venom.core.tests.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An operator's pause is durable: a {@code kill -9} and a restart of the server keep the queue paused. */
@Tag("process")
class QueuePauseCrashTest {

    @TempDir
    Path workDir;

    @Test
    void aPausedQueueStaysPausedAfterKillNineAndItsTaskWaitsUntilResumed() throws Exception {
        Map<String, String> env = Map.of("VENOM_PROCESSING_DELAY_MS", "50");
        String held;
        try (ServerProcess server = ServerProcess.start(workDir, env)) {
            Http http = server.http();
            assertThat(http.post("/api/v1/queues/reports/pause", "").status()).isEqualTo(200);
            held = http.post("/api/v1/tasks", "{\"content\": \"held\", \"queue\": \"reports\"}").json()
                    .get("task_id").asText();
            server.kill();
        }

        try (ServerProcess server = ServerProcess.start(workDir, env)) {
            Http http = server.http();
            assertThat(http.get("/api/v1/queues/reports").json().get("paused").asBoolean()).isTrue();
            String other = http.create("runs");
            await().atMost(Duration.ofSeconds(10)).until(() -> http.task(other).get("status").asText()
                    .equals("COMPLETED"));
            assertThat(http.task(held).get("status").asText()).isEqualTo("PENDING");

            http.post("/api/v1/queues/reports/resume", "");

            await().atMost(Duration.ofSeconds(10)).until(() -> http.task(held).get("status").asText()
                    .equals("COMPLETED"));
        }
    }
}
