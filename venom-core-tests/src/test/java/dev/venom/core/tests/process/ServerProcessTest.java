package dev.venom.core.tests.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server jar as a user runs it: restarts, crashes, the original's state file, a corrupt file. */
@Tag("process")
class ServerProcessTest {

    private static final Path FIXTURES = Path.of(System.getProperty("venom.fixtures",
            "../venom-core-persistence/src/test/resources/fixtures"));

    @TempDir
    Path workDir;

    private Path stateFile() {
        return workDir.resolve("data/memory/state_dump.json");
    }

    private static JsonNode awaitStatus(Http http, String id, String status) {
        await().atMost(Duration.ofSeconds(20)).until(() -> status.equals(http.task(id).get("status").asText()));
        return http.task(id);
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }

    @Test
    void tasksInterruptedByKillNineRunAgainAfterRestart() throws Exception {
        List<String> acknowledged = new ArrayList<>();
        String interrupted;
        try (ServerProcess server = ServerProcess.start(workDir, Map.of("VENOM_PROCESSING_DELAY_MS", "60000"))) {
            Http http = server.http();
            for (int i = 0; i < 20; i++) {
                acknowledged.add(http.create("crash " + i));
            }
            interrupted = acknowledged.get(0);
            awaitStatus(http, interrupted, "PROCESSING");
            server.kill();
        }

        try (ServerProcess restarted = ServerProcess.start(workDir, Map.of("VENOM_PROCESSING_DELAY_MS", "50"))) {
            Http http = restarted.http();
            for (String id : acknowledged) {
                JsonNode task = awaitStatus(http, id, "COMPLETED");
                assertThat(texts(task.get("logs"))).anyMatch(line -> line.startsWith("Recovered after restart: "));
            }
            JsonNode first = http.task(interrupted);
            List<String> logs = texts(first.get("logs"));
            assertThat(logs.get(0)).startsWith("Task started: ");
            assertThat(logs).anyMatch(line -> line.startsWith("Recovered after restart: "));
            assertThat(logs.get(logs.size() - 1)).startsWith("Processing completed: ");
            assertThat(first.get("attempts").asInt()).isBetween(1, 2);
        }
    }

    @Test
    void aTaskStillRunningAtSigtermIsLeftToRunAgainAndTheServerExitsZero() throws Exception {
        String id;
        try (ServerProcess server = ServerProcess.start(workDir,
                Map.of("VENOM_PROCESSING_DELAY_MS", "60000", "VENOM_SHUTDOWN_GRACE_MS", "300"))) {
            id = server.http().create("long job");
            JsonNode running = awaitStatus(server.http(), id, "PROCESSING");
            assertThat(running.get("result").isNull()).isTrue();

            assertThat(server.terminate()).isZero();

            assertThat(server.log()).contains("returning them to PENDING");
        }
        try (ServerProcess restarted = ServerProcess.start(workDir, Map.of("VENOM_PROCESSING_DELAY_MS", "10"))) {
            JsonNode done = awaitStatus(restarted.http(), id, "COMPLETED");
            assertThat(texts(done.get("logs"))).anyMatch(l -> l.startsWith("Interrupted by shutdown, will run again: "))
                    .anyMatch(l -> l.startsWith("Recovered after restart: "));
        }
    }

    @Test
    void sigtermWithTasksInFlightRefusesNewTasksLetsRunningOnesFinishAndExitsZero() throws Exception {
        List<String> ids = new ArrayList<>();
        try (ServerProcess server = ServerProcess.start(workDir,
                Map.of("VENOM_PROCESSING_DELAY_MS", "4000", "VENOM_SHUTDOWN_GRACE_MS", "20000"))) {
            for (int i = 0; i < 3; i++) {
                ids.add(server.http().create("in flight " + i));
            }
            ids.forEach(id -> awaitStatus(server.http(), id, "PROCESSING"));

            server.signalTerm();

            await().atMost(Duration.ofSeconds(2)).until(() -> server.http().post("/api/v1/tasks",
                    "{\"content\":\"late\"}").status() == 503);
            Http.Answer refused = server.http().post("/api/v1/tasks", "{\"content\":\"late\"}");
            assertThat(refused.json().get("detail").asText()).isEqualTo("Server is shutting down");
            assertThat(server.http().get("/api/v1/tasks/" + ids.get(0)).status()).isEqualTo(200);
            assertThat(server.awaitExit()).isZero();
            assertThat(server.log()).doesNotContain("returning them to PENDING");
        }
        try (ServerProcess restarted = ServerProcess.start(workDir, Map.of("VENOM_PROCESSING_DELAY_MS", "10"))) {
            for (String id : ids) {
                JsonNode done = restarted.http().task(id);
                assertThat(done.get("status").asText()).isEqualTo("COMPLETED");
                assertThat(texts(done.get("logs"))).hasSize(3).noneMatch(l -> l.startsWith("Recovered after restart"));
            }
        }
    }

    @Test
    void sigtermStopsCleanlyAndTheSnapshotHoldsEveryTask() throws Exception {
        List<String> ids = new ArrayList<>();
        try (ServerProcess server = ServerProcess.start(workDir, Map.of("VENOM_PROCESSING_DELAY_MS", "10"))) {
            for (int i = 0; i < 5; i++) {
                ids.add(server.http().create("term " + i));
            }
            ids.forEach(id -> awaitStatus(server.http(), id, "COMPLETED"));

            assertThat(server.terminate()).isZero();

            assertThat(server.log().lines().filter(line -> line.contains("stopped; state saved to")))
                    .singleElement().asString().endsWith(", 5 task(s)"); // the count now, not the one at start
        }
        String snapshot = Files.readString(stateFile());
        assertThat(snapshot).startsWith("{\"tasks\": [");
        ids.forEach(id -> assertThat(snapshot).contains(id));
        assertThat(Files.size(workDir.resolve("data/memory/state_dump.json.journal"))).isZero();
    }

    @Test
    void loadsTheOriginalServicesStateFileAndFinishesItsInterruptedTasks() throws Exception {
        Files.createDirectories(stateFile().getParent());
        Files.copy(FIXTURES.resolve("original-state_dump.json"), stateFile());

        try (ServerProcess server = ServerProcess.start(workDir, Map.of("VENOM_PROCESSING_DELAY_MS", "50"))) {
            Http http = server.http();
            JsonNode all = http.get("/api/v1/tasks").json();

            assertThat(all).hasSize(6);
            assertThat(all.get(0).get("content").asText()).isEqualTo("Napisz raport");
            assertThat(all.get(0).get("created_at").asText()).isEqualTo("2026-11-27T03:08:38.122912Z");
            assertThat(texts(all.get(0).get("logs"))).first().isEqualTo("Zadanie uruchomione: 2026-11-27T03:08:38.123361");
            for (String id : List.of("299cfe76-daef-4db8-9b73-8bfc25dd6939", "f7e21040-e0a9-4b0b-b479-8ef7b487a930")) {
                JsonNode done = awaitStatus(http, id, "COMPLETED");
                assertThat(texts(done.get("logs"))).anyMatch(line -> line.startsWith("Recovered after restart: "));
            }
            assertThat(server.log()).doesNotContain("ERROR");
        }
    }

    @Test
    void corruptStateFileIsMovedAsideAndTheServerStartsEmpty() throws Exception {
        Files.createDirectories(stateFile().getParent());
        byte[] garbage = "{\"tasks\": [ {\"id\": 12, trunc".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Files.write(stateFile(), garbage);

        try (ServerProcess server = ServerProcess.start(workDir, Map.of())) {
            assertThat(server.http().get("/api/v1/tasks").body()).isEqualTo("[]");
            assertThat(server.log()).contains("ERROR").contains("moved aside");
            List<Path> aside;
            try (Stream<Path> files = Files.list(stateFile().getParent())) {
                aside = files.filter(p -> p.getFileName().toString().startsWith("state_dump.json.corrupt-")).toList();
            }
            assertThat(aside).hasSize(1);
            assertThat(Files.readAllBytes(aside.get(0))).isEqualTo(garbage);
        }
    }

    @Test
    void aSecondServerOnTheSameStateFileFailsFast() throws Exception {
        try (ServerProcess first = ServerProcess.start(workDir, Map.of())) {
            ServerProcess second = ServerProcess.launch(workDir, Map.of());

            assertThat(second.awaitExit()).isEqualTo(1);
            assertThat(second.log()).contains("in use by another Venom process");
            assertThat(first.http().get("/healthz").status()).isEqualTo(200);
        }
    }

    @Test
    void settingsComeFromDotEnvUnlessAFlagOrTheEnvironmentSaysOtherwise() throws Exception {
        Files.writeString(workDir.resolve(".env"), """
                # the original's setting
                STATE_FILE_PATH=custom/state.json
                VENOM_PROCESSING_DELAY_MS=999999
                SOMETHING_ELSE=1
                """);

        try (ServerProcess server = ServerProcess.start(workDir, Map.of("VENOM_PROCESSING_DELAY_MS", "10"))) {
            String id = server.http().create("configured");
            awaitStatus(server.http(), id, "COMPLETED");

            assertThat(server.log()).contains("unknown setting SOMETHING_ELSE");
            assertThat(server.log()).contains("STATE_FILE_PATH (.env)").contains("VENOM_PROCESSING_DELAY_MS (environment)");
            assertThat(workDir.resolve("custom/state.json.journal")).exists();
        }
    }

    @Test
    void anInvalidSettingStopsTheServerWithAClearMessage() throws Exception {
        ServerProcess server = ServerProcess.launch(workDir, Map.of("VENOM_CONCURRENCY", "zero"));

        assertThat(server.awaitExit()).isEqualTo(2);
        assertThat(server.log()).contains("VENOM_CONCURRENCY must be an integer 1..10000, was 'zero' (from environment)");
    }
}
