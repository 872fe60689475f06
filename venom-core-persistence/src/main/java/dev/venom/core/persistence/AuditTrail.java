package dev.venom.core.persistence;

import java.util.List;

/**
 * Where a server records who changed what, and who was refused: append-only, never rewritten. Embedded, a
 * JSON-lines file beside the state ({@link JsonLinesAuditTrail}); on PostgreSQL, a table every server of the
 * database writes to ({@link PostgresStateStore#auditTrail()}).
 */
public interface AuditTrail extends AutoCloseable {

    /**
     * Records {@code entry} (its {@code seq} is assigned here). The embedded trail has it in the file when
     * this returns, so a crash of the process after the answer cannot lose it; PostgreSQL's writes it within
     * moments, in the background.
     */
    void record(AuditEntry entry);

    /** A page of entries, newest first. */
    List<AuditEntry> page(AuditQuery query);

    @Override
    void close();
}
