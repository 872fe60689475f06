package dev.venom.core.persistence.internal.pg;

import dev.venom.core.engine.TaskChange;
import dev.venom.core.engine.UnknownDependencyException;
import dev.venom.core.model.TaskLog;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Dependencies between rows, always inside the transaction of the write they belong to. A new task reads
 * its dependencies' statuses {@code FOR SHARE}, so a dependency cannot end between that read and the commit;
 * the write that ends a task finds the tasks waiting on it in {@code venom_waits} (which the database keeps
 * equal to their {@code waiting_on}), then locks and changes them, and theirs down the chain, before it
 * commits. Whichever of the two commits second sees the other: no task is
 * left waiting on one that has ended, across servers and crashes.
 */
public final class PgDependencies {

    private final String table;
    private final String waitsSql;
    private final String lockSql;
    private final String channel;
    private final TaskLog language;
    private final Supplier<Instant> clock;
    private final String updateSql;

    public PgDependencies(String table, String channel, TaskLog language, Supplier<Instant> clock) {
        this.table = table;
        this.waitsSql = "SELECT dependent FROM " + Migrations.tableBeside(table, "venom_waits")
                + " WHERE dependency = ANY(?)";
        // By primary key alone: a condition on status would let a plan walk the ready index instead.
        this.lockSql = "SELECT * FROM " + table + " WHERE id = ANY(?) ORDER BY id FOR UPDATE";
        this.channel = channel;
        this.language = language;
        this.clock = clock;
        this.updateSql = TaskRows.update(table);
    }

    /**
     * {@code tasks}, new and in the order they are stored, as they are stored given their dependencies now
     * ({@link VenomTask#resolveDependencies}); a task may depend on an earlier one of the list.
     *
     * @param batch true if {@code tasks} is a batch: an unknown dependency then names the entry
     * @throws UnknownDependencyException if a dependency is neither stored nor earlier in the list
     */
    public List<VenomTask> resolve(Connection connection, List<VenomTask> tasks, boolean batch) throws SQLException {
        Set<UUID> named = new LinkedHashSet<>();
        tasks.forEach(task -> named.addAll(task.dependsOn()));
        if (named.isEmpty()) {
            return tasks;
        }
        Map<UUID, TaskStatus> statuses = new HashMap<>();
        try (PreparedStatement read = connection.prepareStatement("SELECT id, status FROM " + table
                + " WHERE id = ANY(?) ORDER BY id FOR SHARE")) {
            read.setArray(1, connection.createArrayOf("uuid", named.toArray()));
            try (ResultSet rows = read.executeQuery()) {
                while (rows.next()) {
                    statuses.put(rows.getObject(1, UUID.class), TaskStatus.valueOf(rows.getString(2)));
                }
            }
        }
        Instant now = clock.get();
        List<VenomTask> resolved = new ArrayList<>(tasks.size());
        for (int i = 0; i < tasks.size(); i++) {
            VenomTask task = tasks.get(i);
            for (UUID dependency : task.dependsOn()) {
                if (!statuses.containsKey(dependency)) {
                    UnknownDependencyException unknown = UnknownDependencyException.of(task, dependency);
                    throw batch ? unknown.inEntry(i) : unknown;
                }
            }
            VenomTask stored = task.resolveDependencies(statuses, now, language);
            resolved.add(stored);
            statuses.put(stored.id(), stored.status());
        }
        return resolved;
    }

    /**
     * Releases or cancels the tasks that wait on the ended tasks {@code ended} (id to final status), and down
     * the chain; wakes every server to claim those released once the transaction commits.
     *
     * @return the changes made, in order
     */
    public List<TaskChange> settle(Connection connection, Map<UUID, TaskStatus> ended) throws SQLException {
        if (ended.isEmpty()) {
            return List.of();
        }
        List<TaskChange> changes = new ArrayList<>();
        Instant now = clock.get();
        Map<UUID, TaskStatus> round = ended;
        boolean released = false;
        try (PreparedStatement waits = connection.prepareStatement(waitsSql);
             PreparedStatement lock = connection.prepareStatement(lockSql);
             PreparedStatement update = connection.prepareStatement(updateSql)) {
            while (!round.isEmpty()) {
                List<VenomTask> dependents = waitingOn(connection, waits, lock, round.keySet());
                Map<UUID, TaskStatus> next = new LinkedHashMap<>();
                for (VenomTask before : dependents) {
                    VenomTask after = before;
                    for (UUID dependency : before.waitingOn()) {
                        TaskStatus status = round.get(dependency);
                        if (status != null && after.status() == TaskStatus.PENDING) {
                            after = after.dependencyEnded(dependency, status, now, language);
                        }
                    }
                    TaskRows.bindUpdate(connection, update, before, after);
                    update.addBatch();
                    TaskChange change = new TaskChange(before, after.withVersion(before.version() + 1));
                    changes.add(change);
                    released |= change.released();
                    if (after.status().isTerminal()) {
                        next.put(after.id(), after.status());
                    }
                }
                if (!dependents.isEmpty()) {
                    update.executeBatch();
                }
                round = next;
            }
        }
        if (released) {
            try (PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
                notify.setString(1, channel);
                notify.setString(2, PgNotifications.NEW_TASKS);
                notify.execute();
            }
        }
        return changes;
    }

    /**
     * The PENDING tasks that wait on any of {@code ended}, locked, in id order. An edge read before the lock
     * may be gone once it is held (another write released the task): the locked row decides.
     */
    private static List<VenomTask> waitingOn(Connection connection, PreparedStatement waits, PreparedStatement lock,
                                             Set<UUID> ended) throws SQLException {
        waits.setArray(1, connection.createArrayOf("uuid", ended.toArray()));
        Set<UUID> candidates = new LinkedHashSet<>();
        try (ResultSet rows = waits.executeQuery()) {
            while (rows.next()) {
                candidates.add(rows.getObject(1, UUID.class));
            }
        }
        if (candidates.isEmpty()) {
            return List.of();
        }
        lock.setArray(1, connection.createArrayOf("uuid", candidates.toArray()));
        List<VenomTask> dependents = new ArrayList<>();
        try (ResultSet rows = lock.executeQuery()) {
            while (rows.next()) {
                VenomTask task = TaskRows.task(rows);
                if (task.status() == TaskStatus.PENDING && task.waitingOn().stream().anyMatch(ended::contains)) {
                    dependents.add(task);
                }
            }
        }
        return dependents;
    }
}
