package dev.venom.core.persistence.internal.pg;

import dev.venom.core.engine.StoreException;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Deletes finished tasks older than the retention, a batch at a time so no lock is held for long. */
public final class PgRetention {

    private static final Logger log = LoggerFactory.getLogger(PgRetention.class);
    private static final int PRUNE_BATCH = 1000;

    private final Jdbc jdbc;
    private final Duration retention;
    private final LongSupplier shiftMicros;
    private final BooleanSupplier closed;
    private final String sql;

    /** @param closed true once the store closes: a long prune stops between batches */
    public PgRetention(Jdbc jdbc, String table, Duration retention, LongSupplier shiftMicros, BooleanSupplier closed) {
        this.jdbc = jdbc;
        this.retention = retention;
        this.shiftMicros = shiftMicros;
        this.closed = closed;
        // A task finished before the cut-off was created before it: walk the creation index, oldest first.
        this.sql = "DELETE FROM " + table + " WHERE id IN (SELECT id FROM " + table + " WHERE created_at < "
                + TaskRows.NOW + " - ? * interval '1 millisecond' AND finished_at < " + TaskRows.NOW
                + " - ? * interval '1 millisecond' ORDER BY created_at LIMIT " + PRUNE_BATCH + ")";
    }

    /** One pass; a failure is logged and the next pass, a minute later, tries again. */
    public void prune() {
        try {
            int total = jdbc.callSlow("deleting finished tasks", connection -> {
                try (PreparedStatement delete = connection.prepareStatement(sql)) {
                    int deleted;
                    int sum = 0;
                    do {
                        long shift = shiftMicros.getAsLong();
                        delete.setLong(1, shift);
                        delete.setLong(2, retention.toMillis());
                        delete.setLong(3, shift);
                        delete.setLong(4, retention.toMillis());
                        deleted = delete.executeUpdate();
                        sum += deleted;
                    } while (deleted == PRUNE_BATCH && !closed.getAsBoolean());
                    return sum;
                }
            });
            if (total > 0) {
                log.info("retention: {} finished task(s) older than {} deleted", total, retention);
            }
        } catch (StoreException e) {
            log.warn("retention pruning failed, retrying in a minute: {}", e.getMessage());
        }
    }
}
