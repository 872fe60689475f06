package dev.venom.core.http.internal.audit;

import dev.venom.core.http.internal.InvalidRequestException;
import dev.venom.core.http.internal.Responses;
import dev.venom.core.http.internal.RouteHandlers;
import dev.venom.core.http.internal.ValidationError;
import dev.venom.core.persistence.AuditEntry;
import dev.venom.core.persistence.AuditQuery;
import dev.venom.core.persistence.AuditTrail;
import io.undertow.server.HttpServerExchange;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/audit}: the audit trail, newest first, {@code limit} (1..1000, default 50) at a time;
 * {@code before} (the {@code next} of the page before) pages on; {@code key}, {@code action} and
 * {@code target} (a task id or queue name; {@code task} says the same) filter. Admin only ({@code Access}).
 */
public final class AuditRoutes {

    private final AuditTrail trail;
    private final Responses responses;

    public AuditRoutes(AuditTrail trail, Responses responses) {
        this.trail = trail;
        this.responses = responses;
    }

    /** The route's handler, run on a worker: reading the trail may block. */
    public RouteHandlers.Handler handler() {
        return this::page;
    }

    private void page(HttpServerExchange exchange) {
        Map<String, Deque<String>> params = exchange.getQueryParameters();
        Long before = number(params, "before", 1, Long.MAX_VALUE);
        Long limit = number(params, "limit", 1, 1000);
        String target = first(params, "target") != null ? first(params, "target") : first(params, "task");
        AuditQuery query = new AuditQuery(before, limit == null ? 50 : limit.intValue(), first(params, "key"),
                first(params, "action"), target);
        List<AuditEntry> entries = trail.page(query);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("entries", entries.stream().map(AuditRoutes::json).toList());
        body.put("next", entries.size() == query.limit() ? entries.get(entries.size() - 1).seq() : null);
        responses.json(exchange, 200, body);
    }

    private static Map<String, Object> json(AuditEntry entry) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("seq", entry.seq());
        fields.put("at", entry.at().toString());
        fields.put("key", entry.key());
        fields.put("role", entry.role());
        fields.put("remote", entry.remote());
        fields.put("method", entry.method());
        fields.put("path", entry.path());
        fields.put("action", entry.action());
        fields.put("target", entry.target());
        fields.put("status", entry.status());
        fields.put("node", entry.node());
        return fields;
    }

    private static String first(Map<String, Deque<String>> params, String name) {
        Deque<String> values = params.get(name);
        return values == null || values.isEmpty() || values.peekFirst().isBlank() ? null : values.peekFirst();
    }

    private static Long number(Map<String, Deque<String>> params, String name, long min, long max) {
        String text = first(params, name);
        if (text == null) {
            return null;
        }
        List<Object> loc = List.of("query", name);
        try {
            long value = Long.parseLong(text.strip());
            if (value < min || value > max) {
                throw new InvalidRequestException(List.of(new ValidationError("value_error", loc,
                        "Input should be " + min + ".." + max, text, Map.of("error", "out of range"))));
            }
            return value;
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(List.of(new ValidationError("int_parsing", loc,
                    "Input should be a valid integer, unable to parse string as an integer", text)));
        }
    }
}
