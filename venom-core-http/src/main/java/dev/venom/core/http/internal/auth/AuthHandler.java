package dev.venom.core.http.internal.auth;

import dev.venom.core.http.internal.Responses;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import java.util.Optional;

/**
 * Lets a request through if it is open or carries {@code Authorization: Bearer <key>} of a key whose role
 * covers what it asks ({@link Access}); else answers 401 (no key, or one not known) or 403 (a key without
 * the role). A WebSocket handshake without the header (a browser cannot send one) is let through with the
 * check {@link Deferred} to its first message. The key presented, known, is attached to the exchange (let through or not) for those who record
 * who did what.
 */
public final class AuthHandler implements HttpHandler {

    /** The known key a request presented: let through, or refused for its role. */
    public static final AttachmentKey<ApiKey> KEY = AttachmentKey.create(ApiKey.class);
    /** A WebSocket handshake without a key: its first message must carry one. */
    public static final AttachmentKey<Deferred> DEFERRED = AttachmentKey.create(Deferred.class);

    /** The check a WebSocket makes of the key its first message carries. */
    public record Deferred(ApiKeys keys, Access.Needed needed) {

        /** The key {@code authorization} ({@code Bearer <key>}) names, if it is known and its role suffices. */
        public Optional<ApiKey> check(String authorization) {
            return bearer(authorization).flatMap(keys::find).filter(key -> key.role().covers(needed.role()));
        }
    }
    private static final String BEARER = "Bearer ";

    private final ApiKeys keys;
    private final Access access;
    private final Responses responses;
    private final HttpHandler next;

    public AuthHandler(ApiKeys keys, Access access, Responses responses, HttpHandler next) {
        this.keys = keys;
        this.access = access;
        this.responses = responses;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        Optional<Access.Needed> needed = access.needed(exchange.getRequestMethod().toString(),
                exchange.getRequestPath());
        if (needed.isEmpty()) {
            next.handleRequest(exchange);
            return;
        }
        Optional<String> presented = presented(exchange);
        if (presented.isEmpty() && access.authenticatesItself(exchange.getRequestPath())
                && "websocket".equalsIgnoreCase(exchange.getRequestHeaders().getFirst(Headers.UPGRADE))) {
            exchange.putAttachment(DEFERRED, new Deferred(keys, needed.get()));
            next.handleRequest(exchange); // a browser's WebSocket, which cannot send the header: its first message
            return;
        }
        Optional<ApiKey> key = presented.flatMap(keys::find);
        if (key.isEmpty()) {
            exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer");
            responses.detail(exchange, 401, "Not authenticated");
            return;
        }
        exchange.putAttachment(KEY, key.get());
        Access.Needed need = needed.get();
        if (!key.get().role().covers(need.role())) {
            responses.detail(exchange, 403, "Key '" + key.get().name() + "' (role " + key.get().role().label()
                    + ") may not " + need.action());
            return;
        }
        next.handleRequest(exchange);
    }

    private static Optional<String> presented(HttpServerExchange exchange) {
        return bearer(exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION));
    }

    /** The key of an {@code Authorization} value {@code Bearer <key>}; empty for anything else. */
    private static Optional<String> bearer(String authorization) {
        if (authorization == null || authorization.length() <= BEARER.length()
                || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Optional.empty();
        }
        return Optional.of(authorization.substring(BEARER.length()).strip());
    }
}
