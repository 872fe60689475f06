package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.venom.core.http.RemoteTask;
import dev.venom.core.http.WorkerClient;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java worker client against a real server: results, failures, progress, cancels, a graceful stop. */
class WorkerClientApiTest {

    @TempDir
    Path dir;

    private InProcessServers servers;
    private Http http;
    private final List<WorkerClient> clients = new ArrayList<>();

    @BeforeEach
    void start() {
        servers = new InProcessServers(dir);
        http = servers.start("--processing-delay-ms", "0", "--queues", "jvm:remote", "--lease-ms", "2000",
                "--heartbeat-ms", "500");
    }

    @AfterEach
    void stop() {
        clients.forEach(WorkerClient::close);
        servers.close();
    }

    private WorkerClient runWorker(String id, WorkerClient.Handler handler) {
        WorkerClient client = WorkerClient.builder(URI.create(http.base())).workerId(id).queues("jvm")
                .labels(Map.of("lang", "java")).maxTasks(4).waitTime(Duration.ofSeconds(5)).grace(Duration.ofMillis(500))
                .heartbeat(Duration.ofMillis(200)).build();
        clients.add(client);
        Thread runner = new Thread(() -> client.run(handler), "worker " + id);
        runner.setDaemon(true);
        runner.start();
        return client;
    }

    private String create(String content, String extra) {
        Http.Answer created = http.post("/api/v1/tasks", "{\"content\": " + Http.quote(content)
                + ", \"queue\": \"jvm\"" + extra + "}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().get("task_id").asText();
    }

    private String status(String id) {
        return http.task(id).get("status").asText();
    }

    @Test
    void aJavaWorkerRunsTasksReportsProgressAndFailures() {
        runWorker("jvm-1", task -> {
            if (task.task().content().equals("bad")) {
                throw new WorkerClient.Failure("cannot do bad", false, null);
            }
            task.log("handling " + task.task().content());
            task.progress(100, "done");
            Thread.sleep(400); // past a heartbeat, which carries the progress
            return task.task().content().toUpperCase() + " attempt " + task.attempt();
        });
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ids.add(create("job " + i, ", \"requires\": {\"lang\": \"java\"}"));
        }
        String bad = create("bad", ", \"max_attempts\": 3");

        await().atMost(Duration.ofSeconds(20)).until(() -> ids.stream().allMatch(id -> status(id).equals("COMPLETED")));
        for (int i = 0; i < ids.size(); i++) {
            assertThat(http.task(ids.get(i)).get("result").asText()).isEqualTo("JOB " + i + " attempt 1");
            assertThat(http.task(ids.get(i)).get("logs").toString()).contains("handling job " + i);
            assertThat(http.task(ids.get(i)).get("progress").toString())
                    .isEqualTo("{\"percent\":100,\"message\":\"done\"}");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> status(bad).equals("FAILED"));
        assertThat(http.task(bad).get("result").asText()).isEqualTo("Error: cannot do bad");
    }

    @Test
    void aCancelReachesTheHandlerAndCloseReleasesWhatDoesNotFinish() throws Exception {
        CountDownLatch sawCancel = new CountDownLatch(1);
        WorkerClient client = runWorker("jvm-2", task -> {
            while (!task.isCancelled()) {
                Thread.sleep(20);
            }
            sawCancel.countDown();
            return "stopped";
        });
        String cancelled = create("runs until cancelled", "");
        await().atMost(Duration.ofSeconds(5)).until(() -> status(cancelled).equals("PROCESSING"));

        http.post("/api/v1/tasks/" + cancelled + "/cancel", "");

        assertThat(sawCancel.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(http.task(cancelled).get("result").isNull()).isTrue();

        String stuck = create("runs until the worker stops", "");
        await().atMost(Duration.ofSeconds(5)).until(() -> status(stuck).equals("PROCESSING"));
        client.close();
        assertThat(status(stuck)).isEqualTo("PENDING");
        assertThat(http.task(stuck).get("logs").toString()).contains("Released by worker:jvm-2");
    }
}
