package dev.venom.core.tests.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.ServerProcess;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
                Http http = server.http();
                AtomicBoolean running = new AtomicBoolean(true);
                ExecutorService clients = Executors.newFixedThreadPool(3);
                for (int c = 0; c < 3; c++) {
                    clients.execute(() -> {
                        while (running.get()) {
                            int number = batches.incrementAndGet();
                            StringBuilder body = new StringBuilder("{\"tasks\": [");
                            for (int i = 0; i < BATCH; i++) {
                                body.append(i == 0 ? "" : ",").append("{\"content\": \"batch ").append(number)
                                        .append(" task ").append(i).append("\"}");
                            }
                            try {
                                Http.Answer answer = http.post("/api/v1/tasks/batch", body + "]}");
                                if (answer.status() == 201) {
                                    answer.json().get("tasks").forEach(t -> acknowledged.add(t.get("task_id").asText()));
                                }
                            } catch (RuntimeException connectionLost) {
                                return;
                            }
                        }
                    });
                }
                Thread.sleep(killAfter);
                server.kill();
                running.set(false);
                clients.shutdown();
                assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
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
