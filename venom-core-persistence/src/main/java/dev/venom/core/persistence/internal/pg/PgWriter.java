package dev.venom.core.persistence.internal.pg;

import dev.venom.core.engine.Claim;
import dev.venom.core.engine.StoreException;
import dev.venom.core.engine.TaskChange;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import dev.venom.core.persistence.CommitObserver;
import dev.venom.core.persistence.internal.DrainLoop;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for PostgreSQL: the inserts and compare-and-set updates that arrive while a transaction
 * commits are written together in the next one (JDBC batches, one commit), and each caller's future
 * completes only after that commit. Acknowledged still means committed; a busy server simply commits
 * more changes per transaction. A transaction that ends tasks releases or cancels their dependents too.
 */
public final class PgWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PgWriter.class);
    private static final int MAX_BATCH = 500;

    private sealed interface Op permits Insert, KeyedInsert, Update {
        void fail(Throwable error);
    }

    /**
     * A new task; with an {@code owner}, one started on arrival and held by it for {@code leaseMillis}.
     * {@code done} completes with when that lease expires, or null for a task stored PENDING.
     */
    private record Insert(VenomTask task, String owner, long leaseMillis, CompletableFuture<Instant> done)
            implements Op {
        public void fail(Throwable error) {
            done.completeExceptionally(error);
        }
    }

    private record KeyedInsert(VenomTask task, CompletableFuture<VenomTask> done) implements Op {
        public void fail(Throwable error) {
            done.completeExceptionally(error);
        }
    }

    private record Update(VenomTask expected, VenomTask next, CompletableFuture<Optional<VenomTask>> done)
            implements Op {
        public void fail(Throwable error) {
            done.completeExceptionally(error);
        }
    }

    private final DataSource pool;
    private final String insertSql;
    private final String keyedInsertSql;
    private final String updateSql;
    private final String findByKeySql;
    private final PgEventRelay relay;
    private final CommitObserver observer;
    private final LongSupplier shiftMicros;
    private final PgDependencies dependencies;
    private final Consumer<List<TaskChange>> dependentsChanged;
    private final DrainLoop<Op> loop;

    /**
     * @param writers       how many transactions may be committing at once
     * @param table         the tasks table, schema included
     * @param relay         tells other servers of each committed change
     * @param observer      hears each committed transaction
     * @param shiftMicros   how far the store's clock is ahead of the database's (a test seam; 0 otherwise)
     * @param dependencies  settles the dependents of the tasks a transaction ends
     * @param dependentsChanged told of each committed transaction's changes to dependents
     */
    public PgWriter(DataSource pool, int writers, String table, PgEventRelay relay, CommitObserver observer,
                    LongSupplier shiftMicros, PgDependencies dependencies,
                    Consumer<List<TaskChange>> dependentsChanged) {
        this.dependencies = dependencies;
        this.dependentsChanged = dependentsChanged;
        this.pool = pool;
        this.relay = relay;
        this.observer = observer;
        this.shiftMicros = shiftMicros;
        this.insertSql = TaskRows.insert(table);
        this.keyedInsertSql = insertSql + " ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING";
        this.updateSql = TaskRows.update(table);
        this.findByKeySql = "SELECT * FROM " + table + " WHERE idempotency_key = ?";
        this.loop = new DrainLoop<>("venom-pg-writer", writers, new LinkedBlockingQueue<>(), MAX_BATCH, this::write,
                (batch, e) -> {
                    log.error("writing {} change(s) failed unexpectedly", batch.size(), e);
                    batch.forEach(op -> op.fail(e));
                }, op -> op.fail(new StoreException("the PostgreSQL store closed before this change was written")),
                true, Duration.ofSeconds(10));
    }

    /** Inserts {@code task}; completes with it once committed. */
    public CompletableFuture<VenomTask> insert(VenomTask task) {
        if (task.idempotencyKey() != null) {
            CompletableFuture<VenomTask> done = new CompletableFuture<>();
            enqueue(new KeyedInsert(task, done));
            return done;
        }
        CompletableFuture<Instant> done = new CompletableFuture<>();
        enqueue(new Insert(task, null, 0, done));
        return done.thenApply(none -> task.withVersion(1));
    }

    /**
     * Inserts {@code started}, a task {@linkplain VenomTask#startOnArrival started on arrival}, held by
     * {@code owner} for {@code leaseMillis}; completes with its claim once committed.
     */
    public CompletableFuture<Claim> insertClaimed(VenomTask started, String owner, long leaseMillis) {
        CompletableFuture<Instant> done = new CompletableFuture<>();
        enqueue(new Insert(started, owner, leaseMillis, done));
        return done.thenApply(expires -> new Claim(started, owner, expires));
    }

    /** Replaces {@code expected} by {@code next} if still at its version; empty if it was not. */
    public CompletableFuture<Optional<VenomTask>> update(VenomTask expected, VenomTask next) {
        CompletableFuture<Optional<VenomTask>> done = new CompletableFuture<>();
        enqueue(new Update(expected, next, done));
        return done;
    }

    private void enqueue(Op op) {
        if (!loop.offer(op)) {
            op.fail(new StoreException("the PostgreSQL store is closed"));
        }
    }

    private void write(List<Op> batch) {
        List<Insert> inserts = new ArrayList<>();
        List<Update> updates = new ArrayList<>();
        List<KeyedInsert> keyed = new ArrayList<>();
        for (Op op : batch) {
            if (op instanceof Insert insert) {
                inserts.add(insert);
            } else if (op instanceof Update update) {
                updates.add(update);
            } else {
                keyed.add((KeyedInsert) op);
            }
        }
        // One order for every transaction's row locks, so two batches never wait on each other in a circle.
        updates.sort(java.util.Comparator.comparing(update -> update.next.id()));
        if (!inserts.isEmpty() || !updates.isEmpty()) {
            try {
                Written written = writeRetryingConflicts(inserts, updates);
                inserts.forEach(op -> op.done.complete(written.leaseExpiry(op)));
                boolean[] applied = written.applied();
                for (int i = 0; i < updates.size(); i++) {
                    Update op = updates.get(i);
                    op.done.complete(applied[i]
                            ? Optional.of(op.next.withVersion(op.expected.version() + 1)) : Optional.empty());
                }
            } catch (SQLException e) {
                if (isDataError(e)) {
                    // One bad change (a duplicate id) must not fail the others: write each on its own.
                    inserts.forEach(op -> writeAlone(op, List.of(op), List.of()));
                    updates.forEach(op -> writeAlone(op, List.of(), List.of(op)));
                } else {
                    StoreException failure =
                            Jdbc.failure("writing " + (inserts.size() + updates.size()) + " change(s)", e);
                    inserts.forEach(op -> op.fail(failure));
                    updates.forEach(op -> op.fail(failure));
                }
            }
        }
        keyed.forEach(this::insertKeyed);
    }

    private void writeAlone(Op op, List<Insert> inserts, List<Update> updates) {
        try {
            Written written = writeRetryingConflicts(inserts, updates);
            if (op instanceof Insert insert) {
                insert.done.complete(written.leaseExpiry(insert));
            } else {
                Update update = (Update) op;
                update.done.complete(written.applied()[0]
                        ? Optional.of(update.next.withVersion(update.expected.version() + 1)) : Optional.empty());
            }
        } catch (SQLException e) {
            if ("23505".equals(e.getSQLState()) && op instanceof Insert insert) {
                op.fail(new IllegalArgumentException("task " + insert.task.id() + " already exists"));
            } else if (isDataError(e)) {
                // Permanent: retrying cannot help, so it is not reported as an outage.
                op.fail(new IllegalArgumentException("PostgreSQL refused the change: " + e.getMessage()));
            } else {
                op.fail(Jdbc.failure("writing a change", e));
            }
        }
    }

    /**
     * What a transaction wrote: whether each update applied, and when it started on the (shifted) database
     * clock, which is where the leases of tasks claimed on arrival start; null if it had none.
     */
    private record Written(boolean[] applied, Instant start) {
        Instant leaseExpiry(Insert insert) {
            return insert.owner == null ? null : start.plusMillis(insert.leaseMillis);
        }
    }

    /** A deadlock or serialization failure is retried once: it is a collision, not a fault. */
    private Written writeRetryingConflicts(List<Insert> inserts, List<Update> updates) throws SQLException {
        try {
            return writeTogether(inserts, updates);
        } catch (SQLException e) {
            if ("40P01".equals(e.getSQLState()) || "40001".equals(e.getSQLState())) {
                log.debug("write of {} change(s) collided ({}); retrying", inserts.size() + updates.size(),
                        e.getSQLState());
                return writeTogether(inserts, updates);
            }
            throw e;
        }
    }

    /** One transaction: the inserts, then the updates. */
    private Written writeTogether(List<Insert> inserts, List<Update> updates) throws SQLException {
        try (Connection connection = pool.getConnection()) {
            long start = System.nanoTime();
            connection.setAutoCommit(false);
            try {
                Instant transactionStart = null;
                if (!inserts.isEmpty()) {
                    long shift = shiftMicros.getAsLong();
                    boolean claims = false;
                    try (PreparedStatement insert = connection.prepareStatement(insertSql)) {
                        for (Insert op : inserts) {
                            TaskRows.bindInsert(connection, insert, op.task, op.owner, shift, op.leaseMillis);
                            insert.addBatch();
                            claims |= op.owner != null;
                        }
                        insert.executeBatch();
                    }
                    if (claims) {
                        transactionStart = transactionStart(connection, shift);
                    }
                }
                boolean[] applied = new boolean[updates.size()];
                if (!updates.isEmpty()) {
                    try (PreparedStatement update = connection.prepareStatement(updateSql)) {
                        for (Update op : updates) {
                            TaskRows.bindUpdate(connection, update, op.expected, op.next);
                            update.addBatch();
                        }
                        int[] counts = update.executeBatch();
                        for (int i = 0; i < counts.length; i++) {
                            applied[i] = counts[i] > 0;
                        }
                    }
                }
                List<PgEvents.Change> changes = new ArrayList<>(inserts.size() + updates.size());
                inserts.forEach(op -> changes.add(PgEvents.Change.created(op.task)));
                Map<UUID, TaskStatus> ended = new LinkedHashMap<>();
                for (int i = 0; i < updates.size(); i++) {
                    if (applied[i]) {
                        Update op = updates.get(i);
                        changes.add(PgEvents.Change.between(op.expected, op.next));
                        if (op.next.status().isTerminal()) {
                            ended.put(op.next.id(), op.next.status());
                        }
                    }
                }
                List<TaskChange> settled = dependencies.settle(connection, ended);
                settled.forEach(change -> changes.add(PgEvents.Change.between(change.before(), change.after())));
                connection.commit();
                observer.committed(inserts.size() + updates.size(), System.nanoTime() - start);
                relay.tell(changes);
                dependentsChanged.accept(settled);
                return new Written(applied, transactionStart);
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(connection);
                throw e;
            }
        }
    }

    private static Instant transactionStart(Connection connection, long shiftMicros) throws SQLException {
        try (PreparedStatement now = connection.prepareStatement(
                "SELECT transaction_timestamp() + ?::bigint * interval '1 microsecond' AS start")) {
            now.setLong(1, shiftMicros);
            try (ResultSet rows = now.executeQuery()) {
                rows.next();
                return TaskRows.instant(rows, "start");
            }
        }
    }

    /** An insert with an idempotency key: of concurrent ones, one adds its task and the rest read it. */
    private void insertKeyed(KeyedInsert op) {
        try (Connection connection = pool.getConnection()) {
            long start = System.nanoTime();
            connection.setAutoCommit(false);
            try {
                int added;
                try (PreparedStatement insert = connection.prepareStatement(keyedInsertSql)) {
                    TaskRows.bindInsert(connection, insert, op.task);
                    added = insert.executeUpdate();
                }
                if (added == 1) {
                    connection.commit();
                    observer.committed(1, System.nanoTime() - start);
                    relay.tell(List.of(PgEvents.Change.created(op.task)));
                    op.done.complete(op.task.withVersion(1));
                    return;
                }
                connection.commit();
            } catch (SQLException e) {
                rollbackQuietly(connection);
                throw e;
            }
            try (PreparedStatement find = connection.prepareStatement(findByKeySql)) {
                find.setString(1, op.task.idempotencyKey());
                try (ResultSet rows = find.executeQuery()) {
                    if (rows.next()) {
                        op.done.complete(TaskRows.task(rows));
                    } else {
                        op.fail(new StoreException("idempotency key " + op.task.idempotencyKey()
                                + " is taken but its task is gone; try again"));
                    }
                }
            }
        } catch (SQLException e) {
            op.fail("23505".equals(e.getSQLState())
                    ? new IllegalArgumentException("task " + op.task.id() + " already exists")
                    : Jdbc.failure("inserting task " + op.task.id(), e));
        }
    }

    /** A constraint or data problem (class 22 or 23), as opposed to a lost connection or server. */
    private static boolean isDataError(SQLException e) {
        String state = e.getSQLState();
        if (state == null && e.getNextException() != null) {
            state = e.getNextException().getSQLState();
        }
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    private static void rollbackQuietly(Connection connection) {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the connection is gone; the transaction with it
        }
    }

    /** Writes what is queued (10 s at most), then stops the writer threads; what is left fails. */
    @Override
    public void close() {
        loop.close();
    }
}
