package dev.venom.core.http.internal;

import dev.venom.core.engine.Orchestrator;
import dev.venom.core.http.internal.ExceptionMapping.Action;
import dev.venom.core.model.TaskStatus;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The operators' routes: liveness, readiness, counts and metrics, on threads of their own. */
final class OpsRoutes {

    private static final Map<String, String> HEALTHY = orderedHealth();

    private final Orchestrator orchestrator;
    private final Responses responses;
    private final RouteHandlers handlers;
    private final MemoryGuard memory;
    private final PrometheusMeterRegistry metrics;

    /** @param metrics the registry {@code GET /metrics} shows, or null for no such route */
    OpsRoutes(Orchestrator orchestrator, Responses responses, RouteHandlers handlers, MemoryGuard memory,
              PrometheusMeterRegistry metrics) {
        this.orchestrator = orchestrator;
        this.responses = responses;
        this.handlers = handlers;
        this.memory = memory;
        this.metrics = metrics;
    }

    void register(Routes routes) {
        routes.get("/healthz", handlers.io(Action.READ, this::health))
                .get("/readyz", handlers.ops(this::ready))
                .get("/api/v1/stats", handlers.ops(this::stats));
        if (metrics != null) {
            routes.get("/metrics", handlers.ops(this::metrics));
        }
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

    /** {@code {"counts": {"PENDING": n, ...}}}, every status in its declared order. */
    private void stats(HttpServerExchange exchange) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (TaskStatus status : TaskStatus.values()) {
            counts.put(status.name(), orchestrator.count(status));
        }
        responses.json(exchange, 200, Map.of("counts", counts));
    }

    /** The Prometheus text exposition of every metric. */
    private void metrics(HttpServerExchange exchange) {
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        exchange.getResponseSender().send(metrics.scrape());
    }

    private static Map<String, String> orderedHealth() {
        Map<String, String> health = new LinkedHashMap<>();
        health.put("status", "ok");
        health.put("component", "venom-core");
        return Collections.unmodifiableMap(health);
    }
}
