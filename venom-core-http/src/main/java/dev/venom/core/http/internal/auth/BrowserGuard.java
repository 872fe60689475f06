package dev.venom.core.http.internal.auth;

import dev.venom.core.http.internal.Responses;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import java.util.Locale;
import java.util.Set;

/**
 * What keeps a browser from being used against the server, with or without API keys: a request for a
 * {@code Host} the server does not answer for is refused (421: DNS rebinding); a request that changes
 * something, or opens a WebSocket, from a page of another origin is refused (403), unless that origin is allowed
 * ({@code VENOM_CORS_ORIGINS}), which alone gets CORS headers; every answer forbids framing and sniffing, and
 * the pages carry a Content-Security-Policy that runs only the server's own scripts.
 */
public final class BrowserGuard implements HttpHandler {

    private static final HttpString CSP = new HttpString("Content-Security-Policy");
    private static final HttpString NOSNIFF = new HttpString("X-Content-Type-Options");
    private static final HttpString REFERRER = new HttpString("Referrer-Policy");
    private static final HttpString FRAME = new HttpString("X-Frame-Options");
    private static final HttpString ORIGIN = new HttpString("Origin");
    private static final HttpString FETCH_SITE = new HttpString("Sec-Fetch-Site");
    private static final HttpString ALLOW_ORIGIN = new HttpString("Access-Control-Allow-Origin");
    private static final HttpString ALLOW_HEADERS = new HttpString("Access-Control-Allow-Headers");
    private static final HttpString ALLOW_METHODS = new HttpString("Access-Control-Allow-Methods");
    private static final HttpString EXPOSE_HEADERS = new HttpString("Access-Control-Expose-Headers");
    private static final HttpString MAX_AGE = new HttpString("Access-Control-Max-Age");
    private static final HttpString REQUEST_METHOD = new HttpString("Access-Control-Request-Method");
    private static final HttpString VARY = new HttpString("Vary");
    private static final HttpString UPGRADE = new HttpString("Upgrade");
    /** The dashboard: its own scripts, styles and API only. */
    static final String DASHBOARD_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
    /** Swagger UI sets inline styles as it renders. */
    static final String DOCS_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
    /** Everything else is data, never a page. */
    static final String API_POLICY = "default-src 'none'; frame-ancestors 'none'";

    private final Set<String> hosts;
    private final Set<String> origins;
    private final Responses responses;
    private final HttpHandler next;

    /**
     * @param hosts   the host names (lower case, no port) requests may name; empty for any
     * @param origins the origins (scheme://host[:port]) whose pages may use the API
     */
    public BrowserGuard(Set<String> hosts, Set<String> origins, Responses responses, HttpHandler next) {
        this.hosts = Set.copyOf(hosts);
        this.origins = Set.copyOf(origins);
        this.responses = responses;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        HeaderMap answer = exchange.getResponseHeaders();
        answer.put(NOSNIFF, "nosniff");
        answer.put(REFERRER, "no-referrer");
        answer.put(FRAME, "DENY");
        answer.put(CSP, policy(exchange.getRequestPath()));
        String host = hostName(exchange);
        if (!hosts.isEmpty() && !hosts.contains(host)) {
            responses.detail(exchange, 421, "Host '" + host + "' is not served here (VENOM_ALLOWED_HOSTS)");
            return;
        }
        String origin = exchange.getRequestHeaders().getFirst(ORIGIN);
        boolean allowed = origin != null && origins.contains(origin);
        if (allowed) {
            answer.put(ALLOW_ORIGIN, origin);
            answer.add(VARY, "Origin");
            answer.put(EXPOSE_HEADERS, "Link, Location, Retry-After");
        }
        if (Methods.OPTIONS.equals(exchange.getRequestMethod()) && origin != null
                && exchange.getRequestHeaders().contains(REQUEST_METHOD)) {
            preflight(exchange, origin, allowed);
            return;
        }
        if ((changes(exchange) || webSocket(exchange)) && !allowed && crossSite(exchange, origin)) {
            responses.detail(exchange, 403, "Cross-site request refused: origin " + (origin == null ? "of another site"
                    : origin) + " may not change anything here (VENOM_CORS_ORIGINS)");
            return;
        }
        next.handleRequest(exchange);
    }

    private void preflight(HttpServerExchange exchange, String origin, boolean allowed) {
        if (!allowed) {
            responses.detail(exchange, 403, "Cross-origin request refused: origin " + origin + " is not allowed "
                    + "(VENOM_CORS_ORIGINS)");
            return;
        }
        HeaderMap answer = exchange.getResponseHeaders();
        answer.put(ALLOW_METHODS, "GET, POST");
        answer.put(ALLOW_HEADERS, "Authorization, Content-Type, Idempotency-Key, Last-Event-ID");
        answer.put(MAX_AGE, "600");
        exchange.setStatusCode(204);
        exchange.endExchange();
    }

    /** A WebSocket handshake: a GET, but CORS does not protect what it then reads. */
    private static boolean webSocket(HttpServerExchange exchange) {
        return "websocket".equalsIgnoreCase(exchange.getRequestHeaders().getFirst(UPGRADE));
    }

    private static boolean changes(HttpServerExchange exchange) {
        HttpString method = exchange.getRequestMethod();
        return !(Methods.GET.equals(method) || Methods.HEAD.equals(method) || Methods.OPTIONS.equals(method));
    }

    /** An origin other than the server's own, or a browser that says the request is cross-site. */
    private static boolean crossSite(HttpServerExchange exchange, String origin) {
        if (origin != null) {
            return !origin.equalsIgnoreCase(exchange.getRequestScheme() + "://" + exchange.getHostAndPort());
        }
        return "cross-site".equals(exchange.getRequestHeaders().getFirst(FETCH_SITE));
    }

    private static String hostName(HttpServerExchange exchange) {
        String host = exchange.getHostName().toLowerCase(Locale.ROOT);
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static String policy(String path) {
        if (path.equals("/")) {
            return DASHBOARD_POLICY;
        }
        if (path.equals("/docs") || path.startsWith("/docs/")) {
            return DOCS_POLICY;
        }
        return API_POLICY;
    }
}
