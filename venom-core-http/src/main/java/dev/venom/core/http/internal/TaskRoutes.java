package dev.venom.core.http.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.venom.core.engine.EngineClosedException;
import dev.venom.core.engine.IdempotencyConflictException;
import dev.venom.core.engine.Orchestrator;
import dev.venom.core.engine.StoreException;
import dev.venom.core.engine.TaskPage;
import dev.venom.core.engine.TaskEndedException;
import dev.venom.core.engine.TaskQuery;
import dev.venom.core.engine.TooManyPendingException;
import dev.venom.core.engine.VenomException;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskResponse;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.server.RoutingHandler;
import io.undertow.server.handlers.sse.ServerSentEventHandler;
import io.undertow.io.Receiver;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.PathTemplateMatch;
import io.undertow.util.SameThreadExecutor;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task API over an {@link Orchestrator}. Handlers run on Undertow's IO threads only for work that
 * cannot block (reading the body, answering from a completed future); store reads and the streamed list
 * run on worker threads.
 */
public final class TaskRoutes {

    private static final Logger log = LoggerFactory.getLogger(TaskRoutes.class);
    private static final int LIST_PAGE = 500;
    private static final HttpString IDEMPOTENCY_KEY = new HttpString("Idempotency-Key");
    private static final HttpString LINK = new HttpString("Link");
    private static final HttpString LAST_EVENT_ID = new HttpString("Last-Event-ID");
    /** An idle event stream gets a comment this often, so a client that went away is noticed. */
    private static final long KEEP_ALIVE_MS = 15_000;
    /** How long a task stream waits for a task's own events before it tells a state reached meanwhile. */
    private static final long FINAL_STATE_GRACE_MS = 250;
    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");
    /** Seconds a client told "too many pending tasks" should wait: about one claim cycle. */
    private static final String RETRY_AFTER_SECONDS = "1";
    private static final Map<String, String> HEALTHY = orderedHealth();
    /**
     * How long a create waits for the store to confirm the write before it answers 503: a frozen database
     * or a stalled disk must not hold the client. The write may still complete later (retry with an
     * {@code Idempotency-Key} to be safe).
     */
    private static final long CREATE_DEADLINE_MS = 2_000;

    private final Orchestrator orchestrator;
    private final ObjectMapper mapper;
    private final Responses responses;
    private final RequestParsing parsing;
    private final ObjectWriter taskWriter;
    private final StaticPages pages = new StaticPages();

    private final long maxBodyBytes;
    private final PrometheusMeterRegistry metrics;
    private final EventStream events;
    private final MemoryGuard memory;
    /** Runs the operators' endpoints, so that they answer while every worker thread is busy. */
    private final Executor ops;
    /** The request timers by method, route and status, so the request path builds none. */
    private final Map<String, Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param metrics the registry {@code GET /metrics} shows and HTTP requests are timed into, or null for
     *                neither
     */
    public TaskRoutes(Orchestrator orchestrator, ObjectMapper mapper, long maxBodyBytes,
                      PrometheusMeterRegistry metrics, EventStream events, MemoryGuard memory, Executor ops) {
        this.orchestrator = orchestrator;
        this.memory = memory;
        this.ops = ops;
        this.metrics = metrics;
        this.events = events;
        this.maxBodyBytes = maxBodyBytes;
        this.mapper = mapper;
        this.taskWriter = mapper.writerFor(VenomTask.class).without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);
        this.responses = new Responses(mapper);
        this.parsing = new RequestParsing(mapper);
    }

    /** Answers 503 {@code {"detail": "Server is shutting down"}}: for requests that arrive while draining. */
    public void shuttingDown(HttpServerExchange exchange) {
        responses.detail(exchange, 503, "Server is shutting down");
    }

    /** Every route, with JSON answers for unknown routes (404) and wrong methods (405). */
    public HttpHandler handler() {
        HttpHandler notFound = exchange -> responses.detail(exchange, 404, "Not Found");
        HttpHandler wrongMethod = exchange -> responses.detail(exchange, 405, "Method Not Allowed");
        RoutingHandler routes = Handlers.routing()
                .post("/api/v1/tasks", guarded(this::create))
                .get("/api/v1/tasks", onWorker(this::list))
                .get("/api/v1/tasks/{task_id}", onWorker(this::get))
                .post("/api/v1/tasks/{task_id}/cancel", onWorker(this::cancel))
                .get("/healthz", guarded(this::health))
                .get("/readyz", onOps(this::ready))
                .get("/api/v1/stats", onOps(this::stats))
                .get("/openapi.json", guarded(pages::openApi))
                .get("/docs", guarded(pages::docs))
                .get("/docs/", guarded(pages::docs))
                .get("/docs/index.html", guarded(pages::docs)) // the webjar's own page shows a demo API
                .get("/", guarded(pages::dashboard))
                .setFallbackHandler(Handlers.path(notFound)
                        .addPrefixPath("/docs/", StaticPages.swaggerUi(notFound, wrongMethod))
                        .addPrefixPath("/ui/", StaticPages.dashboardAssets(notFound, wrongMethod)))
                .setInvalidMethodHandler(wrongMethod);
        if (events != null) {
            routes.get("/api/v1/tasks/{task_id}/events", onWorker(this::taskEvents));
            routes.get("/api/v1/events", onWorker(this::allEvents));
            routes.get("/api/v1/ws", EventSocket.handler(events, mapper,
                    exchange -> responses.detail(exchange, 400, "Expected a WebSocket handshake")));
        }
        if (metrics == null) {
            return guarded(routes::handleRequest);
        }
        routes.get("/metrics", onOps(this::metrics));
        Guarded inner = guarded(routes::handleRequest);
        return exchange -> {
            long start = System.nanoTime();
            exchange.addExchangeCompleteListener((done, next) -> {
                PathTemplateMatch match = done.getAttachment(PathTemplateMatch.ATTACHMENT_KEY);
                String method = METHODS.contains(done.getRequestMethod().toString())
                        ? done.getRequestMethod().toString() : "OTHER";
                String route = match == null ? "unmatched" : match.getMatchedTemplate();
                int status = done.getStatusCode();
                timers.computeIfAbsent(method + ' ' + route + ' ' + status, key -> Timer.builder("http.server.requests")
                        .description("HTTP requests by route and status")
                        .tag("method", method)
                        .tag("route", route)
                        .tag("status", Integer.toString(status))
                        .register(metrics)).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                next.proceed();
            });
            inner.handleRequest(exchange);
        };
    }

    /**
     * Server-Sent Events of one task until its terminal status; a task that has already ended yields its
     * final state and the stream ends.
     */
    private void taskEvents(HttpServerExchange exchange) throws Exception {
        String raw = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY).getParameters().get("task_id");
        RequestParsing.Parsed<UUID> id = RequestParsing.taskId(raw);
        if (!id.isValid()) {
            responses.invalid(exchange, id.errors());
            return;
        }
        Optional<VenomTask> found = orchestrator.find(id.value());
        if (found.isEmpty()) {
            responses.detail(exchange, 404, "Task " + id.value() + " not found");
            return;
        }
        String lastEventId = exchange.getRequestHeaders().getFirst(LAST_EVENT_ID);
        new ServerSentEventHandler((connection, last) -> {
            connection.setKeepAliveTime(KEEP_ALIVE_MS);
            if (found.get().status().isTerminal() && lastEventId == null) {
                events.sendFinal(EventStream.sse(connection, exchange.getIoThread()), found.get());
                return;
            }
            EventStream.Sink sink = EventStream.sse(connection, exchange.getIoThread());
            AtomicBoolean ended = new AtomicBoolean();
            sink.onClose(() -> ended.set(true));
            events.subscribe(sink, event -> event.taskId().equals(id.value()), last, true);
            // It may have ended between the read above and the subscription: then say so (off the IO thread),
            // unless its own events ended the stream meanwhile. Events reach streams within milliseconds of
            // the change; a final state sent before them would cut them off.
            CompletableFuture.runAsync(() -> {
                if (!ended.get()) {
                    orchestrator.find(id.value())
                            .filter(task -> task.status().isTerminal())
                            .ifPresent(task -> events.sendFinal(sink, task));
                }
            }, CompletableFuture.delayedExecutor(FINAL_STATE_GRACE_MS, TimeUnit.MILLISECONDS));
        }).handleRequest(exchange);
    }

    /** Server-Sent Events of every task, optionally only those in {@code status}. */
    private void allEvents(HttpServerExchange exchange) throws Exception {
        RequestParsing.Parsed<RequestParsing.ListQuery> query = RequestParsing.listQuery(exchange.getQueryParameters());
        if (!query.isValid()) {
            responses.invalid(exchange, query.errors());
            return;
        }
        new ServerSentEventHandler((connection, last) -> {
            connection.setKeepAliveTime(KEEP_ALIVE_MS);
            events.subscribe(EventStream.sse(connection, exchange.getIoThread()), EventStream.statuses(query.value().statuses()), last, false);
        }).handleRequest(exchange);
    }

    /** The Prometheus text exposition of every metric. */
    private void metrics(HttpServerExchange exchange) {
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        exchange.getResponseSender().send(metrics.scrape());
    }

    private void create(HttpServerExchange exchange) {
        long length = exchange.getRequestContentLength();
        if (length > maxBodyBytes) {
            exchange.setPersistent(false); // the unread body would otherwise be taken for the next request
            responses.detail(exchange, 413, tooLarge());
            return;
        }
        long reserved = length >= 0 ? length : maxBodyBytes;
        if (memory.problem().isPresent() || !memory.reserve(reserved)) {
            lowOnMemory(exchange); // Undertow reads the unread body off after the answer, keeping no byte of it
            return;
        }
        exchange.addExchangeCompleteListener((done, next) -> {
            memory.release(reserved);
            next.proceed();
        });
        exchange.getRequestReceiver().setMaxBufferSize((int) Math.min(Integer.MAX_VALUE, maxBodyBytes));
        exchange.getRequestReceiver().receiveFullBytes(
                (ex, body) -> guarded(e -> submit(e, body)).handleRequest(ex), (ex, error) -> {
                    if (error instanceof RequestTooBigException || error instanceof Receiver.RequestToLargeException) {
                        ex.setPersistent(false);
                        responses.detail(ex, 413, tooLarge());
                    } else {
                        log.debug("reading a request body failed: {}", error.toString());
                        responses.detail(ex, 400, "Request body could not be read");
                    }
                });
    }

    /** 503 with {@code Retry-After}: the heap is nearly full, or the bodies in flight take their budget. */
    private void lowOnMemory(HttpServerExchange exchange) {
        exchange.getResponseHeaders().put(Headers.RETRY_AFTER, RETRY_AFTER_SECONDS);
        responses.detail(exchange, 503, "Server is low on memory; try again later");
    }

    private String tooLarge() {
        return "Request body too large; the limit is " + maxBodyBytes + " bytes";
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
            responses.invalid(exchange, errors);
            return;
        }
        // A copy times out, not the engine's own future: what the engine chains on it still runs.
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> orchestrator.submit(request.value(), keyHeader)
                .copy().orTimeout(CREATE_DEADLINE_MS, TimeUnit.MILLISECONDS)
                .whenComplete((submission, error) -> exchange.getIoThread().execute(guarded(ex -> {
                    if (error == null) {
                        responses.submitted(ex, submission.created() ? 201 : 200,
                                TaskResponse.of(submission.task()));
                    } else {
                        refuse(ex, error);
                    }
                }).asRunnable(exchange))));
    }

    private void refuse(HttpServerExchange exchange, Throwable error) {
        Throwable cause = VenomException.unwrap(error);
        if (cause instanceof TimeoutException) {
            log.debug("create answered 503: the store did not confirm the write within {} ms; the task may still be "
                    + "stored", CREATE_DEADLINE_MS);
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, RETRY_AFTER_SECONDS);
            responses.detail(exchange, 503, "Task could not be stored in time; try again later");
        } else if (cause instanceof StoreException) {
            log.debug("create refused with 503, the store failed: {}", cause.getMessage()); // the store logged it
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, RETRY_AFTER_SECONDS);
            responses.detail(exchange, 503, "Task could not be stored; try again later");
        } else if (cause instanceof TooManyPendingException) {
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, RETRY_AFTER_SECONDS);
            responses.detail(exchange, 503, "Too many pending tasks");
        } else if (cause instanceof IdempotencyConflictException conflict) {
            responses.detail(exchange, 409, "Idempotency-Key was already used with a different request (task "
                    + conflict.existing().id() + ")");
        } else if (cause instanceof IllegalArgumentException) {
            responses.detail(exchange, 400, "Task could not be stored: " + cause.getMessage());
        } else if (cause instanceof EngineClosedException) {
            responses.detail(exchange, 503, "Server is shutting down");
        } else if (cause instanceof OutOfMemoryError) {
            log.error("creating a task ran out of memory: {}", cause.toString());
            lowOnMemory(exchange);
        } else {
            log.error("creating a task failed", cause);
            responses.internalError(exchange);
        }
    }

    private void cancel(HttpServerExchange exchange) {
        String raw = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY).getParameters().get("task_id");
        RequestParsing.Parsed<UUID> id = RequestParsing.taskId(raw);
        if (!id.isValid()) {
            responses.invalid(exchange, id.errors());
            return;
        }
        Optional<VenomTask> cancelled;
        try {
            cancelled = orchestrator.cancel(id.value()).join();
        } catch (CompletionException e) {
            Throwable cause = VenomException.unwrap(e);
            if (cause instanceof TaskEndedException ended) {
                responses.detail(exchange, 409, "Task " + id.value() + " has already ended: "
                        + ended.task().status());
            } else if (cause instanceof StoreException) {
                responses.detail(exchange, 503, "Task could not be cancelled; try again later");
            } else {
                throw e;
            }
            return;
        }
        cancelled.ifPresentOrElse(
                task -> responses.json(exchange, 200, task),
                () -> responses.detail(exchange, 404, "Task " + id.value() + " not found"));
    }

    private void get(HttpServerExchange exchange) {
        String raw = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY).getParameters().get("task_id");
        RequestParsing.Parsed<UUID> id = RequestParsing.taskId(raw);
        if (!id.isValid()) {
            responses.invalid(exchange, id.errors());
            return;
        }
        orchestrator.find(id.value()).ifPresentOrElse(
                task -> responses.json(exchange, 200, task),
                () -> responses.detail(exchange, 404, "Task " + id.value() + " not found"));
    }

    /**
     * With {@code limit}: one page, and a {@code Link: <...>; rel="next"} header while more follow. Without:
     * every matching task from the cursor on, streamed page by page so memory does not grow with the answer.
     */
    private void list(HttpServerExchange exchange) throws IOException {
        RequestParsing.Parsed<RequestParsing.ListQuery> parsed =
                RequestParsing.listQuery(exchange.getQueryParameters());
        if (!parsed.isValid()) {
            responses.invalid(exchange, parsed.errors());
            return;
        }
        RequestParsing.ListQuery asked = parsed.value();
        TaskQuery query = new TaskQuery(asked.statuses(), asked.cursor(), asked.limit().orElse(LIST_PAGE));
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
        return link.append("cursor=").append(URLEncoder.encode(cursor, StandardCharsets.UTF_8)).toString();
    }

    /** {@code {"counts": {"PENDING": n, ...}}}, every status in its declared order. */
    private void stats(HttpServerExchange exchange) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (TaskStatus status : TaskStatus.values()) {
            counts.put(status.name(), orchestrator.count(status));
        }
        responses.json(exchange, 200, Map.of("counts", counts));
    }

    private void health(HttpServerExchange exchange) {
        responses.json(exchange, 200, HEALTHY);
    }

    /**
     * 200 {@code {"status": "ready", "checks": {...}}} while new tasks are accepted and the store takes
     * writes; otherwise 503 with {@code "status": "unavailable"} and the failing check's reason.
     */
    private void ready(HttpServerExchange exchange) {
        Map<String, String> checks = new LinkedHashMap<>();
        checks.put("accepting", orchestrator.isAccepting() ? "ok" : "draining");
        checks.put("store", orchestrator.storeProblem().orElse("ok"));
        checks.put("memory", memory.problem().orElse("ok"));
        boolean ready = checks.values().stream().allMatch("ok"::equals);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", ready ? "ready" : "unavailable");
        body.put("checks", checks);
        responses.json(exchange, ready ? 200 : 503, body);
    }

    private static Map<String, String> orderedHealth() {
        Map<String, String> health = new LinkedHashMap<>();
        health.put("status", "ok");
        health.put("component", "venom-core");
        return Collections.unmodifiableMap(health);
    }

    /** A handler that may throw; the adapter turns what it throws into a 500 without internals. */
    @FunctionalInterface
    interface Handler {
        void handle(HttpServerExchange exchange) throws Exception;
    }

    /** A handler whose failures end as 500 {@code {"detail": "Internal server error"}}, logged once. */
    private Guarded guarded(Handler handler) {
        return new Guarded(handler);
    }

    /** On the operators' own threads: readiness, stats and metrics answer while the workers are all busy. */
    private HttpHandler onOps(Handler handler) {
        Guarded guarded = guarded(handler);
        return exchange -> exchange.dispatch(ops, guarded);
    }

    private HttpHandler onWorker(Handler handler) {
        Guarded guarded = guarded(handler);
        return exchange -> {
            if (exchange.isInIoThread()) {
                exchange.dispatch(guarded);
            } else {
                guarded.handleRequest(exchange);
            }
        };
    }

    private final class Guarded implements HttpHandler {
        private final Handler handler;

        Guarded(Handler handler) {
            this.handler = handler;
        }

        @Override
        public void handleRequest(HttpServerExchange exchange) {
            try {
                handler.handle(exchange);
            } catch (Throwable t) {
                Throwable cause = VenomException.unwrap(t);
                if (cause instanceof OutOfMemoryError && !exchange.isResponseStarted()) {
                    log.error("{} {} ran out of memory: {}", exchange.getRequestMethod(), exchange.getRequestPath(),
                            cause.toString());
                    lowOnMemory(exchange);
                    return;
                }
                if (cause instanceof StoreException && !exchange.isResponseStarted()) {
                    log.debug("{} {}: the store is unavailable: {}", exchange.getRequestMethod(),
                            exchange.getRequestPath(), cause.getMessage()); // the engine logs the outage once
                    responses.detail(exchange, 503, "Store unavailable; try again later");
                    return;
                }
                log.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestPath(), t);
                responses.internalError(exchange);
            }
        }

        Runnable asRunnable(HttpServerExchange exchange) {
            return () -> handleRequest(exchange);
        }
    }
}
