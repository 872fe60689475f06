package dev.venom.core.tests.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.venom.core.persistence.PostgresTestDatabase;
import dev.venom.core.tests.support.WritesUntilKilled;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 while chains of dependent tasks complete, at several points, on the journal and on PostgreSQL:
 * afterwards no task is left waiting on one that has ended, every acknowledged task is there, and no task
 * ran before its dependencies completed.
 */
@Tag("process")
class DependencyCrashTest {

    private static final long[] KILL_AFTER_MS = {400, 700, 1000};

    @TempDir
    Path workDir;

    @Test
    void onTheJournalKillNineLeavesNoTaskWaitingOnAnEndedOne() throws Exception {
        crashWhileChainsRun(Map.of("VENOM_PROCESSING_DELAY_MS", "5"));
    }

    @Test
    @Tag("postgres")
    void onPostgresqlKillNineLeavesNoTaskWaitingOnAnEndedOne() throws Exception {
        PostgresTestDatabase.require();
        String schema = PostgresTestDatabase.newSchema();
        try {
            crashWhileChainsRun(Map.of("VENOM_PROCESSING_DELAY_MS", "5", "VENOM_STORE", PostgresTestDatabase.URL,
                    "VENOM_DB_SCHEMA", schema, "VENOM_LEASE_MS", "1000", "VENOM_HEARTBEAT_MS", "200"));
        } finally {
            PostgresTestDatabase.drop(schema);
        }
    }

    private void crashWhileChainsRun(Map<String, String> env) throws Exception {
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger chains = new AtomicInteger();
        for (long killAfter : KILL_AFTER_MS) {
            try (ServerProcess server = ServerProcess.start(workDir, env)) {
                WritesUntilKilled.run(server, 2, "/api/v1/tasks/batch", () -> {
                    int chain = chains.incrementAndGet();
                    return "{\"tasks\": [{\"content\": \"" + chain + " a\", \"ref\": \"a\", \"max_attempts\": 5}, "
                            + "{\"content\": \"" + chain + " b\", \"ref\": \"b\", \"depends_on\": [\"a\"], "
                            + "\"max_attempts\": 5}, {\"content\": \"" + chain + " c\", \"depends_on\": [\"a\", \"b\"], "
                            + "\"max_attempts\": 5}]}";
                }, killAfter, acknowledged);
            }
        }

        try (ServerProcess server = ServerProcess.start(workDir, env)) {
            Http http = server.http();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                JsonNode counts = http.get("/api/v1/stats").json().get("counts");
                return counts.get("PENDING").asInt() == 0 && counts.get("PROCESSING").asInt() == 0;
            });
            Map<String, JsonNode> tasks = new HashMap<>();
            http.get("/api/v1/tasks").json().forEach(task -> tasks.put(task.get("id").asText(), task));

            assertThat(acknowledged).hasSizeGreaterThan(30);
            assertThat(tasks.keySet()).containsAll(acknowledged);
            for (JsonNode task : tasks.values()) {
                assertThat(task.get("waiting_on")).as("%s", task).isEmpty();
                for (JsonNode dependency : task.get("depends_on")) {
                    JsonNode ended = tasks.get(dependency.asText());
                    if (task.get("status").asText().equals("COMPLETED")) {
                        assertThat(ended.get("status").asText()).isEqualTo("COMPLETED");
                        assertThat(lastStart(task)).as("%s started after %s finished", task, ended)
                                .isAfterOrEqualTo(Instant.parse(ended.get("finished_at").asText()));
                    }
                }
            }
            assertThat(tasks.values()).filteredOn(task -> !task.get("depends_on").isEmpty())
                    .anyMatch(task -> task.get("status").asText().equals("COMPLETED"));
        }
    }

    private static Instant lastStart(JsonNode task) {
        Instant last = null;
        for (JsonNode line : task.get("logs")) {
            if (line.asText().startsWith("Processing started: ")) {
                last = Instant.parse(line.asText().substring("Processing started: ".length()));
            }
        }
        return last;
    }
}
