package dev.venom.core.http.internal;

import dev.venom.core.engine.AttemptNotCurrentException;
import dev.venom.core.engine.EngineClosedException;
import dev.venom.core.engine.NoSuchScheduleException;
import dev.venom.core.engine.NoSuchTaskException;
import dev.venom.core.engine.ScheduleExistsException;
import dev.venom.core.engine.IdempotencyConflictException;
import dev.venom.core.engine.StoreException;
import dev.venom.core.engine.TaskEndedException;
import dev.venom.core.engine.TooManyPendingException;
import dev.venom.core.engine.UnknownDependencyException;
import dev.venom.core.engine.VenomException;
import dev.venom.core.model.TaskLog;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place an exception becomes an HTTP answer: every route's failures, thrown or completed
 * exceptionally, end here, each type with one status and body. What the store or the engine logged is
 * not logged again; an unexpected failure is logged once, here, and answered 500 without internals.
 */
public final class ExceptionMapping {

    private static final Logger log = LoggerFactory.getLogger(ExceptionMapping.class);

    /** Seconds a client told to come back should wait: about one claim cycle. */
    static final String RETRY_AFTER_SECONDS = "1";
    /**
     * How long a create waits for the store to confirm the write before it answers 503: a frozen database
     * or a stalled disk must not hold the client. The write may still complete later (retry with an
     * {@code Idempotency-Key} to be safe).
     */
    static final long CREATE_DEADLINE_MS = 2_000;

    /** What a route does, where that changes the answer to a failure of the store. */
    public enum Action {
        CREATE("Task could not be stored; try again later"),
        CANCEL("Task could not be cancelled; try again later"),
        QUEUE("Queue could not be changed; try again later"),
        SCHEDULE("Schedule could not be changed; try again later"),
        REPORT("Attempt could not be recorded; try again later"),
        READ("Store unavailable; try again later");

        private final String storeFailed;

        Action(String storeFailed) {
            this.storeFailed = storeFailed;
        }
    }

    private final Responses responses;
    private final TaskLog language;

    /** @param language the language of the details the original service wrote in Polish (404, the create's 500) */
    public ExceptionMapping(Responses responses, TaskLog language) {
        this.responses = responses;
        this.language = language;
    }

    /** Answers {@code error}, a failure of {@code action}; ends an answer already begun. */
    public void answer(HttpServerExchange exchange, Action action, Throwable error) {
        Throwable cause = VenomException.unwrap(error);
        if (exchange.isResponseStarted()) {
            log.error("{} {} failed after its answer began", exchange.getRequestMethod(), exchange.getRequestPath(),
                    cause);
            exchange.endExchange();
            return;
        }
        if (cause instanceof InvalidRequestException invalid) {
            responses.invalid(exchange, invalid.errors());
        } else if (cause instanceof UnknownDependencyException unknown) {
            List<Object> loc = new ArrayList<>(List.of("body"));
            int position = unknown.position();
            if (unknown.entry().isPresent()) {
                int entry = unknown.entry().getAsInt();
                loc.addAll(List.of("tasks", entry));
                RequestParsing.ParsedEntry[] batch = exchange.getAttachment(RequestParsing.BATCH);
                if (batch != null) { // the engine lists a batch entry's ids before its refs; the client may not
                    position = batch[entry].positionOf(unknown.dependency());
                }
            }
            loc.addAll(List.of("depends_on", position));
            responses.invalid(exchange, List.of(new ValidationError("value_error", loc, "Value error, task "
                    + unknown.dependency() + " does not exist", unknown.dependency().toString())));
        } else if (cause instanceof NoSuchScheduleException || cause instanceof ScheduleExistsException) {
            responses.detail(exchange, cause instanceof ScheduleExistsException ? 409 : 404, cause.getMessage());
        } else if (cause instanceof TaskNotFoundException notFound) {
            taskNotFound(exchange, notFound.id());
        } else if (cause instanceof NoSuchTaskException notFound) {
            taskNotFound(exchange, notFound.taskId());
        } else if (cause instanceof AttemptNotCurrentException notCurrent) {
            responses.detail(exchange, 409, notCurrent.getMessage());
        } else if (cause instanceof TaskEndedException ended) {
            responses.detail(exchange, 409, "Task " + ended.task().id() + " has already ended: "
                    + ended.task().status());
        } else if (cause instanceof IdempotencyConflictException conflict) {
            responses.detail(exchange, 409, "Idempotency-Key was already used with a different request (task "
                    + conflict.existing().id() + ")");
        } else if (cause instanceof TooManyPendingException) {
            retryAfter(exchange, 503, "Too many pending tasks");
        } else if (cause instanceof EngineClosedException) {
            responses.detail(exchange, 503, "Server is shutting down");
        } else if (cause instanceof TimeoutException && action == Action.CREATE) {
            log.debug("create answered 503: the store did not confirm the write within {} ms; the task may still be "
                    + "stored", CREATE_DEADLINE_MS);
            retryAfter(exchange, 503, "Task could not be stored in time; try again later");
        } else if (cause instanceof StoreException) {
            // the store logged the failure; the engine logs an outage once
            log.debug("{} {} answered 503, the store failed: {}", exchange.getRequestMethod(),
                    exchange.getRequestPath(), cause.getMessage());
            if (action == Action.CREATE) {
                retryAfter(exchange, 503, action.storeFailed);
            } else {
                responses.detail(exchange, 503, action.storeFailed);
            }
        } else if (cause instanceof IllegalArgumentException && action == Action.CREATE) {
            responses.detail(exchange, 400, "Task could not be stored: " + cause.getMessage());
        } else if (cause instanceof OutOfMemoryError) {
            log.error("{} {} ran out of memory: {}", exchange.getRequestMethod(), exchange.getRequestPath(),
                    cause.toString());
            lowOnMemory(exchange);
        } else {
            log.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestPath(), cause);
            if (action == Action.CREATE && language == TaskLog.PL) {
                responses.detail(exchange, 500, "Błąd wewnętrzny podczas tworzenia zadania");
            } else {
                responses.internalError(exchange);
            }
        }
    }

    private void taskNotFound(HttpServerExchange exchange, java.util.UUID id) {
        responses.detail(exchange, 404, language == TaskLog.PL ? "Zadanie " + id + " nie istnieje"
                : "Task " + id + " not found");
    }

    /** 503 with {@code Retry-After}: the heap is nearly full, or the bodies in flight take their budget. */
    void lowOnMemory(HttpServerExchange exchange) {
        retryAfter(exchange, 503, "Server is low on memory; try again later");
    }

    private void retryAfter(HttpServerExchange exchange, int status, String detail) {
        exchange.getResponseHeaders().put(Headers.RETRY_AFTER, RETRY_AFTER_SECONDS);
        responses.detail(exchange, status, detail);
    }
}
