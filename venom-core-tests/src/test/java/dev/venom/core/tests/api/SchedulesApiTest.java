package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /api/v1/schedules} over HTTP: tasks at each time, pause and resume, delete, 409/404/422, the file. */
class SchedulesApiTest {

    @TempDir
    Path dir;

    private InProcessServers servers;

    @AfterEach
    void stop() {
        if (servers != null) {
            servers.close();
        }
    }

    private Http start(String... flags) {
        servers = new InProcessServers(dir);
        List<String> all = new ArrayList<>(List.of("--processing-delay-ms", "0"));
        all.addAll(List.of(flags));
        return servers.start(all.toArray(String[]::new));
    }

    private static List<JsonNode> tasksOf(Http http, String schedule) {
        List<JsonNode> made = new ArrayList<>();
        http.get("/api/v1/tasks").json().forEach(task -> {
            if (task.get("idempotency_key").asText("").startsWith("schedule:" + schedule + ":")) {
                made.add(task);
            }
        });
        return made;
    }

    @Test
    void aScheduleCreatesATaskAtEachTimeAndPausingHoldsItUntilResumed() {
        Http http = start();
        Http.Answer created = http.post("/api/v1/schedules", "{\"name\": \"tick\", \"cron\": \"* * * * * *\", "
                + "\"content\": \"ping\", \"queue\": \"ticks\", \"priority\": 2}");

        assertThat(created.status()).as(created.body()).isEqualTo(201);
        JsonNode schedule = created.json();
        assertThat(schedule.get("timezone").asText()).isEqualTo("UTC");
        assertThat(schedule.get("misfire").asText()).isEqualTo("skip");
        assertThat(schedule.get("next_run_times")).hasSize(5);
        await().atMost(Duration.ofSeconds(10)).until(() -> tasksOf(http, "tick").size() >= 2);
        JsonNode task = tasksOf(http, "tick").get(0);
        assertThat(task.get("content").asText()).isEqualTo("ping");
        assertThat(task.get("queue").asText()).isEqualTo("ticks");
        assertThat(task.get("priority").asInt()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> !http.get("/api/v1/schedules/tick").json()
                .get("last_task_id").isNull());

        assertThat(http.post("/api/v1/schedules/tick/pause", "").json().get("paused").asBoolean()).isTrue();
        int whenPaused = tasksOf(http, "tick").size();
        sleep(2_500);
        assertThat(tasksOf(http, "tick").size()).isLessThanOrEqualTo(whenPaused + 1); // a look under way may end
        int held = tasksOf(http, "tick").size();
        http.post("/api/v1/schedules/tick/resume", "");
        await().atMost(Duration.ofSeconds(10)).until(() -> tasksOf(http, "tick").size() > held);

        assertThat(http.method("DELETE", "/api/v1/schedules/tick").status()).isEqualTo(204);
        int whenDeleted = tasksOf(http, "tick").size();
        sleep(2_500);
        assertThat(tasksOf(http, "tick").size()).isLessThanOrEqualTo(whenDeleted + 1);
        assertThat(http.get("/api/v1/schedules/tick").status()).isEqualTo(404);
        assertThat(tasksOf(http, "tick")).extracting(t -> t.get("idempotency_key").asText()).doesNotHaveDuplicates();
        assertThat(http.get("/api/v1/audit?action=schedule.pause").json().get("entries").get(0).get("target")
                .asText()).isEqualTo("tick");
        assertThat(http.get("/api/v1/audit?action=schedule.delete").json().get("entries")).hasSize(1);
    }

    @Test
    void aTakenNameIs409AndEveryBadFieldIs422() {
        Http http = start();
        http.post("/api/v1/schedules", "{\"name\": \"nightly\", \"cron\": \"30 2 * * *\", \"timezone\": "
                + "\"Europe/Warsaw\", \"content\": \"report\"}");

        Http.Answer taken = http.post("/api/v1/schedules", "{\"name\": \"nightly\", \"every_ms\": 60000, "
                + "\"content\": \"x\"}");
        Http.Answer bad = http.post("/api/v1/schedules", "{\"name\": \"bad name\", \"cron\": \"61 * * * *\", "
                + "\"timezone\": \"Mars/Olympus\", \"misfire\": \"sometimes\", \"run_at\": \"" + Instant.now()
                + "\", \"priority\": 12}");
        Http.Answer both = http.post("/api/v1/schedules", "{\"name\": \"x\", \"cron\": \"* * * * *\", "
                + "\"every_ms\": 1000, \"content\": \"x\"}");
        Http.Answer tooOften = http.post("/api/v1/schedules", "{\"name\": \"x\", \"every_ms\": 10, \"content\": \"x\"}");

        assertThat(taken.status()).isEqualTo(409);
        assertThat(taken.json().get("detail").asText()).isEqualTo("Schedule nightly already exists");
        assertThat(bad.status()).isEqualTo(422);
        List<String> locs = new ArrayList<>();
        bad.json().get("detail").forEach(error -> locs.add(error.get("loc").toString()));
        assertThat(locs).contains("[\"body\",\"name\"]", "[\"body\",\"misfire\"]", "[\"body\",\"run_at\"]",
                "[\"body\",\"priority\"]", "[\"body\",\"content\"]");
        assertThat(locs).containsAnyOf("[\"body\",\"cron\"]", "[\"body\",\"timezone\"]");
        assertThat(both.status()).isEqualTo(422);
        assertThat(tooOften.status()).isEqualTo(422);
        assertThat(http.get("/api/v1/schedules").json()).hasSize(1);
        assertThat(http.post("/api/v1/schedules/nope/resume", "").status()).isEqualTo(404);
        Http.Answer takenKey = http.post("/api/v1/tasks", "{\"content\": \"x\"}", "Idempotency-Key",
                "schedule:nightly:2026-12-08T01:30:00.000000Z");
        assertThat(takenKey.status()).isEqualTo(422);
        assertThat(takenKey.json().get("detail").get(0).get("msg").asText()).contains("the schedules' own");
        Http.Answer never = http.post("/api/v1/schedules", "{\"name\": \"never\", \"cron\": \"0 0 30 2 *\", "
                + "\"timezone\": \"Europe/Warsaw\", \"content\": \"x\"}");
        assertThat(never.status()).isEqualTo(422);
        assertThat(never.json().get("detail").get(0).get("msg").asText()).contains("names no time from now on");
    }

    @Test
    void theSchedulesFileIsAppliedAtStartAndAWrongOneStopsTheStart() throws Exception {
        Path file = dir.resolve("schedules.json");
        Files.writeString(file, "[{\"name\": \"nightly\", \"cron\": \"30 2 * * *\", \"timezone\": \"Europe/Warsaw\", "
                + "\"content\": \"report\", \"misfire\": \"run_once\"}, {\"name\": \"often\", \"every_ms\": 60000, "
                + "\"content\": \"ping\"}]");
        Http http = start("--schedules-file", file.toString());

        JsonNode listed = http.get("/api/v1/schedules").json();

        assertThat(listed).extracting(s -> s.get("name").asText()).containsExactly("nightly", "often");
        assertThat(listed.get(0).get("misfire").asText()).isEqualTo("run_once");
        assertThat(Instant.parse(listed.get(0).get("next_run_times").get(0).asText()).atZone(
                java.time.ZoneId.of("Europe/Warsaw")).toLocalTime()).isEqualTo(java.time.LocalTime.of(2, 30));
        servers.close();
        Files.writeString(file, "[{\"name\": \"broken\", \"cron\": \"nonsense\", \"content\": \"x\"}]");
        servers = new InProcessServers(dir);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> servers.start("--schedules-file", file.toString()))
                .hasStackTraceContaining("entry 0");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
