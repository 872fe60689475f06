package dev.venom.core.http.internal.audit;

import dev.venom.core.http.internal.auth.ApiKey;
import dev.venom.core.http.internal.auth.AuthHandler;
import dev.venom.core.persistence.AuditEntry;
import dev.venom.core.persistence.AuditTrail;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Methods;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Records in the {@link AuditTrail} every request that changes something and every one refused (401, 403,
 * 421), with the key that made it, the client's address, the action and its task or queue, and the status,
 * as the answer is committed: before the client can have read it. Refused reads are recorded at most
 * {@link #REFUSALS_PER_SECOND} a second for one address; the next one recorded says how many were not.
 */
public final class AuditHandler implements HttpHandler {

    /** The task a request made, for its entry (a create's target is known only once it is answered). */
    public static final AttachmentKey<String> TARGET = AttachmentKey.create(String.class);

    private static final Pattern TASK = Pattern.compile("/api/v1/tasks/([^/]+)/cancel");
    private static final Pattern ABORT = Pattern.compile("/api/v1/queue/task/([^/]+)/abort");
    private static final Pattern ALL_QUEUES = Pattern.compile("/api/v1/queue/(pause|resume|purge|emergency-stop)");
    private static final Pattern QUEUE = Pattern.compile("/api/v1/queues/([^/]+)/(pause|resume|purge)");
    private static final Pattern SCHEDULE = Pattern.compile("/api/v1/schedules/([^/]+)(?:/(pause|resume))?");
    private static final Pattern ATTEMPT = Pattern.compile("/api/v1/tasks/([^/]+)/attempts/[^/]+/([a-z]+)");
    /** A remote attempt's calls that change no outcome: recorded only when refused, as reads are. */
    private static final java.util.Set<String> ROUTINE = java.util.Set.of("heartbeat", "log");

    /** Refusals recorded a second for one client address at most (in bursts of as many); the rest are counted. */
    static final int REFUSALS_PER_SECOND = 20;

    private final AuditTrail trail;
    private final String node;
    private final Clock clock;
    private final HttpHandler next;
    private final RefusalLimit refusals = new RefusalLimit(REFUSALS_PER_SECOND, System::nanoTime);

    public AuditHandler(AuditTrail trail, String node, Clock clock, HttpHandler next) {
        this.trail = trail;
        this.node = node;
        this.clock = clock;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        exchange.addResponseCommitListener(this::record);
        next.handleRequest(exchange);
    }

    private void record(HttpServerExchange exchange) {
        int status = exchange.getStatusCode();
        boolean refused = status == 401 || status == 403 || status == 421 || status == 429;
        String path = exchange.getRequestPath();
        Action action = action(exchange.getRequestMethod().toString(), path);
        boolean changes = !(Methods.GET.equals(exchange.getRequestMethod())
                || Methods.HEAD.equals(exchange.getRequestMethod())
                || Methods.OPTIONS.equals(exchange.getRequestMethod())) && !action.routine();
        if (!changes && !refused) {
            return;
        }
        String target = exchange.getAttachment(TARGET) != null ? exchange.getAttachment(TARGET) : action.target;
        ApiKey key = exchange.getAttachment(AuthHandler.KEY);
        InetSocketAddress remote = exchange.getSourceAddress();
        if (refused && !changes) {
            // a flood of refused reads must not push the record of real changes out of the rotated files
            long skipped = refusals.admit(remote == null ? "unknown" : remote.getAddress().getHostAddress());
            if (skipped < 0) {
                return;
            }
            if (skipped > 0) {
                target = (target == null ? "" : target + " ") + "(+" + skipped + " earlier refusals from this "
                        + "address not recorded)";
            }
        }
        trail.record(new AuditEntry(0, clock.instant(), key == null ? null : key.name(),
                key == null ? null : key.role().label(), remote == null ? null : remote.getAddress().getHostAddress(),
                exchange.getRequestMethod().toString(), path, action.name, target, status, node));
    }

    /**
     * What a request asks, by the names the audit trail uses, and the task or queue it concerns; a routine
     * one (a remote attempt's heartbeat or log lines) is recorded only when refused.
     */
    record Action(String name, String target, boolean routine) {
        Action(String name, String target) {
            this(name, target, false);
        }
    }

    static Action action(String method, String path) {
        if (method.equals("DELETE")) {
            Matcher schedule = SCHEDULE.matcher(path);
            if (schedule.matches() && schedule.group(2) == null) {
                return new Action("schedule.delete", schedule.group(1));
            }
        }
        if (!method.equals("POST")) {
            return new Action(method.equals("GET") || method.equals("HEAD") ? "read" : "request", null);
        }
        if (path.equals("/api/v1/tasks") || path.equals("/api/v1/tasks/")) {
            return new Action("task.create", null);
        }
        if (path.equals("/api/v1/tasks/batch")) {
            return new Action("task.create_batch", null);
        }
        if (path.equals("/api/v1/workers/claim") || path.equals("/api/v1/workers/report")) {
            return new Action(path.equals("/api/v1/workers/claim") ? "worker.claim" : "worker.report", null);
        }
        Matcher attempt = ATTEMPT.matcher(path);
        if (attempt.matches()) {
            return new Action("attempt." + attempt.group(2), attempt.group(1), ROUTINE.contains(attempt.group(2)));
        }
        Matcher found = TASK.matcher(path);
        if (found.matches()) {
            return new Action("task.cancel", found.group(1));
        }
        found = ABORT.matcher(path);
        if (found.matches()) {
            return new Action("task.abort", found.group(1));
        }
        found = ALL_QUEUES.matcher(path);
        if (found.matches()) {
            return new Action("queues." + found.group(1).replace('-', '_'), null);
        }
        found = QUEUE.matcher(path);
        if (found.matches()) {
            return new Action("queue." + found.group(2), found.group(1));
        }
        if (path.equals("/api/v1/schedules")) {
            return new Action("schedule.create", null);
        }
        Matcher schedule = SCHEDULE.matcher(path);
        if (schedule.matches() && schedule.group(2) != null) {
            return new Action("schedule." + schedule.group(2), schedule.group(1));
        }
        return new Action("request", null);
    }
}
