package dev.venom.core.http.internal.auth;

import io.undertow.util.Methods;
import java.util.Optional;

/**
 * Which role each request needs, in one table: the probes, the dashboard and the API's documentation are
 * open; reading needs {@code read}, but the audit trail {@code admin}; creating and cancelling tasks
 * {@code write}; the worker protocol (claims, and the calls of an attempt) {@code worker}; every other change
 * (queue control, purge, emergency stop) {@code admin}. A route not listed needs {@code read} to be told it does
 * not exist.
 */
public final class Access {

    /** What a request needs: a role, and the words a 403 uses for what was refused. */
    public record Needed(Role role, String action) {
    }

    private static final Needed READ = new Needed(Role.READ, "read");
    private static final Needed CREATE = new Needed(Role.WRITE, "create tasks");
    private static final Needed CANCEL = new Needed(Role.WRITE, "cancel tasks");
    private static final Needed CONTROL = new Needed(Role.ADMIN, "control queues");
    private static final Needed AUDIT = new Needed(Role.ADMIN, "read the audit trail");
    private static final Needed SCHEDULES = new Needed(Role.ADMIN, "change schedules");
    private static final Needed WORK = new Needed(Role.WORKER, "run tasks as a remote worker");

    private final boolean metricsPublic;

    /** @param metricsPublic true if {@code GET /metrics} is open to anyone who can reach it */
    public Access(boolean metricsPublic) {
        this.metricsPublic = metricsPublic;
    }

    /** What {@code method} on {@code path} needs; empty if it is open. */
    public Optional<Needed> needed(String method, String path) {
        if (isOpen(path)) {
            return Optional.empty();
        }
        if (path.equals("/api/v1/audit") || path.startsWith("/api/v1/audit/")) {
            return Optional.of(AUDIT);
        }
        if (Methods.GET_STRING.equals(method) || Methods.HEAD_STRING.equals(method)) {
            return Optional.of(READ);
        }
        if (path.equals("/api/v1/schedules") || path.startsWith("/api/v1/schedules/")) {
            return Optional.of(SCHEDULES);
        }
        if (path.startsWith("/api/v1/workers/") || path.startsWith("/api/v1/tasks/") && path.contains("/attempts/")) {
            return Optional.of(WORK);
        }
        if (path.equals("/api/v1/tasks") || path.equals("/api/v1/tasks/") || path.equals("/api/v1/tasks/batch")) {
            return Optional.of(CREATE);
        }
        if (path.startsWith("/api/v1/tasks/") && path.endsWith("/cancel")
                || path.startsWith("/api/v1/queue/task/") && path.endsWith("/abort")) {
            return Optional.of(CANCEL);
        }
        return Optional.of(CONTROL);
    }

    /** True for the route that checks a key itself when its handshake has none: the WebSocket's first message. */
    public boolean authenticatesItself(String path) {
        return path.equals("/api/v1/ws");
    }

    private boolean isOpen(String path) {
        return path.equals("/healthz") || path.equals("/readyz") || path.equals("/")
                || path.equals("/openapi.json") || path.equals("/docs") || path.startsWith("/docs/")
                || path.startsWith("/ui/") || metricsPublic && path.equals("/metrics");
    }
}
