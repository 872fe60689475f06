package dev.venom.core.persistence.internal.pg;

import dev.venom.core.engine.Claim;
import dev.venom.core.engine.ClaimRequest;
import dev.venom.core.engine.TaskChange;
import dev.venom.core.model.TaskLog;
import dev.venom.core.model.TaskStatus;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Claims and leases on the database clock: claim due tasks with {@code FOR UPDATE SKIP LOCKED}, list an
 * owner's claims, renew one, rescue expired ones. Each claim and rescue is told to the other servers.
 * Thread-safe.
 */
public final class PgClaims {

    private static final int RESCUE_BATCH = 500;

    private final Jdbc jdbc;
    private final String table;
    private final PgEventRelay relay;
    private final LongSupplier shiftMicros;
    private final PgDependencies dependencies;
    private final Consumer<List<TaskChange>> dependentsChanged;
    private final String claimSql;
    private final String claimManySql;
    private final String claimLabelledSql;
    private final String claimManyLabelledSql;
    private final String renewSql;
    private final String rescueSql;

    /**
     * @param table       the tasks table, schema included
     * @param shiftMicros how far the store's clock is ahead of the database's (a test seam; 0 otherwise)
     * @param dependencies settles the dependents of tasks that fail when their last claim expires
     * @param dependentsChanged told of those changes once committed
     */
    public PgClaims(Jdbc jdbc, String table, PgEventRelay relay, TaskLog language, LongSupplier shiftMicros,
                    PgDependencies dependencies, Consumer<List<TaskChange>> dependentsChanged) {
        this.dependencies = dependencies;
        this.dependentsChanged = dependentsChanged;
        this.jdbc = jdbc;
        this.table = table;
        this.relay = relay;
        this.shiftMicros = shiftMicros;
        String queues = PgQueues.table(table);
        String start = "now AS (SELECT " + TaskRows.NOW + " AS at) "
                + "UPDATE " + table + " t SET status = 'PROCESSING', attempts = t.attempts + 1, "
                + "logs = array_append(t.logs, " + TaskRows.literal(language.processingStartedPrefix()) + " || "
                + TaskRows.LOG_TIME.formatted("now.at") + "), "
                + "updated_at = now.at, version = t.version + 1, lease_owner = ?, "
                + "lease_expires_at = now.at + ? * interval '1 millisecond', progress = NULL, progress_message = NULL "
                + "FROM picked, now WHERE t.id = picked.id RETURNING t.*";
        this.claimSql = claimOne(table, queues, "", start);
        this.claimManySql = claimMany(table, queues, "", start);
        // A remote worker's: only tasks whose requirements its labels (bound last) contain.
        String labelled = " AND (requires IS NULL OR requires <@ ?::jsonb)";
        this.claimLabelledSql = claimOne(table, queues, labelled, start);
        this.claimManyLabelledSql = claimMany(table, queues, labelled, start);
        this.renewSql = "UPDATE " + table + " SET lease_expires_at = " + TaskRows.NOW
                + " + ? * interval '1 millisecond' "
                + "WHERE id = ? AND status = 'PROCESSING' AND lease_owner = ? AND attempts = ? "
                + "RETURNING lease_expires_at";
        String time = TaskRows.LOG_TIME.formatted("now.at");
        this.rescueSql = "WITH expired AS (SELECT id FROM " + table + " WHERE status = 'PROCESSING' AND "
                + "lease_expires_at < " + TaskRows.NOW + " LIMIT " + RESCUE_BATCH + " FOR UPDATE SKIP LOCKED), "
                + "now AS (SELECT " + TaskRows.NOW + " AS at) "
                + "UPDATE " + table + " t SET "
                + "status = CASE WHEN t.attempts >= t.max_attempts THEN 'FAILED' ELSE 'PENDING' END, "
                + "result = CASE WHEN t.attempts >= t.max_attempts THEN "
                + TaskRows.literal(language.claimExpiredResultPrefix()) + " || t.lease_owner || "
                + TaskRows.literal(language.claimExpiredResultSuffix()) + " END, "
                + "logs = array_append(t.logs, " + TaskRows.literal(language.claimOfPrefix()) + " || t.lease_owner || CASE "
                + "WHEN t.attempts >= t.max_attempts THEN " + TaskRows.literal(language.claimExpiredFailedInfix())
                + " ELSE " + TaskRows.literal(language.claimExpiredRequeuedInfix()) + " END || " + time + "), "
                + "finished_at = CASE WHEN t.attempts >= t.max_attempts THEN now.at END, "
                + "updated_at = now.at, version = t.version + 1, lease_owner = NULL, lease_expires_at = NULL "
                + "FROM expired, now WHERE t.id = expired.id "
                + "RETURNING t.id, t.status, cardinality(t.logs) AS lines, t.updated_at, t.version";
    }

    /** One queue: the statement of a single queue, its pause read by primary key. */
    private static String claimOne(String table, String queues, String filter, String start) {
        return "WITH picked AS (SELECT id FROM " + table + " WHERE status = 'PENDING' AND waiting_on IS NULL "
                + "AND queue = ? AND due_at <= " + TaskRows.NOW + filter + " AND NOT EXISTS (SELECT 1 FROM " + queues
                + " WHERE name IN (?, '*') AND paused) ORDER BY priority DESC, due_at, seq LIMIT ? "
                + "FOR UPDATE SKIP LOCKED), " + start;
    }

    /** Several queues: each its own limit, in one statement, each reading only its own part of the index. */
    private static String claimMany(String table, String queues, String filter, String start) {
        return "WITH asked AS (SELECT q.name, q.lim FROM unnest(?::text[], ?::int[]) AS q(name, lim) "
                + "WHERE NOT EXISTS (SELECT 1 FROM " + queues + " p WHERE p.name IN (q.name, '*') AND p.paused)), "
                + "picked AS (SELECT c.id FROM asked CROSS JOIN LATERAL (SELECT id FROM " + table + " WHERE "
                + "status = 'PENDING' AND waiting_on IS NULL AND queue = asked.name AND due_at <= " + TaskRows.NOW + filter
                + " ORDER BY priority DESC, due_at, seq LIMIT asked.lim FOR UPDATE SKIP LOCKED) c), " + start;
    }

    /** See {@code StateStore.claim}: highest priority first, then the longest due. */
    public List<Claim> claim(ClaimRequest request) {
        String owner = request.owner();
        List<Map.Entry<String, Integer>> asked = request.limits().entrySet().stream()
                .filter(limit -> limit.getValue() > 0).toList();
        if (asked.isEmpty()) {
            return List.of();
        }
        boolean one = asked.size() == 1;
        String labels = request.labels() == null ? null : TaskRows.requiresJson(request.labels());
        String sql = request.labels() == null ? (one ? claimSql : claimManySql)
                : one ? claimLabelledSql : claimManyLabelledSql;
        return jdbc.call("claiming tasks for " + owner, connection -> {
            try (PreparedStatement claim = connection.prepareStatement(sql)) {
                long shift = shiftMicros.getAsLong();
                int i = 1;
                if (one) {
                    claim.setString(i++, asked.get(0).getKey());
                    claim.setLong(i++, shift);
                    if (request.labels() != null) {
                        claim.setString(i++, labels == null ? "{}" : labels);
                    }
                    claim.setString(i++, asked.get(0).getKey());
                    claim.setInt(i++, asked.get(0).getValue());
                } else {
                    claim.setArray(i++, connection.createArrayOf("text",
                            asked.stream().map(Map.Entry::getKey).toArray()));
                    claim.setArray(i++, connection.createArrayOf("integer",
                            asked.stream().map(Map.Entry::getValue).toArray()));
                    claim.setLong(i++, shift);
                    if (request.labels() != null) {
                        claim.setString(i++, labels == null ? "{}" : labels);
                    }
                }
                claim.setLong(i++, shift);
                claim.setString(i++, owner);
                claim.setLong(i, request.lease().toMillis());
                List<Claim> claimed = new ArrayList<>();
                try (ResultSet rows = claim.executeQuery()) {
                    while (rows.next()) {
                        claimed.add(new Claim(TaskRows.task(rows), owner, TaskRows.instant(rows, "lease_expires_at")));
                    }
                }
                relay.tell(claimed.stream().map(c -> PgEvents.Change.claimed(c.task())).toList());
                claimed.sort(Comparator.comparingInt((Claim c) -> -c.task().priority())
                        .thenComparing(c -> TaskRows.dueAt(c.task())));
                return claimed;
            }
        });
    }

    /** The claims {@code owner} holds, read from the lease index, which holds only PROCESSING tasks. */
    public List<Claim> claimsOf(String owner) {
        Objects.requireNonNull(owner, "owner");
        return jdbc.call("reading the claims of " + owner, connection -> {
            try (PreparedStatement held = connection.prepareStatement("SELECT * FROM " + table
                    + " WHERE status = 'PROCESSING' AND lease_owner = ? ORDER BY lease_expires_at")) {
                held.setString(1, owner);
                List<Claim> claims = new ArrayList<>();
                try (ResultSet rows = held.executeQuery()) {
                    while (rows.next()) {
                        claims.add(new Claim(TaskRows.task(rows), owner, TaskRows.instant(rows, "lease_expires_at")));
                    }
                }
                return claims;
            }
        });
    }

    /** The claim held on the task with {@code id}, if it is PROCESSING. */
    public Optional<Claim> claimOf(UUID id) {
        Objects.requireNonNull(id, "id");
        return jdbc.call("reading the claim of task " + id, connection -> {
            try (PreparedStatement held = connection.prepareStatement("SELECT * FROM " + table
                    + " WHERE id = ? AND status = 'PROCESSING'")) {
                held.setObject(1, id);
                try (ResultSet rows = held.executeQuery()) {
                    return rows.next() ? Optional.of(new Claim(TaskRows.task(rows), rows.getString("lease_owner"),
                            TaskRows.instant(rows, "lease_expires_at"))) : Optional.empty();
                }
            }
        });
    }

    /** Extends {@code claim} by {@code lease} from the database's now, if it is still held. */
    public Optional<Claim> renew(Claim claim, Duration lease) {
        return jdbc.call("renewing the claim of task " + claim.task().id(), connection -> {
            try (PreparedStatement renew = connection.prepareStatement(renewSql)) {
                renew.setLong(1, shiftMicros.getAsLong());
                renew.setLong(2, lease.toMillis());
                renew.setObject(3, claim.task().id());
                renew.setString(4, claim.owner());
                renew.setInt(5, claim.task().attempts());
                try (ResultSet rows = renew.executeQuery()) {
                    return rows.next() ? Optional.of(new Claim(claim.task(), claim.owner(),
                            TaskRows.instant(rows, "lease_expires_at"))) : Optional.empty();
                }
            }
        });
    }

    /**
     * Returns expired claims to PENDING, or to FAILED on the last allowed attempt, in batches.
     *
     * @return how many were rescued
     */
    public int rescueExpired() {
        return jdbc.call("rescuing expired claims", connection -> {
            try (PreparedStatement rescue = connection.prepareStatement(rescueSql)) {
                int total = 0;
                int rescued;
                do {
                    long shift = shiftMicros.getAsLong();
                    rescue.setLong(1, shift);
                    rescue.setLong(2, shift);
                    List<PgEvents.Change> changes = new ArrayList<>();
                    Map<UUID, TaskStatus> failed = new LinkedHashMap<>();
                    List<TaskChange> settled = Jdbc.transaction(connection, transaction -> {
                        try (ResultSet rows = rescue.executeQuery()) {
                            while (rows.next()) {
                                int lines = rows.getInt("lines");
                                UUID id = rows.getObject("id", UUID.class);
                                TaskStatus status = TaskStatus.valueOf(rows.getString("status"));
                                changes.add(new PgEvents.Change(id, TaskStatus.PROCESSING, status, lines - 1, lines,
                                        TaskRows.instant(rows, "updated_at"), rows.getLong("version")));
                                if (status.isTerminal()) {
                                    failed.put(id, status);
                                }
                            }
                        }
                        return dependencies.settle(transaction, failed);
                    });
                    relay.heard(changes); // this server's own streams hear of its rescues (its engine, of the rest)
                    settled.forEach(change -> changes.add(PgEvents.Change.between(change.before(), change.after())));
                    relay.tell(changes);
                    dependentsChanged.accept(settled);
                    rescued = changes.size() - settled.size();
                    total += rescued;
                } while (rescued == RESCUE_BATCH);
                return total;
            }
        });
    }
}
