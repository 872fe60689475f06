package dev.venom.core.http.internal.auth;

import dev.venom.core.http.internal.Responses;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import java.net.InetSocketAddress;
import java.util.function.LongSupplier;

/**
 * {@code VENOM_RATE_LIMIT}: at most {@code perSecond} requests a second for each key (for each client
 * address on a server without keys), with bursts of as many; one more is answered 429 with
 * {@code Retry-After}. A token bucket per caller; the probes are never limited.
 */
public final class RateLimits implements HttpHandler {

    private static final HttpString RETRY_AFTER = new HttpString("Retry-After");

    private final TokenBuckets buckets;
    private final Responses responses;
    private final HttpHandler next;

    public RateLimits(int perSecond, LongSupplier nanoTime, Responses responses, HttpHandler next) {
        this.buckets = new TokenBuckets(perSecond, nanoTime);
        this.responses = responses;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String path = exchange.getRequestPath();
        if (path.equals("/healthz") || path.equals("/readyz")) {
            next.handleRequest(exchange);
            return;
        }
        ApiKey key = exchange.getAttachment(AuthHandler.KEY);
        String caller = key != null ? "key " + key.name() : "address " + address(exchange);
        long wait = buckets.take(caller);
        if (wait > 0) {
            long seconds = Math.max(1, (wait + 999_999_999L) / 1_000_000_000L);
            exchange.getResponseHeaders().put(RETRY_AFTER, Long.toString(seconds));
            responses.detail(exchange, 429, "Too many requests: " + (key != null ? "key '" + key.name() + "'"
                    : "this address") + " may make " + buckets.perSecond() + " a second; retry after " + seconds + " s");
            return;
        }
        next.handleRequest(exchange);
    }

    private static String address(HttpServerExchange exchange) {
        InetSocketAddress source = exchange.getSourceAddress();
        return source == null ? "unknown" : source.getAddress().getHostAddress();
    }
}
