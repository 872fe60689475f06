package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.venom.core.http.ServerConfig;
import dev.venom.core.http.VenomApplication;
import dev.venom.core.tests.support.Http;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /metrics}: the Prometheus figures move as tasks run. */
class MetricsApiTest {

    @TempDir
    Path dir;

    private static double value(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+|NaN)$").matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    @Test
    void tasksAttemptsWaitsAndRequestsAreCounted() {
        try (VenomApplication app = VenomApplication.start(ServerConfig.load(new String[] {"--port", "0",
                "--state-file", dir.resolve("state.json").toString(), "--processing-delay-ms", "20"}, Map.of(),
                dir.resolve("no.env")))) {
            Http http = new Http("http://127.0.0.1:" + app.address().getPort());
            String before = http.get("/metrics").body();
            for (int i = 0; i < 3; i++) {
                http.create("counted " + i);
            }
            String failing = http.post("/api/v1/tasks", "{\"content\":\"slow\",\"timeout_ms\":1}").json()
                    .get("task_id").asText();

            await().atMost(Duration.ofSeconds(10)).until(() -> {
                String scrape = http.get("/metrics").body();
                return value(scrape, "venom_tasks_finished_total{status=\"COMPLETED\"}") == 3
                        && value(scrape, "venom_tasks_finished_total{status=\"FAILED\"}") == 1
                        && value(scrape, "venom_tasks{status=\"COMPLETED\"}") == 3;
            });
            Http.Answer answer = http.get("/metrics");
            String after = answer.body();

            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.header("Content-Type")).startsWith("text/plain");
            assertThat(value(before, "venom_tasks_submitted_total")).isZero();
            assertThat(value(after, "venom_tasks_submitted_total")).isEqualTo(4);
            assertThat(value(after, "venom_tasks_finished_total{status=\"COMPLETED\"}")).isEqualTo(3);
            assertThat(value(after, "venom_tasks_finished_total{status=\"FAILED\"}")).isEqualTo(1);
            assertThat(value(after, "venom_task_attempts_total{outcome=\"completed\"}")).isEqualTo(3);
            assertThat(value(after, "venom_task_attempts_total{outcome=\"failed\"}")).isEqualTo(1);
            assertThat(value(after, "venom_tasks{status=\"PENDING\"}")).isZero();
            assertThat(value(after, "venom_task_queue_wait_seconds_count{queue=\"default\"}")).isEqualTo(4);
            assertThat(value(after, "venom_task_processing_seconds_count")).isEqualTo(4);
            assertThat(value(after, "http_server_requests_seconds_count{method=\"POST\",route=\"/api/v1/tasks\","
                    + "status=\"201\"}")).isEqualTo(4);
            // every change was forced (fsync always): 4 creations (each claimed with it when a slot is free,
            // else by a claim of its own) and 4 outcomes at least
            assertThat(value(after, "venom_journal_fsync_changes_sum")).isGreaterThanOrEqualTo(8);
            assertThat(value(after, "venom_journal_fsync_seconds_count"))
                    .isEqualTo(value(after, "venom_journal_fsync_changes_count")).isGreaterThanOrEqualTo(1);
            assertThat(value(after, "venom_journal_fsync_seconds_sum")).isPositive();
            assertThat(after).contains("jvm_memory_used_bytes", "process_uptime_seconds");

            // a paused queue, with a task waiting in it: its gauges, read at most a second later
            http.post("/api/v1/queues/reports/pause", "");
            http.post("/api/v1/tasks", "{\"content\":\"held\",\"queue\":\"reports\"}");
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                String scrape = http.get("/metrics").body();
                return value(scrape, "venom_queue_paused{queue=\"reports\"}") == 1
                        && value(scrape, "venom_queue_tasks{queue=\"reports\",status=\"PENDING\"}") == 1;
            });
            String queues = http.get("/metrics").body();
            assertThat(value(queues, "venom_queue_paused{queue=\"default\"}")).isZero();
            assertThat(value(queues, "venom_queue_tasks{queue=\"default\",status=\"PENDING\"}")).isZero();
        }
    }
}
