package dev.venom.core.http.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.venom.core.model.TaskResponse;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Writes JSON answers, and errors in the original service's shapes ({@code {"detail": ...}}). */
public final class Responses {

    private static final byte[] INTERNAL_ERROR =
            "{\"detail\":\"Internal server error\"}".getBytes(StandardCharsets.UTF_8);

    private final ObjectMapper mapper;

    public Responses(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** Sends {@code body} as JSON with {@code status}. */
    public void json(HttpServerExchange exchange, int status, Object body) {
        byte[] bytes;
        try {
            bytes = mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a " + body.getClass().getSimpleName() + " answer", e);
        }
        send(exchange, status, bytes);
    }

    /**
     * Sends {@code status} (201 created, 200 an idempotent repeat) with {@code {"task_id": "<id>", "status":
     * "<status>"}}, written directly: it is the answer to every create, and its shape is
     * {@link dev.venom.core.model.TaskResponse}'s (a test holds them equal).
     */
    public void submitted(HttpServerExchange exchange, int status, TaskResponse response) {
        send(exchange, status, createdJson(response).getBytes(StandardCharsets.US_ASCII));
    }

    /** The JSON of {@link #created}. */
    static String createdJson(TaskResponse response) {
        return "{\"task_id\":\"" + response.taskId() + "\",\"status\":\"" + response.status().name() + "\"}";
    }

    /** Sends {@code {"detail": "<message>"}} with {@code status}. */
    public void detail(HttpServerExchange exchange, int status, String message) {
        json(exchange, status, Map.of("detail", message));
    }

    /** Sends a 422 with FastAPI's list of validation errors. */
    public void invalid(HttpServerExchange exchange, List<ValidationError> errors) {
        json(exchange, 422, Map.of("detail", errors));
    }

    /** Sends 500 {@code {"detail": "Internal server error"}}, unless an answer has already begun. */
    public void internalError(HttpServerExchange exchange) {
        if (!exchange.isResponseStarted()) {
            send(exchange, 500, INTERNAL_ERROR);
        } else {
            exchange.endExchange();
        }
    }

    private static void send(HttpServerExchange exchange, int status, byte[] bytes) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseSender().send(ByteBuffer.wrap(bytes));
    }
}
