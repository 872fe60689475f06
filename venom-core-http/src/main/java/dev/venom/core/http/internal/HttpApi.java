package dev.venom.core.http.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.venom.core.engine.Orchestrator;
import dev.venom.core.http.internal.ExceptionMapping.Action;
import dev.venom.core.http.internal.audit.AuditHandler;
import dev.venom.core.http.internal.audit.AuditRoutes;
import dev.venom.core.http.internal.auth.AuthHandler;
import dev.venom.core.http.internal.auth.BrowserGuard;
import dev.venom.core.http.internal.auth.Exposure;
import dev.venom.core.http.internal.auth.RateLimits;
import dev.venom.core.model.TaskLog;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import java.time.Clock;
import java.util.concurrent.Executor;

/**
 * The API's handler chain: request metrics, then the size limits, then the audit trail's recording, then
 * the browser guard (hosts, cross-site requests, CORS,
 * security headers), then authentication (when the server has API keys), then the rate limit (when set), then the exception mapping, then the routes grouped by concern (tasks, events, ops, static pages), with JSON
 * answers for unknown routes (404) and wrong methods (405), and FastAPI's redirect for a trailing slash.
 */
public final class HttpApi {

    private final Responses responses;
    private final HttpHandler handler;

    /**
     * @param metrics the registry {@code GET /metrics} shows and requests are timed into, or null for neither
     * @param events  the live event streams, or null for no event routes
     * @param ops      runs the operators' routes, so that they answer while every worker thread is busy
     * @param language the language of the error details the original service wrote in Polish
     * @param exposure the keys requests must carry, the hosts they may name, the origins that may use it
     */
    public HttpApi(Orchestrator orchestrator, ObjectMapper mapper, long maxBodyBytes, PrometheusMeterRegistry metrics,
                   EventStream events, MemoryGuard memory, Executor ops, TaskLog language, Exposure exposure) {
        this.responses = new Responses(mapper);
        ExceptionMapping errors = new ExceptionMapping(responses, language);
        RouteHandlers handlers = new RouteHandlers(errors, ops);
        HttpHandler notFound = exchange -> responses.detail(exchange, 404, "Not Found");
        HttpHandler wrongMethod = exchange -> responses.detail(exchange, 405, "Method Not Allowed");
        RoutingHandler routing = Handlers.routing()
                .setFallbackHandler(Handlers.path(notFound)
                        .addPrefixPath("/docs/", StaticPages.swaggerUi(notFound, wrongMethod))
                        .addPrefixPath("/ui/", StaticPages.dashboardAssets(notFound, wrongMethod)))
                .setInvalidMethodHandler(wrongMethod);
        Routes routes = new Routes(routing);
        new TaskRoutes(orchestrator, mapper, responses, handlers, memory, maxBodyBytes).register(routes);
        if (events != null) {
            new EventRoutes(orchestrator, events, mapper, responses, handlers, exposure.streams()).register(routes);
        }
        new OpsRoutes(orchestrator, responses, handlers, memory, metrics).register(routes);
        new QueueRoutes(orchestrator, responses, handlers).register(routes);
        new ScheduleRoutes(orchestrator, new RequestParsing(mapper), new RequestBodies(responses, handlers, memory,
                maxBodyBytes), responses, handlers).register(routes);
        new WorkerRoutes(orchestrator.remoteWork(), mapper, responses, handlers,
                new RequestBodies(responses, handlers, memory, maxBodyBytes), new WorkerMetrics(metrics))
                .register(routes);
        new StaticPages().register(routes, handlers);
        if (exposure.audit() != null) {
            routes.get("/api/v1/audit", handlers.worker(Action.READ,
                    new AuditRoutes(exposure.audit(), responses).handler()));
        }
        HttpHandler mapped = handlers.io(Action.READ, routes::handleRequest);
        HttpHandler rated = exposure.rateLimit() == 0 ? mapped
                : new RateLimits(exposure.rateLimit(), System::nanoTime, responses, mapped);
        HttpHandler authenticated = exposure.keys() == null ? rated
                : new AuthHandler(exposure.keys(), exposure.access(), responses, rated);
        HttpHandler guarded = new BrowserGuard(exposure.hosts(), exposure.origins(), responses, authenticated);
        HttpHandler audited = exposure.audit() == null ? guarded
                : new AuditHandler(exposure.audit(), orchestrator.nodeId(), Clock.systemUTC(), guarded);
        HttpHandler limited = new RequestLimits(responses, audited);
        this.handler = metrics == null ? limited : new RequestMetrics(metrics, limited);
    }

    /** The head of the chain. */
    public HttpHandler handler() {
        return handler;
    }

    /** Answers 503 {@code {"detail": "Server is shutting down"}}: for requests that arrive while draining. */
    public void shuttingDown(HttpServerExchange exchange) {
        responses.detail(exchange, 503, "Server is shutting down");
    }
}
