package dev.venom.core.persistence;

import java.time.Instant;
import java.util.Objects;

/**
 * One request the audit trail records: a change, or a request refused for want of a key or a role.
 *
 * @param seq    its place in the trail, assigned when recorded (0 before)
 * @param at     when it was answered
 * @param key    the API key's name; null without one
 * @param role   the key's role; null without one
 * @param remote the client's address
 * @param method the HTTP method
 * @param path   the request path
 * @param action what was asked: {@code task.create}, {@code queue.pause}, ... (see the README)
 * @param target the task id or queue name it concerned; null for none
 * @param status the HTTP status it was answered with
 * @param node   the server that answered it
 */
public record AuditEntry(long seq, Instant at, String key, String role, String remote, String method, String path,
                         String action, String target, int status, String node) {

    public AuditEntry {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(action, "action");
    }

    /** This entry at {@code seq}. */
    public AuditEntry withSeq(long seq) {
        return new AuditEntry(seq, at, key, role, remote, method, path, action, target, status, node);
    }
}
