package dev.venom.core.tests.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.ServerProcess;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's security steps from the real jar: keys made by the jar's command, and the secure default. */
@Tag("process")
class ApiKeysProcessTest {

    @TempDir
    Path workDir;

    private String jarCommand(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(ServerProcess.java(), "-jar",
                ServerProcess.jar().toAbsolutePath().toString()));
        command.addAll(List.of(args));
        try (ServerProcess run = ServerProcess.launchCommand(command, workDir, Map.of())) {
            assertThat(run.awaitExit()).as(run.log()).isZero();
            return run.log();
        }
    }

    @Test
    void withoutKeysTheServerRefusesEveryAddressButLoopbackInOneLine() throws Exception {
        try (ServerProcess server = ServerProcess.launch(workDir, Map.of(), "--host", "0.0.0.0")) {
            assertThat(server.awaitExit()).isEqualTo(2);
            assertThat(server.log()).contains("refusing to listen on 0.0.0.0 without API keys")
                    .contains("VENOM_AUTH=off").doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    @Test
    void aKeyMadeByTheJarOpensAServerOnEveryAddress() throws Exception {
        // given a key made as the README says
        Path keys = workDir.resolve("keys");
        String printed = jarCommand("keys", "add", "--name", "ci", "--role", "write", "--file", keys.toString());
        String key = printed.lines().filter(line -> line.startsWith("venom_")).findFirst().orElseThrow();
        assertThat(Files.readString(keys)).doesNotContain(key);

        // when the server starts on every address with it
        try (ServerProcess server = ServerProcess.start(workDir, Map.of("VENOM_API_KEYS_FILE", keys.toString()),
                "--host", "0.0.0.0", "--processing-delay-ms", "0")) {
            Http http = server.http();

            // then the key creates a task, no key is refused, and the start-up line says how requests are checked
            Http.Answer created = http.send(HttpRequest.newBuilder(URI.create(http.base() + "/api/v1/tasks"))
                    .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"x\"}")));
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            assertThat(http.get("/api/v1/tasks").status()).isEqualTo(401);
            assertThat(server.log()).contains("API keys: 1 in " + keys).doesNotContain(key);
        }
    }

    @Test
    void everyAnsweredChangeIsInTheAuditTrailAfterKill9() throws Exception {
        // given a server that answered three creates, killed at once after the last answer
        List<String> ids = new java.util.ArrayList<>();
        try (ServerProcess server = ServerProcess.start(workDir, Map.of(), "--processing-delay-ms", "60000")) {
            for (int i = 0; i < 3; i++) {
                ids.add(server.http().create("audited " + i));
            }
            server.kill();
        }

        // then the trail beside the state has every one of them
        String trail = Files.readString(workDir.resolve("data/memory/audit.log"));
        for (String id : ids) {
            assertThat(trail).contains("\"action\":\"task.create\",\"target\":\"" + id + "\",\"status\":201");
        }
    }
}
