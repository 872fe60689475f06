package dev.venom.core.http.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.venom.core.engine.Orchestrator;
import dev.venom.core.engine.TaskPage;
import dev.venom.core.engine.TaskQuery;
import dev.venom.core.http.internal.ExceptionMapping.Action;
import dev.venom.core.http.internal.audit.AuditHandler;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskResponse;
import dev.venom.core.model.VenomTask;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.SameThreadExecutor;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The task routes: create, read, list and cancel. A create runs on the IO thread and answers when the
 * store's write completes; reads and the streamed list run on worker threads.
 */
final class TaskRoutes {

    /** The most dependents one answer lists. */
    static final int MAX_DEPENDENTS = 1_000;

    private static final int LIST_PAGE = 500;
    private static final HttpString IDEMPOTENCY_KEY = new HttpString("Idempotency-Key");
    private static final HttpString LINK = new HttpString("Link");

    private final Orchestrator orchestrator;
    private final Responses responses;
    private final RequestParsing parsing;
    private final ObjectWriter taskWriter;
    private final RouteHandlers handlers;
    private final RequestBodies bodies;

    TaskRoutes(Orchestrator orchestrator, ObjectMapper mapper, Responses responses, RouteHandlers handlers,
               MemoryGuard memory, long maxBodyBytes) {
        this.orchestrator = orchestrator;
        this.responses = responses;
        this.parsing = new RequestParsing(mapper);
        this.taskWriter = mapper.writerFor(VenomTask.class).without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
        this.handlers = handlers;
        this.bodies = new RequestBodies(responses, handlers, memory, maxBodyBytes);
    }

    void register(Routes routes) {
        routes.post("/api/v1/tasks", handlers.io(Action.CREATE, this::create))
                .post("/api/v1/tasks/batch", handlers.io(Action.CREATE, this::createBatch))
                .get("/api/v1/tasks", handlers.worker(Action.READ, this::list))
                .get("/api/v1/tasks/{task_id}", handlers.worker(Action.READ, this::get))
                .post("/api/v1/tasks/{task_id}/cancel", handlers.worker(Action.CANCEL, this::cancel))
                .get("/api/v1/tasks/{task_id}/dependents", handlers.worker(Action.READ, this::dependents));
    }

    private void create(HttpServerExchange exchange) {
        bodies.read(exchange, Action.CREATE, this::submit);
    }

    /** Up to {@link Orchestrator#MAX_BATCH} tasks in one durable write: 201 with their ids in order. */
    private void createBatch(HttpServerExchange exchange) {
        bodies.read(exchange, Action.CREATE, (ex, body) -> {
            RequestParsing.Parsed<List<RequestParsing.ParsedEntry>> batch = parsing.batch(body,
                    Orchestrator.MAX_BATCH);
            if (!batch.isValid()) {
                throw new InvalidRequestException(batch.errors());
            }
            List<RequestParsing.ParsedEntry> entries = batch.value();
            ex.putAttachment(RequestParsing.BATCH, entries.toArray(RequestParsing.ParsedEntry[]::new)); // an error names an entry's field as it was written
            CompletableFuture<List<VenomTask>> stored = orchestrator.submitBatch(
                    entries.stream().map(RequestParsing.ParsedEntry::entry).toList());
            ex.dispatch(SameThreadExecutor.INSTANCE, () -> stored.whenComplete((tasks, error) -> ex.getIoThread()
                    .execute(() -> handlers.run(ex, Action.CREATE, e -> {
                        if (error != null) {
                            throw error instanceof Exception failure ? failure : new RuntimeException(error);
                        }
                        List<Map<String, Object>> created = new ArrayList<>(tasks.size());
                        for (int i = 0; i < tasks.size(); i++) {
                            Map<String, Object> one = new LinkedHashMap<>();
                            one.put("task_id", tasks.get(i).id());
                            one.put("status", tasks.get(i).status());
                            if (entries.get(i).ref() != null) {
                                one.put("ref", entries.get(i).ref());
                            }
                            created.add(one);
                        }
                        e.putAttachment(AuditHandler.TARGET, tasks.size() + " tasks");
                        responses.json(e, 201, Map.of("tasks", created));
                    }))));
        });
    }

    private void submit(HttpServerExchange exchange, byte[] body) {
        RequestParsing.Parsed<TaskRequest> request =
                parsing.taskRequest(exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE), body);
        String keyHeader = exchange.getRequestHeaders().getFirst(IDEMPOTENCY_KEY);
        RequestParsing.Parsed<String> key = keyHeader == null ? null : RequestParsing.idempotencyKey(keyHeader);
        if (!request.isValid() || key != null && !key.isValid()) {
            List<ValidationError> errors = new ArrayList<>(request.errors());
            if (key != null) {
                errors.addAll(key.errors());
            }
            throw new InvalidRequestException(errors);
        }
        // A copy times out, not the engine's own future: what the engine chains on it still runs.
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> orchestrator.submit(request.value(), keyHeader)
                .copy().orTimeout(ExceptionMapping.CREATE_DEADLINE_MS, TimeUnit.MILLISECONDS)
                .whenComplete((submission, error) -> exchange.getIoThread().execute(
                        () -> handlers.run(exchange, Action.CREATE, ex -> {
                            if (error != null) {
                                throw error instanceof Exception e ? e : new RuntimeException(error);
                            }
                            ex.putAttachment(AuditHandler.TARGET, submission.task().id().toString());
                            responses.submitted(ex, submission.created() ? 201 : 200,
                                    TaskResponse.of(submission.task()));
                        }))));
    }

    private void get(HttpServerExchange exchange) {
        UUID id = RequestParsing.taskId(exchange);
        responses.json(exchange, 200, orchestrator.find(id).orElseThrow(() -> new TaskNotFoundException(id)));
    }

    /** The tasks that name this one in their {@code depends_on}, oldest first (at most {@value #MAX_DEPENDENTS}). */
    private void dependents(HttpServerExchange exchange) {
        UUID id = RequestParsing.taskId(exchange);
        if (orchestrator.find(id).isEmpty()) {
            throw new TaskNotFoundException(id);
        }
        responses.json(exchange, 200, orchestrator.dependentsOf(id, MAX_DEPENDENTS));
    }

    private void cancel(HttpServerExchange exchange) {
        UUID id = RequestParsing.taskId(exchange);
        VenomTask cancelled = orchestrator.cancel(id).join().orElseThrow(() -> new TaskNotFoundException(id));
        responses.json(exchange, 200, cancelled);
    }

    /**
     * With {@code limit}: one page, and a {@code Link: <...>; rel="next"} header while more follow. Without:
     * every matching task from the cursor on, streamed page by page so memory does not grow with the answer.
     */
    private void list(HttpServerExchange exchange) {
        RequestParsing.Parsed<RequestParsing.ListQuery> parsed =
                RequestParsing.listQuery(exchange.getQueryParameters());
        if (!parsed.isValid()) {
            throw new InvalidRequestException(parsed.errors());
        }
        RequestParsing.ListQuery asked = parsed.value();
        TaskQuery query = new TaskQuery(asked.statuses(), asked.cursor(), asked.limit().orElse(LIST_PAGE),
                asked.queue());
        TaskPage page = orchestrator.list(query);
        if (asked.limit().isPresent() && page.nextCursor().isPresent()) {
            exchange.getResponseHeaders().put(LINK,
                    "<" + nextLink(exchange, asked, page.nextCursor().get()) + ">; rel=\"next\"");
        }
        new TaskListStream(exchange, taskWriter, orchestrator::list, query, page, asked.limit().isPresent()).start();
    }

    private static String nextLink(HttpServerExchange exchange, RequestParsing.ListQuery asked, String cursor) {
        StringBuilder link = new StringBuilder(exchange.getRequestPath()).append('?');
        if (!asked.statuses().isEmpty()) {
            link.append("status=").append(asked.statuses().stream().sorted().map(Enum::name)
                    .collect(Collectors.joining(","))).append('&');
        }
        asked.limit().ifPresent(limit -> link.append("limit=").append(limit).append('&'));
        asked.queue().ifPresent(queue -> link.append("queue=").append(queue).append('&'));
        return link.append("cursor=").append(URLEncoder.encode(cursor, StandardCharsets.UTF_8)).toString();
    }
}
