package dev.venom.core.tests.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.IntFunction;

/** A small HTTP client for the black-box suites: every call has a timeout, every answer is read as text. */
public final class Http {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;

    public Http(String base) {
        this.base = base;
    }

    /** An answer: status, body and its JSON reading (null if the body is not JSON). */
    public record Answer(int status, String body, HttpResponse<String> raw) {

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + body, e);
            }
        }

        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    public Answer get(String path) {
        return sendRequest(HttpRequest.newBuilder(uri(path)).GET());
    }

    public Answer post(String path, String body) {
        return sendRequest(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /** POSTs JSON with extra headers, given as name, value, name, value... */
    public Answer post(String path, String body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return sendRequest(request);
    }

    public Answer postWithoutContentType(String path, String body) {
        return sendRequest(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    public Answer method(String method, String path) {
        return sendRequest(HttpRequest.newBuilder(uri(path)).method(method, HttpRequest.BodyPublishers.noBody()));
    }

    /** Creates a task and returns its id; fails unless the answer is 201. */
    public String create(String content) {
        Answer answer = post("/api/v1/tasks", "{\"content\":" + quote(content) + "}");
        if (answer.status() != 201) {
            throw new AssertionError("create answered " + answer.status() + ": " + answer.body());
        }
        return answer.json().get("task_id").asText();
    }

    public JsonNode task(String id) {
        return get("/api/v1/tasks/" + id).json();
    }

    /** The body of {@code POST /api/v1/tasks/batch} with {@code count} tasks, the i-th holding {@code content(i)}. */
    public static String batchOf(int count, IntFunction<String> content) {
        StringBuilder body = new StringBuilder("{\"tasks\": [");
        for (int i = 0; i < count; i++) {
            body.append(i == 0 ? "" : ",").append("{\"content\": ").append(quote(content.apply(i))).append('}');
        }
        return body.append("]}").toString();
    }

    public static String quote(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }

    public String base() {
        return base;
    }

    /**
     * {@code method} on {@code path} with a JSON {@code body} (null for none) and, unless {@code key} is null,
     * {@code Authorization: Bearer <key>}.
     */
    public Answer withKey(String key, String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return sendRequest(request);
    }

    public Answer send(HttpRequest.Builder request) {
        return sendRequest(request);
    }

    private static Answer sendRequest(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = CLIENT.send(request.timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body(), response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
