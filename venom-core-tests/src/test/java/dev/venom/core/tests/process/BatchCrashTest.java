package dev.venom.core.tests.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.ServerProcess;
import dev.venom.core.tests.support.WritesUntilKilled;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 while clients store batches, at several points, on one state directory: every task of an
 * acknowledged batch survives, and every batch is there whole or not at all.
 */
@Tag("process")
class BatchCrashTest {

    private static final Map<String, String> ENV = Map.of("VENOM_PROCESSING_DELAY_MS", "60000",
            "VENOM_MAX_BODY_BYTES", "1048576");
    private static final long[] KILL_AFTER_MS = {200, 500, 900};
    private static final int BATCH = 100;

    @TempDir
    Path workDir;

    @Test
    void anAcknowledgedBatchSurvivesKillNineAndNoBatchIsStoredInPart() throws Exception {
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicInteger batches = new AtomicInteger();
        for (long killAfter : KILL_AFTER_MS) {
            try (ServerProcess server = ServerProcess.start(workDir, ENV)) {
                WritesUntilKilled.run(server, 3, "/api/v1/tasks/batch", () -> {
                    int number = batches.incrementAndGet();
                    return Http.batchOf(BATCH, i -> "batch " + number + " task " + i);
                }, killAfter, acknowledged);
            }
        }

        try (ServerProcess server = ServerProcess.start(workDir, ENV)) {
            Map<String, Integer> perBatch = new HashMap<>();
            Set<String> stored = ConcurrentHashMap.newKeySet();
            server.http().get("/api/v1/tasks").json().forEach(task -> {
                stored.add(task.get("id").asText());
                String content = task.get("content").asText();
                perBatch.merge(content.substring(0, content.indexOf(" task ")), 1, Integer::sum);
            });

            assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(BATCH);
            assertThat(stored).containsAll(acknowledged);
            assertThat(perBatch.values()).as("tasks of each batch stored").allMatch(count -> count == BATCH);
        }
    }
}
