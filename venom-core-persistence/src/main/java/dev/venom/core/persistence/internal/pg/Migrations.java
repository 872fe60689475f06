package dev.venom.core.persistence.internal.pg;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and upgrades the PostgreSQL schema: forward-only SQL files shipped in the jar, applied in order
 * and recorded in {@code venom_schema_version}. A transaction-scoped advisory lock makes servers that start
 * together apply each migration exactly once.
 */
public final class Migrations {

    private static final Logger log = LoggerFactory.getLogger(Migrations.class);

    /** Every migration, oldest first; a file is never changed once released, only followed by a new one. */
    static final List<String> FILES = List.of("V1__tasks.sql", "V2__vacuum_often.sql", "V3__queues.sql",
            "V4__audit.sql", "V5__remote_workers.sql", "V6__dependencies.sql",
            "V7__schedules.sql", "V8__waits.sql");
    private static final String FOLDER = "/dev/venom/core/persistence/postgres/";
    /** The advisory lock that serializes schema changes across servers ("venom_sc"). */
    public static final long LOCK_KEY = 0x76656e6f6d5f7363L;

    private Migrations() {
    }

    /** The table {@code name} in the schema of {@code tasks}, the tasks table named in full. */
    public static String tableBeside(String tasks, String name) {
        return tasks.substring(0, tasks.lastIndexOf('.')) + "." + name;
    }

    /**
     * Brings the schema of {@code connection}'s search path up to date.
     *
     * @return the schema version now in place
     */
    public static int migrate(Connection connection) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement sql = connection.createStatement()) {
            sql.execute("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")");
            sql.execute("CREATE TABLE IF NOT EXISTS venom_schema_version (version integer PRIMARY KEY, "
                    + "description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
            int current;
            try (ResultSet rows = sql.executeQuery("SELECT coalesce(max(version), 0) FROM venom_schema_version")) {
                rows.next();
                current = rows.getInt(1);
            }
            if (current > FILES.size()) {
                throw new SQLException("the database schema is at version " + current + ", newer than this server's "
                        + FILES.size() + "; upgrade the server", "55000");
            }
            for (int version = current + 1; version <= FILES.size(); version++) {
                String file = FILES.get(version - 1);
                sql.execute(read(file));
                try (PreparedStatement record = connection.prepareStatement(
                        "INSERT INTO venom_schema_version (version, description) VALUES (?, ?)")) {
                    record.setInt(1, version);
                    record.setString(2, file);
                    record.executeUpdate();
                }
                log.info("schema migrated to version {} ({})", version, file);
            }
            connection.commit();
            return FILES.size();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    private static String read(String file) {
        try (InputStream in = Migrations.class.getResourceAsStream(FOLDER + file)) {
            if (in == null) {
                throw new IllegalStateException("migration " + file + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
