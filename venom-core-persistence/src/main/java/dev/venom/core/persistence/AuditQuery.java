package dev.venom.core.persistence;

/**
 * A page of the audit trail, newest first: entries before {@code before} (a {@code seq}; null from the
 * newest), at most {@code limit}, only those of a key, an action or a target when given.
 */
public record AuditQuery(Long before, int limit, String key, String action, String target) {

    public AuditQuery {
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit must be 1..1000, was " + limit);
        }
    }

    /** True if {@code entry} is one this query asks for, {@code before} aside. */
    public boolean matches(AuditEntry entry) {
        return (key == null || key.equals(entry.key())) && (action == null || action.equals(entry.action()))
                && (target == null || target.equals(entry.target()));
    }
}
