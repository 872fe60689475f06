package dev.venom.core.tests.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.venom.core.tests.support.Http;
import dev.venom.core.tests.support.InProcessServers;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /openapi.json} is a valid OpenAPI 3.1 document, and the real server answers every documented
 * operation with a documented status, content type and a body that matches the documented schema.
 */
class OpenApiContractTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final String FUTURE = "\"run_at\": \"2999-01-01T00:00:00Z\"";

    @TempDir
    Path dir;

    private InProcessServers servers;
    private Http http;
    private OpenAPI api;
    /** "METHOD /template STATUS" of every checked answer. */
    private final Set<String> seen = new TreeSet<>();

    @BeforeEach
    void start() {
        servers = new InProcessServers(dir);
        http = servers.start("--processing-delay-ms", "50", "--max-body-bytes", "4096");
    }

    @AfterEach
    void stop() {
        servers.close();
    }

    @Test
    void documentIsValidOpenApi31() {
        Http.Answer answer = http.get("/openapi.json");
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.header("Content-Type")).startsWith("application/json");

        SwaggerParseResult parsed = parse(answer.body());

        assertThat(parsed.getMessages()).as("parser messages").isEmpty();
        assertThat(parsed.getOpenAPI().getOpenapi()).isEqualTo("3.1.0");
        assertThat(parsed.getOpenAPI().getPaths()).containsKeys("/api/v1/tasks", "/api/v1/tasks/{task_id}",
                "/api/v1/tasks/{task_id}/cancel", "/api/v1/tasks/{task_id}/events", "/api/v1/events", "/api/v1/ws",
                "/api/v1/stats", "/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/");
    }

    @Test
    void theSchemaCheckRejectsWhatTheDocumentDoesNotAllow() {
        api = parse(http.get("/openapi.json").body()).getOpenAPI();
        Map<String, Schema> schemas = api.getComponents().getSchemas();

        assertThat(problems(schemas.get("Detail"), "{\"detail\": \"x\", \"extra\": 1}"))
                .containsExactly("$: undocumented property extra");
        assertThat(problems(schemas.get("TaskCreated"), "{\"task_id\": \"nope\", \"status\": \"DONE\"}"))
                .hasSize(2);
        assertThat(problems(schemas.get("Task"), "{\"id\": \"" + UUID.randomUUID() + "\"}"))
                .contains("$: missing content", "$: missing finished_at");
        assertThat(problems(schemas.get("Stats"), "{\"counts\": {\"PENDING\": -1}}"))
                .contains("$.counts.PENDING: -1 is outside 0..null", "$.counts: missing FAILED");
        assertThat(problems(schemas.get("Detail"), "{\"detail\": \"x\"}")).isEmpty();
    }

    private List<String> problems(Schema<?> schema, String json) {
        List<String> problems = new ArrayList<>();
        try {
            validate(schema, JSON.readTree(json), "$", problems);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return problems;
    }

    @Test
    void everyOperationAnswersAsDocumented() throws Exception {
        api = parse(http.get("/openapi.json").body()).getOpenAPI();
        String tasks = "/api/v1/tasks";
        String task = "/api/v1/tasks/{task_id}";
        String cancel = "/api/v1/tasks/{task_id}/cancel";

        // create: 201, 200 on a repeat with the same key, 409 with another request, 422, 413
        String id = check("POST", tasks, http.post(tasks, "{\"content\": \"contract\"}"), 201)
                .get("task_id").asText();
        check("POST", tasks, http.post(tasks, "{\"content\": \"k\"}", "Idempotency-Key", "key-1"), 201);
        check("POST", tasks, http.post(tasks, "{\"content\": \"k\"}", "Idempotency-Key", "key-1"), 200);
        check("POST", tasks, http.post(tasks, "{\"content\": \"other\"}", "Idempotency-Key", "key-1"), 409);
        check("POST", tasks, http.post(tasks, "{\"content\": 1, \"priority\": 12, \"run_at\": \"soon\"}"), 422);
        check("POST", tasks, http.post(tasks, "{\"content\": \"" + "x".repeat(5000) + "\"}"), 413);
        String batch = "/api/v1/tasks/batch";
        check("POST", batch, http.post(batch, "{\"tasks\": [{\"content\": \"b1\", \"ref\": \"one\"}, "
                + "{\"content\": \"b2\"}]}"), 201);
        check("POST", batch, http.post(batch, "{\"tasks\": [{\"content\": 1}]}"), 422);
        String dependent = check("POST", tasks, http.post(tasks, "{\"content\": \"after\", \"depends_on\": [\""
                + id + "\"]}"), 201).get("task_id").asText();
        check("POST", tasks, http.post(tasks, "{\"content\": \"x\", \"depends_on\": [\"" + UUID.randomUUID()
                + "\"]}"), 422);
        String schedules = "/api/v1/schedules";
        String schedule = "/api/v1/schedules/{name}";
        check("POST", schedules, http.post(schedules, "{\"name\": \"nightly\", \"cron\": \"30 2 * * *\", "
                + "\"timezone\": \"Europe/Warsaw\", \"content\": \"report\", \"misfire\": \"run_once\"}"), 201);
        check("POST", schedules, http.post(schedules, "{\"name\": \"nightly\", \"every_ms\": 60000, "
                + "\"content\": \"x\"}"), 409);
        check("POST", schedules, http.post(schedules, "{\"name\": \"bad\", \"cron\": \"61 * * * *\", "
                + "\"content\": \"x\"}"), 422);
        check("GET", schedules, http.get(schedules), 200);
        check("GET", schedule, http.get(schedules + "/nightly"), 200);
        check("GET", schedule, http.get(schedules + "/nope"), 404);
        check("POST", schedule + "/pause", http.post(schedules + "/nightly/pause", ""), 200);
        check("POST", schedule + "/resume", http.post(schedules + "/nightly/resume", ""), 200);
        check("POST", schedule + "/pause", http.post(schedules + "/nope/pause", ""), 404);
        check("DELETE", schedule, http.method("DELETE", schedules + "/nightly"), 204);
        check("DELETE", schedule, http.method("DELETE", schedules + "/nightly"), 404);
        String dependents = "/api/v1/tasks/{task_id}/dependents";
        assertThat(check("GET", dependents, http.get(tasks + "/" + id + "/dependents"), 200).get(0).get("id")
                .asText()).isEqualTo(dependent);
        check("GET", dependents, http.get(tasks + "/" + UUID.randomUUID() + "/dependents"), 404);

        // read and list
        check("GET", task, http.get(tasks + "/" + UUID.randomUUID()), 404);
        check("GET", task, http.get(tasks + "/not-a-uuid"), 422);
        check("GET", tasks, http.get(tasks + "?limit=0&status=nope"), 422);
        Http.Answer page = http.get(tasks + "?limit=1");
        check("GET", tasks, page, 200);
        assertThat(page.header("Link")).contains("rel=\"next\"");
        check("GET", tasks, http.get(tasks), 200);

        // cancel: 200, then 409 for an ended task, 404, 422
        String later = http.post(tasks, "{\"content\": \"later\", " + FUTURE + "}").json().get("task_id").asText();
        check("POST", cancel, http.post(tasks + "/" + later + "/cancel", ""), 200);
        check("POST", cancel, http.post(tasks + "/" + later + "/cancel", ""), 409);
        check("POST", cancel, http.post(tasks + "/" + UUID.randomUUID() + "/cancel", ""), 404);
        check("POST", cancel, http.post(tasks + "/x/cancel", ""), 422);

        // the created task ends; its read and its (finished) event stream match the schemas
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> http.task(id).get("status").asText().equals("COMPLETED"));
        check("GET", task, http.get(tasks + "/" + id), 200);
        checkEventStream("/api/v1/tasks/{task_id}/events", tasks + "/" + id + "/events");
        check("GET", "/api/v1/tasks/{task_id}/events", http.get(tasks + "/" + UUID.randomUUID() + "/events"), 404);
        check("GET", "/api/v1/tasks/{task_id}/events", http.get(tasks + "/1/events"), 422);
        check("GET", "/api/v1/events", http.get("/api/v1/events?status=bogus"), 422);
        checkEventStream("/api/v1/events", "/api/v1/events");
        checkWebSocket();

        // operations
        check("GET", "/api/v1/stats", http.get("/api/v1/stats"), 200);
        check("GET", "/healthz", http.get("/healthz"), 200);
        check("GET", "/readyz", http.get("/readyz"), 200);
        check("GET", "/metrics", http.get("/metrics"), 200);
        check("GET", "/openapi.json", http.get("/openapi.json"), 200);
        check("GET", "/docs", http.get("/docs"), 200);
        check("GET", "/", http.get("/"), 200);
        check("GET", "/api/v1/audit", http.get("/api/v1/audit?limit=5&action=task.create"), 200);
        check("GET", "/api/v1/audit", http.get("/api/v1/audit?limit=0"), 422);
        Http.Answer wrongMethod = http.post("/ui/dashboard.js", "");
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.json().get("detail").asText()).isEqualTo("Method Not Allowed");

        // queues: the original's routes, then the queue-aware ones
        check("GET", "/api/v1/queue/status", http.get("/api/v1/queue/status"), 200);
        check("POST", "/api/v1/queue/pause", http.post("/api/v1/queue/pause", ""), 200);
        check("POST", "/api/v1/queue/resume", http.post("/api/v1/queue/resume", ""), 200);
        check("POST", "/api/v1/queue/purge", http.post("/api/v1/queue/purge", ""), 200);
        check("POST", "/api/v1/queues/{name}/pause", http.post("/api/v1/queues/slow/pause", ""), 200);
        String queued = http.post(tasks, "{\"content\": \"q\", \"queue\": \"slow\"}").json().get("task_id").asText();
        check("GET", tasks, http.get(tasks + "?queue=slow"), 200);
        check("GET", "/api/v1/queues", http.get("/api/v1/queues"), 200);
        check("GET", "/api/v1/queues/{name}", http.get("/api/v1/queues/slow"), 200);
        check("GET", "/api/v1/queues/{name}", http.get("/api/v1/queues/Not%20Valid"), 422);
        check("POST", "/api/v1/queues/{name}/purge", http.post("/api/v1/queues/slow/purge", ""), 200);
        assertThat(http.task(queued).get("status").asText()).isEqualTo("CANCELLED");
        check("POST", "/api/v1/queues/{name}/resume", http.post("/api/v1/queues/slow/resume", ""), 200);
        String abort = "/api/v1/queue/task/{task_id}/abort";
        check("POST", abort, http.post("/api/v1/queue/task/" + UUID.randomUUID() + "/abort", ""), 404);
        Http slow = servers.start("--processing-delay-ms", "60000");
        String running = slow.post(tasks, "{\"content\": \"s\"}").json().get("task_id").asText();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> slow.task(running).get("status").asText().equals("PROCESSING"));
        check("POST", abort, slow.post("/api/v1/queue/task/" + running + "/abort", ""), 200);
        check("POST", "/api/v1/queue/emergency-stop", slow.post("/api/v1/queue/emergency-stop", ""), 200);

        // 503 with Retry-After: a server that takes one pending task at most
        Http full = servers.start("--max-pending", "1");
        full.post(tasks, "{\"content\": \"waits\", " + FUTURE + "}");
        Http.Answer refused = full.post(tasks, "{\"content\": \"refused\"}");
        check("POST", tasks, refused, 503);
        assertThat(refused.header("Retry-After")).isEqualTo("1");

        // remote workers: claim, each call of an attempt, the fenced answer, the list
        Http remote = servers.start("--processing-delay-ms", "0", "--queues", "gpu:remote");
        String claims = "/api/v1/workers/claim";
        String attempt = "/api/v1/tasks/{task_id}/attempts/{attempt}/";
        String gpu = remote.post(tasks, "{\"content\": \"g\", \"queue\": \"gpu\", \"max_attempts\": 3, "
                + "\"requires\": {\"gpu\": \"a100\"}}").json().get("task_id").asText();
        String claimBody = "{\"worker_id\": \"w1\", \"queues\": [\"gpu\"], \"labels\": {\"gpu\": \"a100\"}}";
        check("POST", claims, remote.post(claims, claimBody), 200);
        check("POST", claims, remote.post(claims, "{\"worker_id\": \"w1\", \"queues\": [\"default\"]}"), 422);
        String at = tasks + "/" + gpu + "/attempts/";
        check("POST", attempt + "heartbeat", remote.post(at + "1/heartbeat", "{\"progress\": 5, \"message\": \"m\"}"),
                200);
        check("POST", attempt + "heartbeat", remote.post(at + "2/heartbeat", "{}"), 409);
        check("POST", attempt + "heartbeat", remote.post(tasks + "/" + UUID.randomUUID() + "/attempts/1/heartbeat",
                "{}"), 404);
        check("POST", attempt + "log", remote.post(at + "1/log", "{\"lines\": [\"a\"]}"), 200);
        check("POST", attempt + "log", remote.post(at + "1/log", "{\"lines\": 1}"), 422);
        check("POST", attempt + "fail", remote.post(at + "1/fail", "{\"error\": \"e\", \"retry_after_ms\": 0}"), 200);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> remote.post(claims, claimBody)
                .json().size() == 1);
        check("POST", attempt + "release", remote.post(at + "2/release", "{}"), 200);
        remote.post(claims, claimBody);
        check("POST", attempt + "complete", remote.post(at + "3/complete", "{\"result\": \"r\"}"), 200);
        check("POST", attempt + "complete", remote.post(at + "3/complete", "{\"result\": \"r\"}"), 409);
        check("GET", task, remote.get(tasks + "/" + gpu), 200);
        String reports = "/api/v1/workers/report";
        check("POST", reports, remote.post(reports, "{\"outcomes\": [{\"task_id\": \"" + gpu
                + "\", \"attempt\": 3, \"result\": \"again\"}]}"), 200);
        check("POST", reports, remote.post(reports, "{\"outcomes\": []}"), 422);
        check("GET", "/api/v1/workers", remote.get("/api/v1/workers"), 200);

        List<String> uncalled = new ArrayList<>();
        api.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
            boolean succeeded = seen.stream().anyMatch(s -> s.startsWith(method + " " + path + " 2")
                    || s.startsWith(method + " " + path + " 101"));
            if (!succeeded) {
                uncalled.add(method + " " + path);
            }
        }));
        assertThat(uncalled).as("documented operations never answered with success").isEmpty();
    }

    /** Checks an answer against the document and returns its JSON body (null when it is not JSON). */
    private JsonNode check(String method, String template, Http.Answer answer, int expected) throws Exception {
        assertThat(answer.status()).as(method + " " + template + ": " + answer.body()).isEqualTo(expected);
        String contentType = answer.header("Content-Type");
        String mediaType = contentType == null ? null : contentType.split(";")[0].strip();
        Schema<?> schema = responseSchema(method, template, expected, mediaType);
        JsonNode body = null;
        if ("application/json".equals(mediaType)) {
            body = JSON.readTree(answer.body());
            List<String> problems = new ArrayList<>();
            validate(schema, body, "$", problems);
            assertThat(problems).as(method + " " + template + " " + expected + ": " + answer.body()).isEmpty();
        }
        seen.add(method + " " + template + " " + expected);
        return body;
    }

    /** The schema the document gives for this answer; fails when the status or media type is undocumented. */
    private Schema<?> responseSchema(String method, String template, int status, String mediaType) {
        PathItem item = api.getPaths().get(template);
        assertThat(item).as("documented path " + template).isNotNull();
        Operation operation = item.readOperationsMap().get(PathItem.HttpMethod.valueOf(method));
        assertThat(operation).as("documented operation " + method + " " + template).isNotNull();
        ApiResponse response = operation.getResponses().get(Integer.toString(status));
        assertThat(response).as("documented response " + status + " of " + method + " " + template).isNotNull();
        if (response.get$ref() != null) {
            response = api.getComponents().getResponses().get(refName(response.get$ref()));
        }
        if (response.getContent() == null) {
            assertThat(mediaType).as("an answer without a documented body").isNull();
            return null;
        }
        MediaType media = response.getContent().get(mediaType);
        assertThat(media).as(method + " " + template + " " + status + " documents " + mediaType
                + " (it has " + response.getContent().keySet() + ")").isNotNull();
        return media.getSchema();
    }

    /** Reads a Server-Sent Events stream until its first task event and checks each data against TaskEvent. */
    private void checkEventStream(String template, String path) throws Exception {
        HttpResponse<Stream<String>> response = CLIENT.send(HttpRequest.newBuilder(URI.create(http.base() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        String mediaType = response.headers().firstValue("Content-Type").orElse("").split(";")[0].strip();
        responseSchema("GET", template, 200, mediaType);
        CompletableFuture<Void> trigger = template.equals("/api/v1/events")
                ? CompletableFuture.runAsync(() -> http.create("event")) : CompletableFuture.completedFuture(null);
        Schema<?> eventSchema = api.getComponents().getSchemas().get("TaskEvent");
        CompletableFuture<String> firstData = CompletableFuture.supplyAsync(() -> {
            Iterator<String> it = response.body().iterator();
            while (it.hasNext()) {
                String line = it.next();
                if (line.startsWith("data:")) {
                    return line.substring(5).strip();
                }
            }
            return null;
        });
        try {
            String data = firstData.get(10, TimeUnit.SECONDS);
            assertThat(data).as("a task event from " + path).isNotNull();
            List<String> problems = new ArrayList<>();
            validate(eventSchema, JSON.readTree(data), "$", problems);
            assertThat(problems).as(data).isEmpty();
        } finally {
            response.body().close();
        }
        trigger.get(10, TimeUnit.SECONDS);
        seen.add("GET " + template + " 200");
    }

    /** Subscribes over the WebSocket and checks the first frame against TaskEvent. */
    private void checkWebSocket() throws Exception {
        CompletableFuture<String> first = new CompletableFuture<>();
        WebSocket socket = CLIENT.newWebSocketBuilder().buildAsync(
                URI.create(http.base().replace("http", "ws") + "/api/v1/ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        first.complete(data.toString());
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        seen.add("GET /api/v1/ws 101");
        socket.sendText("{\"subscribe\": \"all\"}", true).get(10, TimeUnit.SECONDS);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            http.create("ws");
            return first.isDone();
        });
        List<String> problems = new ArrayList<>();
        validate(api.getComponents().getSchemas().get("TaskEvent"), JSON.readTree(first.get()), "$", problems);
        assertThat(problems).as(first.get()).isEmpty();
        socket.abort();
        check("GET", "/api/v1/ws", http.get("/api/v1/ws"), 400);
    }

    private static SwaggerParseResult parse(String document) {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        return new OpenAPIParser().readContents(document, null, options);
    }

    private static String refName(String ref) {
        return ref.substring(ref.lastIndexOf('/') + 1);
    }

    /**
     * The subset of JSON Schema 2020-12 the document uses: $ref, anyOf, type (one or several), const, enum,
     * required, properties, additionalProperties false, items, minItems, minimum, maximum, pattern and
     * the formats uuid and date-time. A schema with none of these takes any value.
     */
    private void validate(Schema<?> schema, JsonNode value, String at, List<String> problems) {
        if (schema == null) {
            return;
        }
        if (schema.get$ref() != null) {
            validate(api.getComponents().getSchemas().get(refName(schema.get$ref())), value, at, problems);
            return;
        }
        if (schema.getAnyOf() != null) {
            boolean matched = false;
            for (Schema<?> option : schema.getAnyOf()) {
                List<String> optionProblems = new ArrayList<>();
                validate(option, value, at, optionProblems);
                matched |= optionProblems.isEmpty();
            }
            if (!matched) {
                problems.add(at + ": matches none of " + schema.getAnyOf().size() + " schemas: " + value);
            }
        }
        if (schema.getConst() != null && !JSON.valueToTree(schema.getConst()).equals(value)) {
            problems.add(at + ": expected " + schema.getConst() + ", was " + value);
        }
        if (schema.getEnum() != null && schema.getEnum().stream().noneMatch(e -> JSON.valueToTree(e).equals(value))) {
            problems.add(at + ": " + value + " is not one of " + schema.getEnum());
        }
        Set<String> types = schema.getTypes() != null ? schema.getTypes()
                : schema.getType() != null ? Set.of(schema.getType()) : Set.of();
        if (types.isEmpty()) {
            return;
        }
        String actual = switch (value.getNodeType()) {
            case STRING -> "string";
            case NUMBER -> value.isIntegralNumber() ? "integer" : "number";
            case BOOLEAN -> "boolean";
            case ARRAY -> "array";
            case OBJECT -> "object";
            case NULL -> "null";
            default -> value.getNodeType().name();
        };
        if (!types.contains(actual) && !(actual.equals("integer") && types.contains("number"))) {
            problems.add(at + ": expected " + types + ", was " + actual + " " + value);
            return;
        }
        switch (actual) {
            case "object" -> {
                if (schema.getRequired() != null) {
                    schema.getRequired().stream().filter(name -> !value.has(name))
                            .forEach(name -> problems.add(at + ": missing " + name));
                }
                Map<String, Schema> properties = schema.getProperties() == null ? Map.of() : schema.getProperties();
                value.fieldNames().forEachRemaining(name -> {
                    if (properties.containsKey(name)) {
                        validate(properties.get(name), value.get(name), at + "." + name, problems);
                    } else if (Boolean.FALSE.equals(schema.getAdditionalProperties())) {
                        problems.add(at + ": undocumented property " + name);
                    }
                });
            }
            case "array" -> {
                if (schema.getMinItems() != null && value.size() < schema.getMinItems()) {
                    problems.add(at + ": fewer than " + schema.getMinItems() + " items");
                }
                for (int i = 0; i < value.size(); i++) {
                    validate(schema.getItems(), value.get(i), at + "[" + i + "]", problems);
                }
            }
            case "integer", "number" -> {
                BigDecimal number = value.decimalValue();
                if (schema.getMinimum() != null && number.compareTo(schema.getMinimum()) < 0
                        || schema.getMaximum() != null && number.compareTo(schema.getMaximum()) > 0) {
                    problems.add(at + ": " + number + " is outside " + schema.getMinimum() + ".." + schema.getMaximum());
                }
            }
            case "string" -> {
                String text = value.textValue();
                if (schema.getPattern() != null && !java.util.regex.Pattern.compile(schema.getPattern())
                        .matcher(text).find()) {
                    problems.add(at + ": " + text + " does not match " + schema.getPattern());
                }
                try {
                    if ("uuid".equals(schema.getFormat())) {
                        UUID.fromString(text);
                    } else if ("date-time".equals(schema.getFormat())) {
                        OffsetDateTime.parse(text);
                    }
                } catch (RuntimeException e) {
                    problems.add(at + ": " + text + " is not a " + schema.getFormat());
                }
            }
            default -> {
            }
        }
    }
}
