package dev.venom.core.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.venom.core.engine.AttemptNotCurrentException;
import dev.venom.core.engine.Claim;
import dev.venom.core.engine.Heartbeat;
import dev.venom.core.engine.NoSuchTaskException;
import dev.venom.core.engine.RemoteWork;
import dev.venom.core.engine.StoreException;
import dev.venom.core.engine.VenomException;
import dev.venom.core.engine.WorkRequest;
import dev.venom.core.engine.WorkerInfo;
import dev.venom.core.http.internal.ExceptionMapping.Action;
import dev.venom.core.model.Timestamps;
import dev.venom.core.model.VenomTask;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.io.IoCallback;
import io.undertow.io.Sender;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.server.protocol.http.HttpServerConnection;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import io.undertow.util.SameThreadExecutor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The remote workers' routes ({@link RemoteWork}): a claim that long-polls without holding a thread, and the
 * calls of each attempt (heartbeat, log, complete, fail, release), fenced by the attempt in their path. A
 * claim's answer that cannot be delivered (the worker's connection closed) gives its tasks back at once.
 */
final class WorkerRoutes {

    private static final Logger log = LoggerFactory.getLogger(WorkerRoutes.class);

    private static final String ATTEMPT = "/api/v1/tasks/{task_id}/attempts/{attempt}";

    private final RemoteWork remote;
    private final ObjectMapper mapper;
    private final Responses responses;
    private final RouteHandlers handlers;
    private final RequestParsing parsing;
    private final RequestBodies bodies;
    private final WorkerMetrics metrics;

    WorkerRoutes(RemoteWork remote, ObjectMapper mapper, Responses responses, RouteHandlers handlers,
                 RequestBodies bodies, WorkerMetrics metrics) {
        this.remote = remote;
        this.mapper = mapper;
        this.responses = responses;
        this.handlers = handlers;
        this.parsing = new RequestParsing(mapper);
        this.bodies = bodies;
        this.metrics = metrics;
    }

    void register(Routes routes) {
        routes.post("/api/v1/workers/claim", handlers.io(Action.REPORT, this::claim))
                .post("/api/v1/workers/report", handlers.io(Action.REPORT, this::report))
                .get("/api/v1/workers", handlers.worker(Action.READ, this::list))
                .post(ATTEMPT + "/heartbeat", attemptCall(this::heartbeat))
                .post(ATTEMPT + "/log", attemptCall(this::log))
                .post(ATTEMPT + "/complete", attemptCall(this::complete))
                .post(ATTEMPT + "/fail", attemptCall(this::fail))
                .post(ATTEMPT + "/release", attemptCall(this::release));
    }

    /** One call of an attempt: its body read without blocking, then the store's work on a worker thread. */
    private HttpHandler attemptCall(AttemptCall call) {
        return handlers.io(Action.REPORT, exchange -> {
            UUID id = RequestParsing.taskId(exchange);
            int attempt = WorkerRequests.attempt(exchange);
            bodies.read(exchange, Action.REPORT, (ex, body) -> {
                JsonNode root = object(body);
                ex.dispatch(() -> handlers.run(ex, Action.REPORT, e -> {
                    try {
                        call.handle(e, id, attempt, root);
                    } catch (AttemptNotCurrentException fenced) {
                        metrics.fenced(root.path("worker_id").asText("unknown"));
                        throw fenced;
                    }
                }));
            });
        });
    }

    @FunctionalInterface
    private interface AttemptCall {
        void handle(HttpServerExchange exchange, UUID id, int attempt, JsonNode body) throws Exception;
    }

    private JsonNode object(byte[] body) {
        RequestParsing.Parsed<JsonNode> root = parsing.jsonObject(body);
        if (!root.isValid()) {
            throw new InvalidRequestException(root.errors());
        }
        return root.value();
    }

    private void claim(HttpServerExchange exchange) {
        bodies.read(exchange, Action.REPORT, (ex, body) -> {
            WorkRequest request = WorkerRequests.claim(object(body));
            CompletableFuture<List<Claim>> claimed;
            try {
                claimed = remote.claim(request);
            } catch (IllegalArgumentException notRemote) {
                throw new InvalidRequestException(List.of(new ValidationError("value_error", List.of("body", "queues"),
                        "Value error, " + notRemote.getMessage(), mapper.valueToTree(request.queues()))));
            }
            metrics.claim(request.workerId());
            waitingClaim(ex).set(claimed);
            claimed.whenComplete((done, error) -> waitingClaim(ex).compareAndSet(claimed, null));
            ex.dispatch(SameThreadExecutor.INSTANCE, () -> claimed.whenComplete((claims, error) -> {
                Runnable answer = () -> answerClaim(ex, claimed, request, claims, error);
                if (error == null && claims.stream().anyMatch(c -> !c.task().dependsOn().isEmpty())) {
                    try {
                        ex.getConnection().getWorker().execute(answer); // it reads the store: off this thread
                    } catch (RejectedExecutionException stopping) {
                        answer.run();
                    }
                } else {
                    answer.run();
                }
            }));
        });
    }

    /**
     * The outcomes of several attempts in one call, each applied as its own complete or fail would be (the
     * store's writes of them go to disk together), each answered with its own status: 200, 409 for an attempt
     * no longer current, 404 for an unknown task, 503 if the store failed.
     */
    private void report(HttpServerExchange exchange) {
        bodies.read(exchange, Action.REPORT, (ex, body) -> {
            WorkerRequests.Report report = WorkerRequests.report(object(body));
            Executor workers = ex.getConnection().getWorker();
            List<CompletableFuture<Map<String, Object>>> applied = new ArrayList<>();
            for (WorkerRequests.Outcome outcome : report.outcomes()) {
                applied.add(CompletableFuture.supplyAsync(() -> apply(report.workerId(), outcome), workers));
            }
            ex.dispatch(SameThreadExecutor.INSTANCE, () -> CompletableFuture.allOf(
                    applied.toArray(CompletableFuture[]::new)).whenComplete((done, error) ->
                    ex.getIoThread().execute(() -> handlers.run(ex, Action.REPORT, e -> {
                        List<Map<String, Object>> answers = new ArrayList<>(applied.size());
                        applied.forEach(one -> answers.add(one.join()));
                        responses.json(e, 200, Map.of("outcomes", answers));
                    }))));
        });
    }

    private Map<String, Object> apply(String workerId, WorkerRequests.Outcome outcome) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("task_id", outcome.taskId());
        answer.put("attempt", outcome.attempt());
        try {
            if (outcome.error() == null) {
                remote.complete(outcome.taskId(), outcome.attempt(), workerId, outcome.result());
            } else {
                remote.fail(outcome.taskId(), outcome.attempt(), workerId, outcome.error(), outcome.retryable(),
                        outcome.retryAfter());
            }
            answer.put("status", 200);
        } catch (AttemptNotCurrentException fenced) {
            metrics.fenced(workerId == null ? "unknown" : workerId);
            answer.put("status", 409);
            answer.put("detail", fenced.getMessage());
        } catch (NoSuchTaskException unknown) {
            answer.put("status", 404);
            answer.put("detail", unknown.getMessage());
        } catch (RuntimeException failed) {
            Throwable cause = VenomException.unwrap(failed);
            if (cause instanceof StoreException) {
                answer.put("status", 503);
                answer.put("detail", "Attempt could not be recorded; try again later");
            } else {
                log.error("task {}: the outcome of attempt {} could not be recorded", outcome.taskId(),
                        outcome.attempt(), cause);
                answer.put("status", 500); // the others of the report stand
                answer.put("detail", "Internal server error");
            }
        }
        return answer;
    }

    /** The claim waiting on a connection: one close listener per connection withdraws it if the worker leaves. */
    private static final AttachmentKey<AtomicReference<
            CompletableFuture<List<Claim>>>> WAITING_CLAIM = AttachmentKey.create(
            AtomicReference.class);

    private static AtomicReference<CompletableFuture<List<Claim>>> waitingClaim(
            HttpServerExchange exchange) {
        ServerConnection connection = exchange.getConnection();
        synchronized (connection) {
            var waiting = connection.getAttachment(WAITING_CLAIM);
            if (waiting == null) {
                var created = new AtomicReference<CompletableFuture<List<Claim>>>();
                connection.putAttachment(WAITING_CLAIM, created);
                connection.addCloseListener(closed -> {
                    CompletableFuture<List<Claim>> claim = created.getAndSet(null);
                    if (claim != null) {
                        claim.cancel(false); // the worker went away while its claim waited
                    }
                });
                waiting = created;
            }
            return waiting;
        }
    }

    /**
     * Answers a claim once it is done: its tasks, with what their dependencies returned; if those cannot be
     * read, the tasks go back and the answer is the store's failure.
     */
    private void answerClaim(HttpServerExchange ex, CompletableFuture<List<Claim>> claimed, WorkRequest request,
                             List<Claim> claims, Throwable error) {
        Map<UUID, Map<UUID, String>> results = Map.of();
        Throwable failed = error;
        if (error == null) {
            try {
                results = dependencyResults(claims);
            } catch (RuntimeException e) {
                remote.giveBack(claims);
                failed = e;
            }
        }
        Map<UUID, Map<UUID, String>> read = results;
        Throwable failure = failed;
        ex.getIoThread().execute(() -> handlers.run(ex, Action.REPORT, e -> {
            if (failure != null) {
                if (claimed.isCancelled()) {
                    e.endExchange();
                    return;
                }
                throw failure instanceof Exception exception ? exception : new RuntimeException(failure);
            }
            metrics.claimed(request.workerId(), claims.size());
            deliver(e, claims, read);
        }));
    }

    /** What the dependencies of each claimed task that has any returned, by task id. */
    private Map<UUID, Map<UUID, String>> dependencyResults(List<Claim> claims) {
        Map<UUID, Map<UUID, String>> results = new HashMap<>();
        for (Claim claim : claims) {
            if (!claim.task().dependsOn().isEmpty()) {
                results.put(claim.task().id(), remote.dependencyResults(claim.task()));
            }
        }
        return results;
    }

    /** Sends the claims; if they cannot reach the worker, its tasks go back to wait for another. */
    private void deliver(HttpServerExchange exchange, List<Claim> claims, Map<UUID, Map<UUID, String>> results)
            throws IOException {
        if (!claims.isEmpty() && hungUp(exchange)) {
            exchange.getConnection().getWorker().execute(() -> remote.giveBack(claims));
            exchange.endExchange();
            return;
        }
        List<Map<String, Object>> body = new ArrayList<>(claims.size());
        for (Claim claim : claims) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("task", claim.task());
            entry.put("attempt", claim.task().attempts());
            entry.put("dependency_results", results.getOrDefault(claim.task().id(), Map.of()));
            entry.put("lease_expires_at", Timestamps.format(claim.leaseExpiresAt()));
            body.add(entry);
        }
        byte[] bytes = mapper.writeValueAsBytes(body);
        exchange.setStatusCode(200);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, bytes.length);
        exchange.getResponseSender().send(ByteBuffer.wrap(bytes), new IoCallback() {
            @Override
            public void onComplete(HttpServerExchange ex, Sender sender) {
                IoCallback.END_EXCHANGE.onComplete(ex, sender);
            }

            @Override
            public void onException(HttpServerExchange ex, Sender sender, IOException failure) {
                if (!claims.isEmpty()) {
                    ex.getConnection().getWorker().execute(() -> remote.giveBack(claims));
                }
                IoCallback.END_EXCHANGE.onException(ex, sender, failure);
            }
        });
    }

    /**
     * True if the worker closed its side of the connection while its claim waited. HTTP/1.1 reads nothing during
     * an exchange, so a hang-up is not seen by itself, and a write into it may still succeed: one read of the
     * socket tells (bytes read, a request sent ahead, are put back for the connection's next request).
     */
    private static boolean hungUp(HttpServerExchange exchange) {
        if (!(exchange.getConnection() instanceof HttpServerConnection http)) {
            return !exchange.getConnection().isOpen(); // HTTP/2 reads all along, and knows
        }
        if (http.getExtraBytes() != null) {
            return false; // it sent more after its claim: it is there
        }
        PooledByteBuffer pooled = http.getByteBufferPool().allocate();
        try {
            int read = http.getOriginalSourceConduit().read(pooled.getBuffer());
            if (read > 0) {
                pooled.getBuffer().flip();
                http.ungetRequestBytes(pooled);
                pooled = null;
            }
            return read < 0;
        } catch (IOException reset) {
            return true;
        } finally {
            if (pooled != null) {
                pooled.close();
            }
        }
    }

    private void heartbeat(HttpServerExchange exchange, UUID id, int attempt, JsonNode body) {
        WorkerRequests.Beat beat = WorkerRequests.heartbeat(body);
        Heartbeat answer = remote.heartbeat(id, attempt, beat.workerId(), beat.progress());
        metrics.heartbeat(beat.workerId() == null ? "unknown" : beat.workerId());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("lease_expires_at", answer.leaseExpiresAt() == null ? null
                : Timestamps.format(answer.leaseExpiresAt()));
        json.put("cancel_requested", answer.cancelRequested());
        responses.json(exchange, 200, json);
    }

    private void log(HttpServerExchange exchange, UUID id, int attempt, JsonNode body) {
        List<String> lines = WorkerRequests.lines(body);
        remote.log(id, attempt, WorkerRequests.workerIdOnly(body), lines);
        responses.json(exchange, 200, Map.of("logged", lines.size()));
    }

    private void complete(HttpServerExchange exchange, UUID id, int attempt, JsonNode body) {
        String result = WorkerRequests.result(body);
        responses.json(exchange, 200, remote.complete(id, attempt, WorkerRequests.workerIdOnly(body), result));
    }

    private void fail(HttpServerExchange exchange, UUID id, int attempt, JsonNode body) {
        WorkerRequests.Failure failure = WorkerRequests.failure(body);
        VenomTask after = remote.fail(id, attempt, failure.workerId(), failure.error(), failure.retryable(),
                failure.retryAfter());
        responses.json(exchange, 200, after);
    }

    private void release(HttpServerExchange exchange, UUID id, int attempt, JsonNode body) {
        responses.json(exchange, 200, remote.release(id, attempt, WorkerRequests.workerIdOnly(body)));
    }

    /** {@code {"workers": [...]}}: each worker heard from in the last minutes. */
    private void list(HttpServerExchange exchange) {
        List<Map<String, Object>> workers = new ArrayList<>();
        for (WorkerInfo worker : remote.workers()) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("worker_id", worker.workerId());
            json.put("labels", worker.labels());
            json.put("queues", worker.queues());
            json.put("last_seen", Timestamps.format(worker.lastSeen()));
            json.put("in_flight", worker.inFlight());
            json.put("completed", worker.completed());
            json.put("failed", worker.failed());
            workers.add(json);
        }
        responses.json(exchange, 200, Map.of("workers", workers));
    }
}
