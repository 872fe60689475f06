package dev.venom.core.persistence.internal.pg;

import dev.venom.core.engine.TaskCursor;
import dev.venom.core.engine.TaskPage;
import dev.venom.core.engine.TaskQuery;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** The store's reads: one task, a page of tasks, and the counts by status, cached briefly. Thread-safe. */
public final class PgQueries {

    private static final long COUNT_CACHE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long ENDED_COUNT_CACHE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final Jdbc jdbc;
    private final String table;
    private final ConcurrentHashMap<TaskStatus, long[]> counts = new ConcurrentHashMap<>();

    /** @param table the tasks table, schema included */
    public PgQueries(Jdbc jdbc, String table) {
        this.jdbc = jdbc;
        this.table = table;
    }

    public Optional<VenomTask> find(UUID id) {
        return jdbc.call("reading task " + id, connection -> {
            try (PreparedStatement find = connection.prepareStatement("SELECT * FROM " + table + " WHERE id = ?")) {
                find.setObject(1, id);
                try (ResultSet rows = find.executeQuery()) {
                    return rows.next() ? Optional.of(TaskRows.task(rows)) : Optional.empty();
                }
            }
        });
    }

    /** The tasks naming {@code id} in {@code depends_on}, oldest first. */
    public List<VenomTask> dependentsOf(UUID id, int limit) {
        return jdbc.call("reading the dependents of task " + id, connection -> {
            try (PreparedStatement find = connection.prepareStatement("SELECT * FROM " + table
                    + " WHERE depends_on @> ARRAY[?]::uuid[] ORDER BY created_at, id LIMIT ?")) {
                find.setObject(1, id);
                find.setInt(2, limit);
                List<VenomTask> dependents = new ArrayList<>();
                try (ResultSet rows = find.executeQuery()) {
                    while (rows.next()) {
                        dependents.add(TaskRows.task(rows));
                    }
                }
                return dependents;
            }
        });
    }

    public TaskPage list(TaskQuery query) {
        Optional<TaskCursor> after = query.cursor().map(TaskCursor::parse);
        StringBuilder sql = new StringBuilder("SELECT * FROM " + table + " WHERE true");
        if (!query.statuses().isEmpty()) {
            sql.append(" AND status = ANY (?)");
        }
        if (query.queue().isPresent()) {
            sql.append(" AND queue = ?");
        }
        after.ifPresent(cursor -> sql.append(" AND (created_at, id) > (?, ?)"));
        sql.append(" ORDER BY created_at, id LIMIT ?");
        return jdbc.call("listing tasks", connection -> {
            try (PreparedStatement list = connection.prepareStatement(sql.toString())) {
                int i = 1;
                if (!query.statuses().isEmpty()) {
                    list.setArray(i++, connection.createArrayOf("text",
                            query.statuses().stream().map(Enum::name).toArray(String[]::new)));
                }
                if (query.queue().isPresent()) {
                    list.setString(i++, query.queue().get());
                }
                if (after.isPresent()) {
                    list.setObject(i++, TaskRows.time(after.get().createdAt()));
                    list.setObject(i++, after.get().id());
                }
                list.setInt(i, query.limit() + 1);
                List<VenomTask> page = new ArrayList<>(Math.min(query.limit(), 64));
                boolean more = false;
                try (ResultSet rows = list.executeQuery()) {
                    while (rows.next()) {
                        if (page.size() == query.limit()) {
                            more = true;
                            break;
                        }
                        page.add(TaskRows.task(rows));
                    }
                }
                return new TaskPage(page, more ? Optional.of(TaskCursor.after(page.get(page.size() - 1)).encode())
                        : Optional.empty());
            }
        });
    }

    /**
     * Counted by the database at most every 250 ms for PENDING and PROCESSING (from their indexes), and
     * every 5 s for the ended statuses (one scan counts them all); in between the last count is answered.
     */
    public long count(TaskStatus status) {
        long[] cached = counts.get(status);
        long now = System.nanoTime();
        if (cached != null && now - cached[1] < (status.isTerminal() ? ENDED_COUNT_CACHE_NANOS : COUNT_CACHE_NANOS)) {
            return cached[0];
        }
        if (status.isTerminal()) {
            return countEnded(status, now);
        }
        return countNow(status, now, false);
    }

    /** The tasks in {@code status} now, counted by the database without the cache (and refreshing it). */
    public long countExact(TaskStatus status) {
        return countNow(status, System.nanoTime(), true);
    }

    /** Counts {@code status} and caches the count as of {@code now}; {@code slow} for a count that may scan. */
    private long countNow(TaskStatus status, long now, boolean slow) {
        Jdbc.Work<Long> work = connection -> {
            try (PreparedStatement count = connection.prepareStatement(
                    "SELECT count(*) FROM " + table + " WHERE status = ?")) {
                count.setString(1, status.name());
                try (ResultSet rows = count.executeQuery()) {
                    rows.next();
                    long value = rows.getLong(1);
                    counts.put(status, new long[] {value, now});
                    return value;
                }
            }
        };
        String what = "counting " + status + " tasks";
        return slow ? jdbc.callSlow(what, work) : jdbc.call(what, work);
    }

    /** The ended statuses have no index of their own: one scan counts all three, at most every 5 s. */
    private synchronized long countEnded(TaskStatus status, long now) {
        long[] cached = counts.get(status);
        if (cached != null && now - cached[1] < ENDED_COUNT_CACHE_NANOS) {
            return cached[0];
        }
        return jdbc.callSlow("counting ended tasks", connection -> {
            try (Statement sql = connection.createStatement();
                 ResultSet rows = sql.executeQuery("SELECT status, count(*) FROM " + table
                         + " WHERE status IN ('COMPLETED', 'FAILED', 'CANCELLED') GROUP BY status")) {
                Map<TaskStatus, Long> found = new EnumMap<>(TaskStatus.class);
                while (rows.next()) {
                    found.put(TaskStatus.valueOf(rows.getString(1)), rows.getLong(2));
                }
                for (TaskStatus ended : List.of(TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED)) {
                    counts.put(ended, new long[] {found.getOrDefault(ended, 0L), now});
                }
                return counts.get(status)[0];
            }
        });
    }
}
