package dev.venom.core.persistence.internal.pg;

import dev.venom.core.engine.TaskEvent;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The notifications in which servers on a shared database tell each other what they changed, so that their
 * live streams show every task's events ({@link PgEventRelay} sends and hears them), and how a server that
 * hears them turns them into {@link TaskEvent}s by reading those tasks.
 *
 * <p>Payload: {@code ev:<sender>:} then changes separated by {@code ;}, each
 * {@code <id>,<from status or ->,<to status>,<log lines before>,<log lines after>,<epoch micros>,<version>};
 * the sender is a token of hex digits and every field is ASCII, so a payload's length in characters is its
 * size in bytes, kept under PostgreSQL's limit of 8,000: a large batch is told in several.
 */
public final class PgEvents {

    static final String PREFIX = "ev:";
    private static final int MAX_PAYLOAD = 7_900;

    private PgEvents() {
    }

    /**
     * One committed change of a task.
     *
     * @param from       its status before; null for a new task
     * @param logsBefore how many log lines it had before
     * @param logsAfter  how many it has after
     * @param at         when (its {@code updated_at})
     * @param version    the task's version after it, which orders a task's changes
     */
    public record Change(UUID id, TaskStatus from, TaskStatus to, int logsBefore, int logsAfter, Instant at,
                         long version) {

        /** A new task (version 1), or one {@linkplain VenomTask#startOnArrival started on arrival} (version 2). */
        public static Change created(VenomTask task) {
            return new Change(task.id(), null, task.status(), 0, task.logs().size(), task.updatedAt(),
                    Math.max(task.version(), 1));
        }

        /** The change from {@code before} to {@code after}, stored as version {@code before.version() + 1}. */
        public static Change between(VenomTask before, VenomTask after) {
            return new Change(after.id(), before.status(), after.status(), before.logs().size(),
                    after.logs().size(), after.updatedAt(), before.version() + 1);
        }

        /** A claim that left {@code claimed} (its version included) PROCESSING with one more log line. */
        public static Change claimed(VenomTask claimed) {
            return new Change(claimed.id(), TaskStatus.PENDING, TaskStatus.PROCESSING, claimed.logs().size() - 1,
                    claimed.logs().size(), claimed.updatedAt(), claimed.version());
        }

        /** True for a new task waiting to be claimed: the change that wakes idle servers. */
        public boolean creates() {
            return from == null && to == TaskStatus.PENDING;
        }
    }

    /** The payloads that tell {@code changes}, each under the size limit. */
    static List<String> payloads(String node, List<Change> changes) {
        List<String> payloads = new ArrayList<>();
        String head = PREFIX + node + ":";
        StringBuilder payload = new StringBuilder(head);
        for (Change change : changes) {
            String entry = change.id() + "," + (change.from() == null ? "-" : change.from().name()) + ","
                    + change.to().name() + "," + change.logsBefore() + "," + change.logsAfter() + ","
                    + ChronoUnit.MICROS.between(Instant.EPOCH, change.at()) + "," + change.version();
            if (payload.length() > head.length() && payload.length() + 1 + entry.length() > MAX_PAYLOAD) {
                payloads.add(payload.toString());
                payload.setLength(head.length());
            }
            if (payload.length() > head.length()) {
                payload.append(';');
            }
            payload.append(entry);
        }
        if (payload.length() > head.length()) {
            payloads.add(payload.toString());
        }
        return payloads;
    }

    /** Notifies {@code channel} of {@code changes} in the connection's transaction; one round trip. */
    static void send(Connection connection, String channel, String sender, List<Change> changes)
            throws SQLException {
        List<String> payloads = payloads(sender, changes);
        try (PreparedStatement notify = connection.prepareStatement(
                "SELECT pg_notify(?, p) FROM unnest(?::text[]) AS p")) {
            notify.setString(1, channel);
            notify.setArray(2, connection.createArrayOf("text", payloads.toArray()));
            notify.execute();
        }
    }

    /** The token of the server that sent an event payload, or null if {@code payload} is not one. */
    static String sender(String payload) {
        if (!payload.startsWith(PREFIX)) {
            return null;
        }
        int end = payload.indexOf(':', PREFIX.length());
        return end < 0 ? null : payload.substring(PREFIX.length(), end);
    }

    /** The changes an event payload tells; malformed entries are skipped. */
    static List<Change> parse(String payload) {
        int start = payload.indexOf(':', PREFIX.length()) + 1;
        List<Change> changes = new ArrayList<>();
        for (String entry : payload.substring(start).split(";")) {
            String[] f = entry.split(",");
            if (f.length != 7) {
                continue;
            }
            try {
                changes.add(new Change(UUID.fromString(f[0]), f[1].equals("-") ? null : TaskStatus.valueOf(f[1]),
                        TaskStatus.valueOf(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4]),
                        Instant.EPOCH.plus(Long.parseLong(f[5]), ChronoUnit.MICROS), Long.parseLong(f[6])));
            } catch (IllegalArgumentException e) {
                // not from a server of this version: nothing to tell
            }
        }
        return changes;
    }

    /**
     * Reads the tasks {@code changes} name and returns their events in the order of the changes; a task that
     * is gone (pruned) is skipped.
     */
    static List<TaskEvent> events(Connection connection, String table, List<Change> changes)
            throws SQLException {
        Map<UUID, VenomTask> tasks = new HashMap<>();
        try (PreparedStatement find = connection.prepareStatement("SELECT * FROM " + table + " WHERE id = ANY(?)")) {
            find.setArray(1, connection.createArrayOf("uuid", changes.stream().map(Change::id).distinct().toArray()));
            try (ResultSet rows = find.executeQuery()) {
                while (rows.next()) {
                    VenomTask task = TaskRows.task(rows);
                    tasks.put(task.id(), task);
                }
            }
        }
        List<TaskEvent> events = new ArrayList<>();
        for (Change told : changes) {
            VenomTask now = tasks.get(told.id());
            if (now == null) {
                continue;
            }
            if (told.from() == null && told.to() == TaskStatus.PROCESSING) { // created and claimed in one write
                events.addAll(observed(now, new Change(told.id(), null, TaskStatus.PENDING, 0, 1, now.createdAt(), 1)));
                events.addAll(observed(now, new Change(told.id(), TaskStatus.PENDING, TaskStatus.PROCESSING, 1,
                        told.logsAfter(), told.at(), told.version())));
            } else {
                events.addAll(observed(now, told));
            }
        }
        return events;
    }

    /** The events of {@code change}, given the task as it is {@code now}. */
    private static List<TaskEvent> observed(VenomTask now, Change change) {
        List<String> logs = now.logs();
        int after = Math.min(change.logsAfter(), logs.size());
        int before = Math.min(change.logsBefore(), after);
        VenomTask asOf = new VenomTask(now.id(), now.content(), now.createdAt(), change.to(),
                change.to().isTerminal() ? now.result() : null, logs.subList(0, after), now.priority(),
                now.attempts(), now.maxAttempts(), now.runAt(), now.timeoutMs(), now.idempotencyKey(), now.queue(),
                change.at(), change.to().isTerminal() ? now.finishedAt() : null, now.requires(), now.progress(),
                now.dependsOn(), now.waitingOn(), change.version());
        return TaskEvent.observed(asOf, change.from(), logs.subList(before, after));
    }
}
