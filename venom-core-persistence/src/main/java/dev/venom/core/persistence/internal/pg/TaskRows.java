package dev.venom.core.persistence.internal.pg;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.venom.core.model.Progress;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** How a task maps to a row of {@code venom_tasks} and back. */
public final class TaskRows {

    /**
     * A time bound as epoch microseconds: exact, and far cheaper to bind than a date-time object. The schema
     * keeps {@code timestamptz}; only the wire carries a number.
     */
    /** The database's time for this statement, in the timeline the store runs on (its clock shift, bound first). */
    public static final String NOW = "(statement_timestamp() + ? * interval '1 microsecond')";
    /** Formats the time expression {@code %s} as a log line's time ({@code Timestamps.format}). */
    public static final String LOG_TIME = "to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
    private static final String TIME = "('epoch'::timestamptz + ?::bigint * interval '1 microsecond')";

    /** Every column an insert writes, in the order {@link #bindInsert} binds them. */
    public static final String INSERT_COLUMNS = "id, content, created_at, status, result, logs, priority, attempts, "
            + "max_attempts, run_at, due_at, timeout_ms, idempotency_key, updated_at, finished_at, version, "
            + "lease_owner, lease_expires_at, queue, requires, depends_on, waiting_on";
    /**
     * The insert of one task into {@code table}; a task claimed as it is stored has its lease too, expiring
     * a lease after the transaction's start on the database clock (shifted as the store's clock is).
     */
    public static String insert(String table) {
        return "INSERT INTO " + table + " (" + INSERT_COLUMNS + ") VALUES "
                + "(?, ?, " + TIME + ", ?, ?, ?, ?, ?, ?, " + TIME + ", " + TIME + ", ?, ?, " + TIME + ", " + TIME
                + ", ?, ?, transaction_timestamp() + (?::bigint + ?::bigint * 1000) * interval '1 microsecond', ?, ?::jsonb, ?, ?)";
    }

    /**
     * The compare-and-set write of a whole task: applies only if the row is still at the version the writer
     * read. The lease is kept while the task stays PROCESSING and dropped otherwise.
     */
    public static String update(String table) {
        return "UPDATE " + table + " SET status = ?, result = ?, "
                + "logs = CASE WHEN ? THEN logs || ? ELSE ? END, attempts = ?, run_at = " + TIME + ", due_at = " + TIME
                + ", updated_at = " + TIME + ", finished_at = " + TIME + ", version = version + 1, "
                + "lease_owner = CASE WHEN ? THEN lease_owner END, "
                + "lease_expires_at = CASE WHEN ? THEN lease_expires_at END, progress = ?, progress_message = ?, "
                + "waiting_on = ? WHERE id = ? AND version = ?";
    }

    private TaskRows() {
    }

    /** Binds {@code task}, a new task stored at version 1, to {@link #insert}. */
    public static void bindInsert(Connection connection, PreparedStatement insert, VenomTask task) throws SQLException {
        bindInsert(connection, insert, task, null, 0, 0);
    }

    /**
     * Binds {@code task} to {@link #insert}: with {@code owner} null a new task (version 1); otherwise a task
     * {@linkplain VenomTask#startOnArrival started on arrival} (version 2) that {@code owner} holds for
     * {@code leaseMillis} from the transaction's start, shifted by {@code shiftMicros}.
     */
    public static void bindInsert(Connection connection, PreparedStatement insert, VenomTask task, String owner,
                                  long shiftMicros, long leaseMillis) throws SQLException {
        insert.setObject(1, task.id());
        insert.setString(2, task.content());
        micros(insert, 3, task.createdAt());
        insert.setString(4, task.status().name());
        insert.setString(5, storable(task.result()));
        insert.setArray(6, logs(connection, task.logs()));
        insert.setShort(7, (short) task.priority());
        insert.setInt(8, task.attempts());
        insert.setInt(9, task.maxAttempts());
        micros(insert, 10, task.runAt());
        micros(insert, 11, dueAt(task));
        if (task.timeoutMs() == null) {
            insert.setNull(12, Types.BIGINT);
        } else {
            insert.setLong(12, task.timeoutMs());
        }
        insert.setString(13, task.idempotencyKey());
        micros(insert, 14, task.updatedAt());
        micros(insert, 15, task.finishedAt());
        insert.setLong(16, owner == null ? 1 : 2);
        insert.setString(17, owner);
        if (owner == null) {
            insert.setNull(18, Types.BIGINT);
            insert.setNull(19, Types.BIGINT);
        } else {
            insert.setLong(18, shiftMicros);
            insert.setLong(19, leaseMillis);
        }
        insert.setString(20, task.queue());
        insert.setString(21, requiresJson(task.requires()));
        insert.setArray(22, ids(connection, task.dependsOn()));
        insert.setArray(23, ids(connection, task.waitingOn()));
    }

    /** Binds the change from {@code expected} to {@code next} to {@link #update}. */
    public static void bindUpdate(Connection connection, PreparedStatement update, VenomTask expected, VenomTask next)
            throws SQLException {
        boolean keepLease = next.status() == TaskStatus.PROCESSING;
        List<String> before = expected.logs();
        List<String> after = next.logs();
        // The version guarantees the stored logs are expected's: send only the lines added since.
        boolean appends = after.size() >= before.size() && after.subList(0, before.size()).equals(before);
        update.setString(1, next.status().name());
        update.setString(2, storable(next.result()));
        update.setBoolean(3, appends);
        update.setArray(4, logs(connection, appends ? after.subList(before.size(), after.size()) : List.of()));
        update.setArray(5, appends ? null : logs(connection, after));
        update.setInt(6, next.attempts());
        micros(update, 7, next.runAt());
        micros(update, 8, dueAt(next));
        micros(update, 9, next.updatedAt());
        micros(update, 10, next.finishedAt());
        update.setBoolean(11, keepLease);
        update.setBoolean(12, keepLease);
        Progress progress = next.progress();
        if (progress == null) {
            update.setNull(13, Types.SMALLINT);
        } else {
            update.setShort(13, (short) progress.percent());
        }
        update.setString(14, progress == null ? null : storable(progress.message()));
        update.setArray(15, ids(connection, next.waitingOn()));
        update.setObject(16, next.id());
        update.setLong(17, expected.version());
    }

    /** The task in the current row of {@code rows}. */
    public static VenomTask task(ResultSet rows) throws SQLException {
        Array logs = rows.getArray("logs");
        List<String> lines = logs == null ? List.of() : Arrays.asList((String[]) logs.getArray());
        long timeout = rows.getLong("timeout_ms");
        Long timeoutMs = rows.wasNull() ? null : timeout;
        return new VenomTask(rows.getObject("id", UUID.class), rows.getString("content"),
                instant(rows, "created_at"), TaskStatus.valueOf(rows.getString("status")), rows.getString("result"),
                lines, rows.getShort("priority"), rows.getInt("attempts"), rows.getInt("max_attempts"),
                instant(rows, "run_at"), timeoutMs, rows.getString("idempotency_key"), rows.getString("queue"),
                instant(rows, "updated_at"), instant(rows, "finished_at"), requires(rows.getString("requires")),
                progress(rows), ids(rows.getArray("depends_on")), ids(rows.getArray("waiting_on")),
                rows.getLong("version"));
    }

    /** Task ids as a {@code uuid[]} column holds them: NULL for none. */
    private static Array ids(Connection connection, List<UUID> ids) throws SQLException {
        return ids.isEmpty() ? null : connection.createArrayOf("uuid", ids.toArray());
    }

    private static List<UUID> ids(Array column) throws SQLException {
        return column == null ? List.of() : Arrays.asList((UUID[]) column.getArray());
    }

    private static Progress progress(ResultSet rows) throws SQLException {
        short percent = rows.getShort("progress");
        return rows.wasNull() ? null : new Progress(percent, rows.getString("progress_message"));
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> LABELS = new TypeReference<>() { };

    /** Requirements as the {@code requires} column holds them: a JSON object, or null for none. */
    public static String requiresJson(Map<String, String> requires) {
        if (requires.isEmpty()) {
            return null;
        }
        try {
            return JSON.writeValueAsString(requires);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("labels are strings: they always write as JSON", e);
        }
    }

    private static Map<String, String> requires(String json) throws SQLException {
        if (json == null) {
            return Map.of();
        }
        try {
            return JSON.readValue(json, LABELS);
        } catch (JsonProcessingException e) {
            throw new SQLException("a task's requires column is not a JSON object of strings: " + json, e);
        }
    }

    /** When a worker may claim it: its {@code run_at}, or its creation time. */
    public static Instant dueAt(VenomTask task) {
        return task.runAt() != null ? task.runAt() : task.createdAt();
    }

    public static Instant instant(ResultSet rows, String column) throws SQLException {
        OffsetDateTime value = rows.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private static void micros(PreparedStatement statement, int index, Instant instant) throws SQLException {
        if (instant == null) {
            statement.setNull(index, Types.BIGINT);
        } else {
            statement.setLong(index, instant.getEpochSecond() * 1_000_000 + instant.getNano() / 1000);
        }
    }

    public static OffsetDateTime time(Instant instant) {
        return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static Array logs(Connection connection, List<String> logs) throws SQLException {
        String[] lines = new String[logs.size()];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = storable(logs.get(i));
        }
        return connection.createArrayOf("text", lines);
    }

    /**
     * PostgreSQL text cannot hold NUL: a processor's result or log line that has one is stored with U+FFFD
     * in its place rather than failing the attempt (content with NUL is refused at insert).
     */
    private static String storable(String text) {
        return text == null || text.indexOf('\0') < 0 ? text : text.replace('\0', '\uFFFD');
    }

    /** {@code text} as an SQL string literal. */
    public static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
