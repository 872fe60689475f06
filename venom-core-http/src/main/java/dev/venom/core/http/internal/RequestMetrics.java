package dev.venom.core.http.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.PathTemplateMatch;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** The first handler of the chain: times every request into {@code http.server.requests} by route and status. */
final class RequestMetrics implements HttpHandler {

    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");

    private final MeterRegistry registry;
    private final HttpHandler next;
    /** The timers by method, route and status, so the request path builds none. */
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    RequestMetrics(MeterRegistry registry, HttpHandler next) {
        this.registry = registry;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        long start = System.nanoTime();
        exchange.addExchangeCompleteListener((done, proceed) -> {
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
                    .register(registry)).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            proceed.proceed();
        });
        next.handleRequest(exchange);
    }
}
