package dev.venom.core.tests.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.venom.core.http.internal.auth.KeysFile;
import dev.venom.core.http.internal.auth.Role;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.Python;
import dev.venom.core.tests.support.ServerProcess;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python worker client ({@code venom-core-http/clients/python}) with the machine's python3 against the real
 * server jar, keys and all: it completes tasks; killed with {@code kill -9} mid-task, another worker finishes the
 * orphaned task once its lease expires; on SIGTERM it releases what it cannot finish and exits.
 */
@Tag("process")
class PythonWorkerProcessTest {

    @TempDir
    Path workDir;

    private String python;
    private ServerProcess server;
    private Http http;
    private String writeKey;
    private String workerKey;
    private final List<ServerProcess> workers = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        python = Python.python3();
        KeysFile keys = new KeysFile(workDir.resolve("keys"));
        writeKey = keys.add("client", Role.WRITE);
        workerKey = keys.add("py-workers", Role.WORKER);
        server = ServerProcess.start(workDir, Map.of("VENOM_API_KEYS_FILE", workDir.resolve("keys").toString()),
                "--processing-delay-ms", "0", "--queues", "default:4,py:remote", "--lease-ms", "3000",
                "--heartbeat-ms", "300");
        http = server.http();
        Path app = workDir.resolve("python_worker_app.py");
        try (var in = Objects.requireNonNull(getClass().getResourceAsStream("python_worker_app.py"))) {
            Files.copy(in, app);
        }
    }

    @AfterEach
    void stop() {
        workers.forEach(ServerProcess::close);
        if (server != null) {
            server.close();
        }
    }

    private ServerProcess worker(String id, int maxTasks) throws Exception {
        ServerProcess worker = ServerProcess.launchCommand(List.of(python, "-u", "python_worker_app.py",
                        "http://127.0.0.1:" + server.port(), id, Integer.toString(maxTasks)), workDir,
                Map.of("PYTHONPATH", Python.CLIENT_DIR.toAbsolutePath().normalize().toString(),
                        "VENOM_API_KEY", workerKey));
        workers.add(worker);
        await().atMost(Duration.ofSeconds(10)).until(() -> worker.log().contains("worker " + id + " starting"));
        return worker;
    }

    private String create(String content, int maxAttempts) {
        return create(content, maxAttempts, "");
    }

    private String create(String content, int maxAttempts, String extra) {
        Http.Answer created = http.send(HttpRequest.newBuilder(URI.create(http.base() + "/api/v1/tasks"))
                .header("Authorization", "Bearer " + writeKey).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"content\": " + Http.quote(content)
                        + ", \"queue\": \"py\", \"max_attempts\": " + maxAttempts
                        + ", \"requires\": {\"lang\": \"python\"}" + extra + "}")));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().get("task_id").asText();
    }

    private JsonNode task(String id) {
        Http.Answer answer = http.withKey(writeKey, "GET", "/api/v1/tasks/" + id, null);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.json();
    }

    private String status(String id) {
        return task(id).get("status").asText();
    }

    @Test
    void aPythonWorkerCompletesTasksAndReportsFailures() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(create("task " + i, 1));
        }
        String failing = create("fail:no such file", 3);
        String unsendable = create("not json", 3);
        String after = create("after", 1, ", \"depends_on\": [\"" + ids.get(1) + "\", \"" + ids.get(0) + "\"]");

        ServerProcess worker = worker("py-1", 4);

        await().atMost(Duration.ofSeconds(30)).until(() -> ids.stream().allMatch(id -> status(id).equals("COMPLETED")));
        for (int i = 0; i < ids.size(); i++) {
            assertThat(task(ids.get(i)).get("result").asText()).isEqualTo("TASK " + i + " by py-1");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> status(failing).equals("FAILED"));
        assertThat(task(failing).get("result").asText()).isEqualTo("Error: no such file");
        assertThat(task(failing).get("attempts").asInt()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> status(unsendable).equals("FAILED"));
        assertThat(task(unsendable).get("result").asText()).startsWith("Error: the handler's result cannot be sent as JSON");
        await().atMost(Duration.ofSeconds(10)).until(() -> status(after).equals("COMPLETED"));
        assertThat(task(after).get("result").asText()).isEqualTo("TASK 1 by py-1+TASK 0 by py-1");
        assertThat(worker.log()).doesNotContain("Traceback");
    }

    @Test
    void aWorkerKilledMidTaskLosesItAfterTheLeaseAndAnotherFinishesItOnce() throws Exception {
        String orphan = create("sleep:60", 2);
        ServerProcess first = worker("py-doomed", 1);
        await().atMost(Duration.ofSeconds(15)).until(() -> first.log().contains("working on " + orphan));
        await().atMost(Duration.ofSeconds(5)).until(() -> !task(orphan).get("progress").isNull());

        first.kill(); // kill -9: no goodbye, its lease simply stops being renewed
        ServerProcess second = worker("py-heir", 1);
        try {
            await().atMost(Duration.ofSeconds(15)).until(() -> second.log().contains("working on " + orphan));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("the heir never ran the orphan: " + task(orphan) + "\nheir:\n" + second.log()
                    + "\nserver:\n" + server.log(), e);
        }
        assertThat(task(orphan).get("attempts").asInt()).isEqualTo(2);
        assertThat(task(orphan).get("logs").toString()).contains("Claim of worker:py-doomed expired, requeued");

        // the heir runs it for 60 s unless cancelled: cancel it and see the heir stop
        Http.Answer cancelled = http.withKey(writeKey, "POST", "/api/v1/tasks/" + orphan + "/cancel", "");
        assertThat(cancelled.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> second.log().contains("was cancelled on the server"));
        assertThat(status(orphan)).isEqualTo("CANCELLED");

        String next = create("after the rescue", 1);
        await().atMost(Duration.ofSeconds(15)).until(() -> status(next).equals("COMPLETED"));
        assertThat(task(next).get("result").asText()).isEqualTo("AFTER THE RESCUE by py-heir");
    }

    @Test
    void onSigtermAWorkerReleasesWhatItCannotFinishAndExits() throws Exception {
        String running = create("sleep:60", 1);
        ServerProcess worker = worker("py-stopping", 1);
        await().atMost(Duration.ofSeconds(15)).until(() -> worker.log().contains("working on " + running));

        assertThat(worker.terminate()).as(worker.log()).isZero();

        assertThat(worker.log()).contains("worker py-stopping exited");
        JsonNode task = task(running);
        assertThat(task.get("status").asText()).isEqualTo("PENDING");
        assertThat(task.get("logs").toString()).contains("Released by worker:py-stopping, will run again");
    }
}
