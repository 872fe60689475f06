package dev.venom.core.http.internal;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;

/**
 * Sizes a request may not exceed, answered in JSON before anything else looks at it: a target (path and
 * query) over {@link #MAX_TARGET_BYTES} gets 414, headers over {@link #MAX_HEADER_BYTES} together get 431,
 * a {@code Transfer-Encoding} other than {@code chunked} gets 400 and the connection closes.
 * Requests larger still than the listener reads ({@link #PARSER_LIMIT_BYTES}) are refused by the parser with
 * a JSON 400 ({@link RefusedRequestAnswer}).
 */
public final class RequestLimits implements HttpHandler {

    /** The longest request target (path and query). */
    public static final int MAX_TARGET_BYTES = 8 * 1024;
    /** The most header bytes (names and values) a request may carry. */
    public static final int MAX_HEADER_BYTES = 16 * 1024;
    /** What the listener reads of a request's head at most. */
    public static final int PARSER_LIMIT_BYTES = 64 * 1024;

    private final Responses responses;
    private final HttpHandler next;

    public RequestLimits(Responses responses, HttpHandler next) {
        this.responses = responses;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        int target = exchange.getRequestURI().length() + exchange.getQueryString().length();
        if (target > MAX_TARGET_BYTES) {
            responses.detail(exchange, 414, "URI too long: " + target + " bytes; the limit is " + MAX_TARGET_BYTES);
            return;
        }
        String coding = exchange.getRequestHeaders().getFirst(Headers.TRANSFER_ENCODING);
        if (coding != null && !coding.strip().equalsIgnoreCase("chunked")) {
            // the body's length cannot be known: waiting for its end would hold the connection (found by fuzzing)
            exchange.setPersistent(false);
            responses.detail(exchange, 400, "Unsupported Transfer-Encoding: only chunked is accepted");
            return;
        }
        int headers = 0;
        for (HeaderValues values : exchange.getRequestHeaders()) {
            for (String value : values) {
                headers += values.getHeaderName().length() + value.length();
            }
        }
        if (headers > MAX_HEADER_BYTES) {
            responses.detail(exchange, 431, "Request headers too large: " + headers + " bytes; the limit is "
                    + MAX_HEADER_BYTES);
            return;
        }
        next.handleRequest(exchange);
    }
}
