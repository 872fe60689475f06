package dev.venom.core.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.venom.core.engine.TaskContext;
import dev.venom.core.engine.TaskProcessor;
import dev.venom.core.engine.VenomException;
import dev.venom.core.model.VenomTask;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Runs each task by POSTing its JSON to a URL ({@code VENOM_PROCESSOR=http}, {@code VENOM_PROCESSOR_URL}):
 * the body of a 2xx answer is the result; any other status, no answer within the timeout, or no
 * connection fails the attempt with the reason (and retries if the task may). Asynchronous: no thread
 * waits for the answer, and connections are reused between tasks.
 *
 * <p>Each request carries {@code Venom-Task-Id} and {@code Venom-Attempt}: together they identify one
 * attempt, so the receiver can ignore a repeat (a task runs at least once).
 */
public final class HttpTaskProcessor implements TaskProcessor {

    /** The most of an error answer's body quoted in the failure message. */
    private static final int QUOTED_BODY = 200;

    private final URI url;
    private final Duration timeout;
    private final ObjectMapper mapper;
    private final HttpClient client;

    /**
     * @param url     where each task is POSTed
     * @param timeout how long to wait for the answer (and at most 10 s for the connection)
     * @param mapper  writes the task JSON
     */
    public HttpTaskProcessor(URI url, Duration timeout, ObjectMapper mapper) {
        this.url = Objects.requireNonNull(url, "url");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout.compareTo(Duration.ofSeconds(10)) < 0 ? timeout : Duration.ofSeconds(10))
                .build();
    }

    @Override
    public CompletionStage<String> process(VenomTask task, TaskContext ctx) {
        byte[] body;
        try {
            body = mapper.writeValueAsBytes(task);
        } catch (JsonProcessingException e) {
            return CompletableFuture.failedFuture(e);
        }
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Venom-Task-Id", task.id().toString())
                .header("Venom-Attempt", Integer.toString(ctx.attempt()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        CompletableFuture<HttpResponse<String>> sending =
                client.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        CompletableFuture<String> result = sending.handle((response, error) -> {
            if (error != null) {
                throw new VenomException(describe(VenomException.unwrap(error)), error);
            }
            if (response.statusCode() / 100 != 2) {
                throw new VenomException("HTTP " + response.statusCode() + " from " + url + quote(response.body()));
            }
            return response.body();
        });
        // A timed-out or cancelled attempt aborts its exchange, so it holds no connection past its end.
        result.whenComplete((answer, error) -> {
            if (result.isCancelled()) {
                sending.cancel(true);
            }
        });
        return result;
    }

    private String describe(Throwable error) {
        if (error instanceof HttpTimeoutException) {
            return "no answer from " + url + " within " + timeout.toMillis() + " ms";
        }
        if (error instanceof ConnectException) {
            return "cannot connect to " + url + (error.getMessage() == null ? "" : ": " + error.getMessage());
        }
        String message = error.getMessage();
        return "request to " + url + " failed: " + (message == null ? error.getClass().getSimpleName() : message);
    }

    private static String quote(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String trimmed = body.strip();
        return ": " + (trimmed.length() > QUOTED_BODY ? trimmed.substring(0, QUOTED_BODY) + "..." : trimmed);
    }

    @Override
    public String toString() {
        return "http POST " + url;
    }
}
