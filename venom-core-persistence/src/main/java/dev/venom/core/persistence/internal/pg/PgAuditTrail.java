package dev.venom.core.persistence.internal.pg;

import dev.venom.core.persistence.AuditEntry;
import dev.venom.core.persistence.AuditQuery;
import dev.venom.core.persistence.AuditTrail;
import dev.venom.core.persistence.internal.DrainLoop;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail in {@code venom_audit}, shared by every server of the database. Entries are queued and
 * inserted in batches by a thread of their own, so recording never waits on the database; what cannot be
 * written is logged, never retried.
 */
public final class PgAuditTrail implements AuditTrail {

    private static final Logger log = LoggerFactory.getLogger(PgAuditTrail.class);
    private static final int BACKLOG = 10_000;

    private final Jdbc jdbc;
    private final DataSource pool;
    private final String table;
    private final DrainLoop<AuditEntry> writer;

    /** @param tasks the tasks table, schema included; the audit table sits beside it */
    public PgAuditTrail(DataSource pool, Jdbc jdbc, String tasks) {
        this.pool = pool;
        this.jdbc = jdbc;
        this.table = Migrations.tableBeside(tasks, "venom_audit");
        this.writer = new DrainLoop<>("venom-pg-audit", 1, new ArrayBlockingQueue<>(BACKLOG), 500, this::insert,
                (batch, e) -> log.error("{} audit entr(ies) could not be written", batch.size(), e),
                entry -> log.error("audit entry lost at shutdown: {} {} {}", entry.method(), entry.path(),
                        entry.status()), true, Duration.ofSeconds(5));
    }

    @Override
    public void record(AuditEntry entry) {
        if (!writer.offer(entry)) {
            log.error("audit entry dropped (the database is too slow or the store closed): {} {} by {} -> {}",
                    entry.method(), entry.path(), entry.key(), entry.status());
        }
    }

    private void insert(List<AuditEntry> batch) {
        try (Connection connection = pool.getConnection();
             PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table
                     + " (at, key_name, role, remote, method, path, action, target, status, node) "
                     + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (AuditEntry entry : batch) {
                insert.setTimestamp(1, Timestamp.from(entry.at()));
                insert.setString(2, entry.key());
                insert.setString(3, entry.role());
                insert.setString(4, entry.remote());
                insert.setString(5, entry.method());
                insert.setString(6, entry.path());
                insert.setString(7, entry.action());
                insert.setString(8, entry.target());
                insert.setInt(9, entry.status());
                insert.setString(10, entry.node());
                insert.addBatch();
            }
            insert.executeBatch();
        } catch (SQLException e) {
            throw Jdbc.failure("writing " + batch.size() + " audit entr(ies)", e);
        }
    }

    @Override
    public List<AuditEntry> page(AuditQuery query) {
        StringBuilder sql = new StringBuilder("SELECT * FROM " + table + " WHERE true");
        List<Object> args = new ArrayList<>();
        if (query.before() != null) {
            sql.append(" AND seq < ?");
            args.add(query.before());
        }
        if (query.key() != null) {
            sql.append(" AND key_name = ?");
            args.add(query.key());
        }
        if (query.action() != null) {
            sql.append(" AND action = ?");
            args.add(query.action());
        }
        if (query.target() != null) {
            sql.append(" AND target = ?");
            args.add(query.target());
        }
        sql.append(" ORDER BY seq DESC LIMIT ").append(query.limit());
        return jdbc.call("reading the audit trail", connection -> {
            try (PreparedStatement select = connection.prepareStatement(sql.toString())) {
                for (int i = 0; i < args.size(); i++) {
                    select.setObject(i + 1, args.get(i));
                }
                List<AuditEntry> entries = new ArrayList<>();
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        entries.add(new AuditEntry(rows.getLong("seq"), rows.getTimestamp("at").toInstant(),
                                rows.getString("key_name"), rows.getString("role"), rows.getString("remote"),
                                rows.getString("method"), rows.getString("path"), rows.getString("action"),
                                rows.getString("target"), rows.getInt("status"), rows.getString("node")));
                    }
                }
                return entries;
            }
        });
    }

    /** Writes what is queued (5 s at most). */
    @Override
    public void close() {
        writer.close();
    }
}
