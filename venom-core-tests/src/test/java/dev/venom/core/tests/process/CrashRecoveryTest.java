package dev.venom.core.tests.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.ServerProcess;
import dev.venom.core.tests.support.WritesUntilKilled;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 under load, at several points, on one state directory: every task acknowledged with 201 survives,
 * none is left stuck, and every attempt a crash interrupted is marked {@code Recovered after restart}.
 */
@Tag("process")
class CrashRecoveryTest {

    private static final Map<String, String> ENV = Map.of(
            "VENOM_PROCESSING_DELAY_MS", "30", "VENOM_CONCURRENCY", "32");
    private static final long[] KILL_AFTER_MS = {150, 400, 700, 1000};
    private static final int CLIENTS = 4;

    @TempDir
    Path workDir;

    @Test
    void everyAcknowledgedTaskSurvivesKillNineAndFinishes() throws Exception {
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger loads = new AtomicInteger();
        for (long killAfter : KILL_AFTER_MS) {
            try (ServerProcess server = ServerProcess.start(workDir, ENV)) {
                assertThat(listById(server.http()).keySet()).as("acknowledged before this start")
                        .containsAll(acknowledged);
                WritesUntilKilled.run(server, CLIENTS, "/api/v1/tasks",
                        () -> "{\"content\": \"load " + loads.getAndIncrement() + "\"}", killAfter, acknowledged);
            }
        }

        try (ServerProcess server = ServerProcess.start(workDir, ENV)) {
            Http http = server.http();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() ->
                    listById(http).values().stream().allMatch(t -> t.get("status").asText().equals("COMPLETED")));
            Map<String, JsonNode> tasks = listById(http);

            assertThat(tasks.keySet()).containsAll(acknowledged);
            assertThat(acknowledged).hasSizeGreaterThan(50);
            tasks.values().forEach(CrashRecoveryTest::assertInterruptedAttemptsAreMarked);
            assertThat(tasks.values()).as("tasks interrupted mid-flight by a kill")
                    .anyMatch(t -> logs(t).stream().anyMatch(l -> l.startsWith("Recovered after restart: ")));
        }
    }

    /** Each "Processing started" is followed by its end, or by the recovery line of the restart that cut it. */
    private static void assertInterruptedAttemptsAreMarked(JsonNode task) {
        List<String> logs = logs(task);
        assertThat(logs.get(0)).startsWith("Task started: ");
        assertThat(logs.get(logs.size() - 1)).startsWith("Processing completed: ");
        for (int i = 0; i < logs.size() - 1; i++) {
            if (logs.get(i).startsWith("Processing started: ")) {
                assertThat(logs.get(i + 1)).as("line after %s in %s", logs.get(i), task.get("id"))
                        .matches("(Processing completed|Recovered after restart): .*");
            }
        }
    }

    private static List<String> logs(JsonNode task) {
        List<String> lines = new ArrayList<>();
        task.get("logs").forEach(line -> lines.add(line.asText()));
        return lines;
    }

    private static Map<String, JsonNode> listById(Http http) {
        Map<String, JsonNode> byId = new HashMap<>();
        http.get("/api/v1/tasks").json().forEach(task -> byId.put(task.get("id").asText(), task));
        return byId;
    }
}
