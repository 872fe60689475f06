package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Content comes back exactly as sent, a JSON string with an unpaired surrogate included, also after a restart. */
class ExactContentApiTest {

    private static final String SENT = "a\ud800b";

    @TempDir
    Path dir;

    private InProcessServers servers;

    @AfterEach
    void stop() {
        servers.close();
    }

    @Test
    void anUnpairedSurrogateIsStoredAndAnsweredExactlyAndSurvivesARestart() {
        String stateFile = dir.resolve("state_dump.json").toString();
        servers = new InProcessServers(dir);
        Http http = servers.start("--state-file", stateFile, "--processing-delay-ms", "10");

        String id = http.post("/api/v1/tasks", "{\"content\":\"a\\ud800b\"}").json().get("task_id").asText();
        await().atMost(Duration.ofSeconds(10)).until(() -> http.task(id).get("status").asText().equals("COMPLETED"));
        JsonNode task = http.task(id);
        assertThat(task.get("content").asText()).isEqualTo(SENT);
        assertThat(task.get("result").asText()).isEqualTo("Processed: " + SENT);

        servers.close();
        servers = new InProcessServers(dir);
        Http restarted = servers.start("--state-file", stateFile);
        assertThat(restarted.task(id).get("content").asText()).isEqualTo(SENT);
    }
}
