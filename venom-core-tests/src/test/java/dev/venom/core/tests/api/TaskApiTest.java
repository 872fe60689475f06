package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.venom.core.http.ServerConfig;
import dev.venom.core.http.VenomApplication;
import dev.venom.core.tests.support.Http;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The original service's API, spoken over HTTP to the real server running in this JVM. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TaskApiTest {

    @TempDir
    static Path dir;

    private VenomApplication app;
    private Http http;

    @BeforeAll
    void startServer() {
        ServerConfig config = ServerConfig.load(new String[] {
                "--port", "0", "--state-file", dir.resolve("state_dump.json").toString(),
                "--processing-delay-ms", "100", "--max-body-bytes", "4096"}, Map.of(), dir.resolve("no.env"));
        app = VenomApplication.start(config);
        http = new Http("http://127.0.0.1:" + app.address().getPort());
    }

    @AfterAll
    void stopServer() {
        app.close();
    }

    private JsonNode awaitStatus(String id, String status) {
        await().atMost(Duration.ofSeconds(10)).until(() -> status.equals(http.task(id).get("status").asText()));
        return http.task(id);
    }

    @Test
    void createAnswers201WithTheIdAndPending() {
        Http.Answer answer = http.post("/api/v1/tasks", "{\"content\": \"Napisz raport\"}");

        assertThat(answer.status()).isEqualTo(201);
        assertThat(answer.header("Content-Type")).startsWith("application/json");
        assertThat(answer.json().fieldNames()).toIterable().containsExactly("task_id", "status");
        assertThat(answer.json().get("task_id").asText()).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(answer.json().get("status").asText()).isEqualTo("PENDING");
    }

    @Test
    void createdTaskIsPendingThenProcessingThenCompletedWithItsLogs() {
        String id = http.create("hello");

        JsonNode done = awaitStatus(id, "COMPLETED");

        assertThat(done.fieldNames()).toIterable().startsWith("id", "content", "created_at", "status", "result", "logs");
        assertThat(done.get("id").asText()).isEqualTo(id);
        assertThat(done.get("content").asText()).isEqualTo("hello");
        assertThat(done.get("created_at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
        assertThat(done.get("result").asText()).isEqualTo("Processed: hello");
        assertThat(done.get("logs")).extracting(JsonNode::asText).satisfiesExactly(
                line -> assertThat(line).matches("Task started: .+\\.\\d{6}Z"),
                line -> assertThat(line).matches("Processing started: .+\\.\\d{6}Z"),
                line -> assertThat(line).matches("Processing completed: .+\\.\\d{6}Z"));
    }

    @Test
    void acknowledgedTaskIsAlreadyInTheJournal() throws Exception {
        String id = http.create("durable before 201");

        String journal = Files.readString(dir.resolve("state_dump.json.journal"));
        String snapshot = Files.exists(dir.resolve("state_dump.json"))
                ? Files.readString(dir.resolve("state_dump.json")) : "";

        assertThat(journal + snapshot).contains(id);
    }

    @Test
    void emptyStringContentAndExtraFieldsAreAccepted() {
        Http.Answer answer = http.post("/api/v1/tasks", "{\"content\": \"\", \"priority\": 5, \"x\": [1]}");

        assertThat(answer.status()).isEqualTo(201);
        assertThat(http.task(answer.json().get("task_id").asText()).get("content").asText()).isEmpty();
    }

    @Test
    void bodyWithoutContentTypeIsReadAsJson() {
        Http.Answer answer = http.postWithoutContentType("/api/v1/tasks", "{\"content\": \"no header\"}");

        assertThat(answer.status()).isEqualTo(201);
    }

    @Test
    void listReturnsEveryTaskOldestFirst() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(http.create("list " + i));
        }

        Http.Answer answer = http.get("/api/v1/tasks");

        assertThat(answer.status()).isEqualTo(200);
        List<String> listed = new ArrayList<>();
        answer.json().forEach(task -> listed.add(task.get("id").asText()));
        assertThat(listed).containsSubsequence(ids);
        List<String> created = new ArrayList<>();
        answer.json().forEach(task -> created.add(task.get("created_at").asText()));
        assertThat(created).isSorted();
    }

    @Test
    void unknownTaskIs404WithTheOriginalMessage() {
        Http.Answer answer = http.get("/api/v1/tasks/3fa85f64-5717-4562-b3fc-2c963f66afa6");

        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.body()).isEqualTo("{\"detail\":\"Task 3fa85f64-5717-4562-b3fc-2c963f66afa6 not found\"}");
    }

    @Test
    void malformedTaskIdIs422AtThePathParameter() {
        Http.Answer answer = http.get("/api/v1/tasks/not-a-uuid");

        assertThat(answer.status()).isEqualTo(422);
        JsonNode error = answer.json().get("detail").get(0);
        assertThat(error.get("type").asText()).isEqualTo("uuid_parsing");
        assertThat(error.get("loc").toString()).isEqualTo("[\"path\",\"task_id\"]");
        assertThat(error.get("input").asText()).isEqualTo("not-a-uuid");
    }

    static Stream<Arguments> invalidBodies() {
        return Stream.of(
                Arguments.of("{}", "missing", "[\"body\",\"content\"]", "{}"),
                Arguments.of("{\"other\": 1}", "missing", "[\"body\",\"content\"]", "{\"other\":1}"),
                Arguments.of("{\"content\": null}", "string_type", "[\"body\",\"content\"]", "null"),
                Arguments.of("{\"content\": 42}", "string_type", "[\"body\",\"content\"]", "42"),
                Arguments.of("{\"content\": true}", "string_type", "[\"body\",\"content\"]", "true"),
                Arguments.of("{\"content\": [\"a\"]}", "string_type", "[\"body\",\"content\"]", "[\"a\"]"),
                Arguments.of("[\"content\"]", "model_attributes_type", "[\"body\"]", "[\"content\"]"),
                Arguments.of("42", "model_attributes_type", "[\"body\"]", "42"),
                Arguments.of("null", "missing", "[\"body\"]", "null"),
                Arguments.of("", "missing", "[\"body\"]", "null"),
                Arguments.of("{\"content\": ", "json_invalid", null, "{}"),
                Arguments.of("{'content': 'x'}", "json_invalid", "[\"body\",1]", "{}"));
    }

    @ParameterizedTest(name = "[{index}] body <{0}> is {1}")
    @MethodSource("invalidBodies")
    void invalidBodiesAre422InFastApisShape(String body, String type, String loc, String input) {
        Http.Answer answer = http.post("/api/v1/tasks", body);

        assertThat(answer.status()).isEqualTo(422);
        JsonNode detail = answer.json().get("detail");
        assertThat(detail).hasSize(1);
        JsonNode error = detail.get(0);
        assertThat(error.fieldNames()).toIterable().startsWith("type", "loc", "msg", "input");
        assertThat(error.get("type").asText()).isEqualTo(type);
        if (loc != null) {
            assertThat(error.get("loc").toString()).isEqualTo(loc);
        } else {
            assertThat(error.get("loc").get(0).asText()).isEqualTo("body");
        }
        assertThat(error.get("input").toString()).isEqualTo(input);
        assertThat(error.get("msg").asText()).isNotBlank();
    }

    @Test
    void missingContentMatchesTheOriginalAnswerExactly() {
        Http.Answer answer = http.post("/api/v1/tasks", "{}");

        assertThat(answer.body()).isEqualTo(
                "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"content\"],\"msg\":\"Field required\",\"input\":{}}]}");
    }

    @Test
    void bodyOverTheLimitIs413() {
        Http.Answer answer = http.post("/api/v1/tasks", "{\"content\": \"" + "x".repeat(5000) + "\"}");

        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.json().get("detail").asText()).contains("too large");
    }

    @Test
    void wrongMethodIs405AndUnknownRouteIs404() {
        Http.Answer delete = http.method("DELETE", "/api/v1/tasks");
        Http.Answer put = http.method("PUT", "/api/v1/tasks/3fa85f64-5717-4562-b3fc-2c963f66afa6");
        Http.Answer unknown = http.get("/api/v2/nothing");

        assertThat(delete.status()).isEqualTo(405);
        assertThat(delete.body()).isEqualTo("{\"detail\":\"Method Not Allowed\"}");
        assertThat(put.status()).isEqualTo(405);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo("{\"detail\":\"Not Found\"}");
    }

    @Test
    void healthzAnswersAsTheOriginal() {
        Http.Answer answer = http.get("/healthz");

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("{\"status\":\"ok\",\"component\":\"venom-core\"}");
    }

    @Test
    void unicodeContentRoundTrips() {
        String content = "Zażółć gęślą jaźń ✓ 🐍 \"quotes\"";

        JsonNode done = awaitStatus(http.create(content), "COMPLETED");

        assertThat(done.get("content").asText()).isEqualTo(content);
        assertThat(done.get("result").asText()).isEqualTo("Processed: " + content);
    }

    @Test
    void trailingGarbageAfterTheJsonIs422() {
        Http.Answer answer = http.post("/api/v1/tasks", "{\"content\": \"a\"} junk");

        assertThat(answer.status()).isEqualTo(422);
        assertThat(answer.json().get("detail").get(0).get("type").asText()).isEqualTo("json_invalid");
    }

    @Test
    void aBodyDeclaredAsPlainTextIsNotReadAsAnObject() {
        Http.Answer answer = http.send(java.net.http.HttpRequest.newBuilder()
                .uri(java.net.URI.create(http.base() + "/api/v1/tasks"))
                .header("Content-Type", "text/plain")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"content\": \"a\"}")));

        assertThat(answer.status()).isEqualTo(422);
        assertThat(answer.json().get("detail").get(0).get("type").asText()).isEqualTo("model_attributes_type");
    }

    @Test
    void aHugeDeclaredContentLengthIs413WithoutReadingIt() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", app.address().getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /api/v1/tasks HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Length: 2000000000\r\n\r\n{").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String head = new String(socket.getInputStream().readNBytes(12), java.nio.charset.StandardCharsets.US_ASCII);

            assertThat(head).isEqualTo("HTTP/1.1 413");
        }
        assertThat(http.get("/healthz").status()).isEqualTo(200);
    }

    @Test
    void aQueryParameterCannotReplaceTheTaskIdOfThePath() {
        Http.Answer answer = http.get("/api/v1/tasks/3fa85f64-5717-4562-b3fc-2c963f66afa6?task_id=nonsense");

        assertThat(answer.status()).isEqualTo(404);
    }
}
