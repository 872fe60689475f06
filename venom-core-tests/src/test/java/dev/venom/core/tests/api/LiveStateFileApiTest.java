package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The original's readers look at {@code state_dump.json} while the service runs: with the default settings
 * it shows each acknowledged change within about a second, in the original's format.
 */
class LiveStateFileApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private InProcessServers servers;
    private Http http;

    @BeforeEach
    void start() {
        servers = new InProcessServers(dir);
        http = servers.start("--processing-delay-ms", "100");
    }

    @AfterEach
    void stop() {
        servers.close();
    }

    private JsonNode taskOnDisk(String id) throws Exception {
        Path file = dir.resolve("state-0.json");
        if (!Files.exists(file)) {
            return null;
        }
        for (JsonNode task : JSON.readTree(Files.readString(file)).get("tasks")) {
            if (task.get("id").asText().equals(id)) {
                return task;
            }
        }
        return null;
    }

    @Test
    void theStateFileOnDiskShowsACreatedTaskAndItsEndWithinAboutASecond() throws Exception {
        long created = System.nanoTime();
        String id = http.create("read from disk");

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> {
            JsonNode task = taskOnDisk(id);
            return task != null && task.get("status").asText().equals("COMPLETED");
        });

        JsonNode task = taskOnDisk(id);
        assertThat(task.get("result").asText()).isEqualTo("Processed: read from disk");
        assertThat(task.get("content").asText()).isEqualTo("read from disk");
        assertThat(Duration.ofNanos(System.nanoTime() - created)).isLessThan(Duration.ofSeconds(3));
    }
}
