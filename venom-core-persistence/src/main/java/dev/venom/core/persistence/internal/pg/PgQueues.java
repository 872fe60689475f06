package dev.venom.core.persistence.internal.pg;

import dev.venom.core.engine.QueueCounts;
import dev.venom.core.engine.QueueState;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The named queues in {@code venom_queues}: one row per queue a task was stored in or an operator paused,
 * with its pause, which every claim reads. A queue is registered once per process, before its first task is
 * stored, so that the other servers find it. Thread-safe.
 */
public final class PgQueues {

    private final Jdbc jdbc;
    private final String table;
    private final String tasks;
    private final Executor executor;
    private final Map<String, CompletableFuture<Void>> registered = new ConcurrentHashMap<>();

    /**
     * @param tasks    the tasks table, schema included
     * @param executor runs the registrations, off the caller's thread
     */
    public PgQueues(Jdbc jdbc, String tasks, Executor executor) {
        this.jdbc = jdbc;
        this.tasks = tasks;
        this.table = table(tasks);
        this.executor = executor;
    }

    /** The queues table beside {@code tasks} (schema included). */
    public static String table(String tasks) {
        return Migrations.tableBeside(tasks, "venom_queues");
    }

    /**
     * Completes once {@code queue} is registered: at once after the first time. A registration that failed is
     * tried again by the next task of the queue; the task is stored either way.
     */
    public CompletableFuture<Void> register(String queue) {
        CompletableFuture<Void> done = registered.get(queue);
        if (done != null) {
            return done;
        }
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> theirs = registered.putIfAbsent(queue, mine);
        if (theirs != null) {
            return theirs;
        }
        try {
            executor.execute(() -> {
                try {
                    jdbc.call("registering queue " + queue, connection -> {
                        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table
                                + " (name, paused, updated_at) VALUES (?, false, now()) ON CONFLICT (name) DO NOTHING")) {
                            insert.setString(1, queue);
                            return insert.executeUpdate();
                        }
                    });
                } catch (RuntimeException e) {
                    registered.remove(queue, mine); // the next task of the queue tries again
                }
                mine.complete(null);
            });
        } catch (RejectedExecutionException closing) {
            registered.remove(queue, mine);
            mine.complete(null);
        }
        return mine;
    }

    public List<QueueState> queues() {
        return jdbc.call("reading the queues", connection -> {
            try (PreparedStatement read = connection.prepareStatement("SELECT name, paused FROM " + table);
                 ResultSet rows = read.executeQuery()) {
                List<QueueState> queues = new ArrayList<>();
                while (rows.next()) {
                    queues.add(new QueueState(rows.getString(1), rows.getBoolean(2)));
                }
                return queues;
            }
        });
    }

    /** Pauses or resumes {@code queue} (resuming {@link QueueState#ALL} resumes every queue), committed. */
    public void pause(String queue, boolean paused) {
        jdbc.call("pausing queue " + queue, connection -> {
            String sql = queue.equals(QueueState.ALL) && !paused
                    ? "UPDATE " + table + " SET paused = false, updated_at = now() WHERE paused"
                    : "INSERT INTO " + table + " (name, paused, updated_at) VALUES (?, ?, now()) "
                    + "ON CONFLICT (name) DO UPDATE SET paused = excluded.paused, updated_at = excluded.updated_at";
            try (PreparedStatement write = connection.prepareStatement(sql)) {
                if (!(queue.equals(QueueState.ALL) && !paused)) {
                    write.setString(1, queue);
                    write.setBoolean(2, paused);
                }
                return write.executeUpdate();
            }
        });
    }

    /** Counts by queue of the PENDING and PROCESSING tasks, with the oldest due PENDING one's due time. */
    public Map<String, QueueCounts> counts() {
        return jdbc.callSlow("counting the tasks of each queue", connection -> {
            try (PreparedStatement count = connection.prepareStatement("SELECT queue, "
                    + "count(*) FILTER (WHERE status = 'PENDING'), count(*) FILTER (WHERE status = 'PROCESSING'), "
                    + "min(due_at) FILTER (WHERE status = 'PENDING' AND waiting_on IS NULL AND due_at <= now()) AS oldest FROM " + tasks
                    + " WHERE status IN ('PENDING', 'PROCESSING') GROUP BY queue");
                 ResultSet rows = count.executeQuery()) {
                Map<String, QueueCounts> counts = new HashMap<>();
                while (rows.next()) {
                    Instant oldest = TaskRows.instant(rows, "oldest");
                    counts.put(rows.getString(1), new QueueCounts(rows.getLong(2), rows.getLong(3),
                            Optional.ofNullable(oldest)));
                }
                return counts;
            }
        });
    }
}
