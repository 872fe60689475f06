package dev.venom.core.http.internal;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.util.Headers;
import io.undertow.util.PathTemplateMatcher;
import java.util.HashSet;
import java.util.Set;

/**
 * The API's routes, which also answer a path with one trailing slash too many as FastAPI does: 307
 * Temporary Redirect to the same path without it (query kept), when that path is a route. Clients that
 * follow redirects get what the original gave them; a route whose own template ends in a slash is served.
 */
final class Routes implements HttpHandler {

    private final RoutingHandler routing;
    private final PathTemplateMatcher<Boolean> templates = new PathTemplateMatcher<>();
    private final Set<String> known = new HashSet<>();

    Routes(RoutingHandler routing) {
        this.routing = routing;
    }

    Routes get(String template, HttpHandler handler) {
        routing.get(template, handler);
        return remember(template);
    }

    Routes post(String template, HttpHandler handler) {
        routing.post(template, handler);
        return remember(template);
    }

    Routes delete(String template, HttpHandler handler) {
        routing.delete(template, handler);
        return remember(template);
    }

    private Routes remember(String template) {
        if (known.add(template)) {
            templates.add(template, Boolean.TRUE);
        }
        return this;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String path = exchange.getRequestPath();
        if (path.length() > 1 && path.endsWith("/") && !known.contains(path)
                && templates.match(path.substring(0, path.length() - 1)) != null) {
            redirectWithoutSlash(exchange);
            return;
        }
        routing.handleRequest(exchange);
    }

    private static void redirectWithoutSlash(HttpServerExchange exchange) {
        String raw = exchange.getRequestURI();
        String target = raw.substring(0, raw.length() - 1);
        if (!target.startsWith("http://") && !target.startsWith("https://")) {
            target = exchange.getRequestScheme() + "://" + exchange.getHostAndPort() + target;
        }
        String query = exchange.getQueryString();
        exchange.setStatusCode(307);
        exchange.getResponseHeaders().put(Headers.LOCATION, query.isEmpty() ? target : target + "?" + query);
        exchange.endExchange();
    }
}
