package dev.venom.core.http.internal;

import dev.venom.core.engine.EmergencyStop;
import dev.venom.core.engine.Orchestrator;
import dev.venom.core.engine.QueueInfo;
import dev.venom.core.engine.Queues;
import dev.venom.core.engine.TaskEndedException;
import dev.venom.core.http.internal.ExceptionMapping.Action;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.PathTemplateMatch;
import io.undertow.util.SameThreadExecutor;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * The operators' queue routes: the original service's {@code /api/v1/queue/...} (status, pause, resume, purge,
 * emergency stop, abort of one running task) with its exact answer shapes, acting on every queue; and the
 * queue-aware {@code /api/v1/queues/...}. Purges and the emergency stop answer when done, holding no thread
 * while they run.
 */
final class QueueRoutes {

    private final Orchestrator orchestrator;
    private final Responses responses;
    private final RouteHandlers handlers;

    QueueRoutes(Orchestrator orchestrator, Responses responses, RouteHandlers handlers) {
        this.orchestrator = orchestrator;
        this.responses = responses;
        this.handlers = handlers;
    }

    void register(Routes routes) {
        routes.get("/api/v1/queue/status", handlers.ops(this::status))
                .post("/api/v1/queue/pause", handlers.io(Action.QUEUE, this::pauseAll))
                .post("/api/v1/queue/resume", handlers.io(Action.QUEUE, this::resumeAll))
                .post("/api/v1/queue/purge", handlers.io(Action.QUEUE, this::purgeAll))
                .post("/api/v1/queue/emergency-stop", handlers.io(Action.QUEUE, this::emergencyStop))
                .post("/api/v1/queue/task/{task_id}/abort", handlers.worker(Action.CANCEL, this::abort))
                .get("/api/v1/queues", handlers.ops(this::list))
                .get("/api/v1/queues/{name}", handlers.ops(this::get))
                .post("/api/v1/queues/{name}/pause", handlers.io(Action.QUEUE, this::pause))
                .post("/api/v1/queues/{name}/resume", handlers.io(Action.QUEUE, this::resume))
                .post("/api/v1/queues/{name}/purge", handlers.io(Action.QUEUE, this::purge));
    }

    private Queues queues() {
        return orchestrator.queues();
    }

    /** {@code {"paused", "pending", "active", "processing", "limit"}}, as the original answered. */
    private void status(HttpServerExchange exchange) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("paused", queues().allPaused());
        body.put("pending", orchestrator.count(TaskStatus.PENDING));
        body.put("active", orchestrator.running());
        body.put("processing", orchestrator.count(TaskStatus.PROCESSING));
        body.put("limit", queues().list().stream().mapToInt(QueueInfo::limit).sum());
        responses.json(exchange, 200, body);
    }

    private void pauseAll(HttpServerExchange exchange) {
        answerWhenDone(exchange, Action.QUEUE, queues().pauseAll(), (ex, done) -> {
            int active = orchestrator.running();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("success", true);
            body.put("paused", true);
            body.put("active_tasks", active);
            body.put("message", "Queue paused; " + active + " active task(s) will finish, no new task starts");
            responses.json(ex, 200, body);
        });
    }

    private void resumeAll(HttpServerExchange exchange) {
        CompletableFuture<Long> pending = queues().resumeAll()
                .thenApplyAsync(done -> orchestrator.count(TaskStatus.PENDING), handlers.opsExecutor());
        answerWhenDone(exchange, Action.QUEUE, pending, (ex, waiting) -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("success", true);
            body.put("paused", false);
            body.put("pending_tasks", waiting);
            body.put("message", "Queue resumed; " + waiting + " pending task(s) will run");
            responses.json(ex, 200, body);
        });
    }

    private void purgeAll(HttpServerExchange exchange) {
        answerWhenDone(exchange, Action.QUEUE, queues().purge(Optional.empty()), (ex, removed) -> {
            int active = orchestrator.running();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("success", true);
            body.put("removed", removed);
            body.put("active_tasks", active);
            body.put("message", "Removed " + removed + " pending task(s); " + active + " active task(s) go on");
            responses.json(ex, 200, body);
        });
    }

    private void emergencyStop(HttpServerExchange exchange) {
        answerWhenDone(exchange, Action.QUEUE, queues().emergencyStop(), (ex, stop) -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("success", true);
            body.put("cancelled", stop.cancelled());
            body.put("purged", stop.purged());
            body.put("paused", true);
            body.put("message", emergencyMessage(stop));
            responses.json(ex, 200, body);
        });
    }

    private static String emergencyMessage(EmergencyStop stop) {
        return "Emergency stop: every queue paused, " + stop.cancelled() + " running task(s) cancelled, "
                + stop.purged() + " pending task(s) purged; resume to start again";
    }

    /** Cancels one PROCESSING task; 404 when the task is unknown or not running, as the original answered. */
    private void abort(HttpServerExchange exchange) {
        UUID id = RequestParsing.taskId(exchange);
        Optional<VenomTask> found = orchestrator.find(id);
        if (found.isEmpty() || found.get().status() != TaskStatus.PROCESSING) {
            notRunning(exchange, id);
            return;
        }
        Optional<VenomTask> cancelled;
        try {
            cancelled = orchestrator.cancel(id).join();
        } catch (RuntimeException e) {
            if (dev.venom.core.engine.VenomException.unwrap(e) instanceof TaskEndedException) {
                notRunning(exchange, id);
                return;
            }
            throw e;
        }
        if (cancelled.isEmpty()) {
            notRunning(exchange, id);
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", true);
        body.put("task_id", id.toString());
        body.put("message", "Task " + id + " aborted");
        responses.json(exchange, 200, body);
    }

    /** The original's answer to an abort of a task it does not run: unknown, or not PROCESSING. */
    private void notRunning(HttpServerExchange exchange, UUID id) {
        responses.detail(exchange, 404, "Task " + id + " not found or not running");
    }

    /** {@code {"paused_all", "queues": [...]}}, each queue as {@link #json(QueueInfo)} writes it. */
    private void list(HttpServerExchange exchange) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("paused_all", queues().allPaused());
        body.put("queues", queues().list().stream().map(this::json).toList());
        responses.json(exchange, 200, body);
    }

    private void get(HttpServerExchange exchange) {
        responses.json(exchange, 200, json(queues().get(queueName(exchange))));
    }

    private void pause(HttpServerExchange exchange) {
        String name = queueName(exchange);
        answerWhenDone(exchange, Action.QUEUE,
                queues().pause(name).thenApplyAsync(done -> queues().get(name), handlers.opsExecutor()),
                (ex, queue) -> responses.json(ex, 200, json(queue)));
    }

    private void resume(HttpServerExchange exchange) {
        String name = queueName(exchange);
        answerWhenDone(exchange, Action.QUEUE,
                queues().resume(name).thenApplyAsync(done -> queues().get(name), handlers.opsExecutor()),
                (ex, queue) -> responses.json(ex, 200, json(queue)));
    }

    private void purge(HttpServerExchange exchange) {
        String name = queueName(exchange);
        answerWhenDone(exchange, Action.QUEUE, queues().purge(Optional.of(name)), (ex, purged) -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("queue", name);
            body.put("purged", purged);
            responses.json(ex, 200, body);
        });
    }

    /**
     * {@code {"name", "paused", "limit", "running", "pending", "processing", "oldest_pending_age_ms"}}: limit
     * and running are this server's; the counts are every server's.
     */
    private Map<String, Object> json(QueueInfo queue) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", queue.name());
        body.put("paused", queue.paused());
        body.put("limit", queue.limit());
        body.put("running", queue.running());
        body.put("pending", queue.pending());
        body.put("processing", queue.processing());
        body.put("oldest_pending_age_ms", queue.oldestPending()
                .map(since -> Math.max(0, Duration.between(since, Instant.now()).toMillis())).orElse(null));
        return body;
    }

    private static String queueName(HttpServerExchange exchange) {
        String name = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY).getParameters().get("name");
        if (!RequestParsing.isQueueName(name)) {
            throw new InvalidRequestException(List.of(new ValidationError("string_pattern_mismatch",
                    List.of("path", "name"), "String should match pattern '" + RequestParsing.QUEUE_PATTERN + "'",
                    name, Map.of("pattern", RequestParsing.QUEUE_PATTERN))));
        }
        return name;
    }

    /** Answers once {@code work} completes, on the IO thread; no thread waits meanwhile. */
    private <T> void answerWhenDone(HttpServerExchange exchange, Action action, CompletableFuture<T> work,
                                    BiConsumer<HttpServerExchange, T> answer) {
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> work.whenComplete((value, error) ->
                exchange.getIoThread().execute(() -> handlers.run(exchange, action, ex -> {
                    if (error != null) {
                        throw error instanceof Exception e ? e : new RuntimeException(error);
                    }
                    answer.accept(ex, value);
                }))));
    }
}
