package dev.venom.core.persistence;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.venom.core.engine.Claim;
import dev.venom.core.engine.ClaimRequest;
import dev.venom.core.engine.QueueCounts;
import dev.venom.core.engine.QueueState;
import dev.venom.core.engine.StateStore;
import dev.venom.core.engine.Schedule;
import dev.venom.core.engine.ScheduleExistsException;
import dev.venom.core.engine.StoreSignals;
import dev.venom.core.engine.StoreException;
import dev.venom.core.engine.TaskChange;
import dev.venom.core.engine.TaskPage;
import dev.venom.core.engine.TaskQuery;
import dev.venom.core.engine.UnknownDependencyException;
import dev.venom.core.engine.internal.CompactTask;
import dev.venom.core.engine.internal.DependentsListeners;
import dev.venom.core.model.TaskLog;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import dev.venom.core.persistence.internal.pg.Jdbc;
import dev.venom.core.persistence.internal.pg.Migrations;
import dev.venom.core.persistence.internal.pg.PgAuditTrail;
import dev.venom.core.persistence.internal.pg.PgClaims;
import dev.venom.core.persistence.internal.pg.PgDependencies;
import dev.venom.core.persistence.internal.pg.PgEvents;
import dev.venom.core.persistence.internal.pg.PgEventRelay;
import dev.venom.core.persistence.internal.pg.PgNotifications;
import dev.venom.core.persistence.internal.pg.PgQueries;
import dev.venom.core.persistence.internal.pg.PgQueues;
import dev.venom.core.persistence.internal.pg.PgRetention;
import dev.venom.core.persistence.internal.pg.PgSchedules;
import dev.venom.core.persistence.internal.pg.PgWriter;
import dev.venom.core.persistence.internal.pg.TaskRows;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link StateStore} in PostgreSQL, shared by several servers. Tasks are rows of {@code venom_tasks}
 * (schema created and upgraded at open); writes are compare-and-set on the row's version and group
 * committed; claims take due rows with {@code FOR UPDATE SKIP LOCKED} and hold them by a lease whose expiry
 * is computed on the database clock; {@code LISTEN/NOTIFY} wakes idle servers, polling covers the rest.
 *
 * <p>Open with {@link #builder(String)} (the store keeps a pool of its own) or {@link #builder(DataSource)} (it
 * borrows the application's connections, one of them held for {@code LISTEN}); close to release what it holds.
 * {@link #insert(VenomTask, Connection)} adds a task inside the caller's own transaction.
 */
public final class PostgresStateStore implements StateStore, StoreSignals, PooledStore {

    private static final Logger log = LoggerFactory.getLogger(PostgresStateStore.class);

    /** Where every connection comes from: the store's own pool, or the application's data source. */
    private final DataSource pool;
    /** The store's own pool, closed with it; null when the application's data source is used. */
    private final HikariDataSource ownPool;
    private final String url;
    /** The channel this schema's servers notify on. */
    private final String channel;
    private final String schema;
    /** {@code "<schema>".venom_tasks}: named in full in every statement, whatever a session's search_path. */
    private final String table;
    private final Supplier<Duration> clockShift;
    private final PgEventRelay relay;
    private final PgWriter writer;
    private final PgNotifications notifications;
    private final ScheduledExecutorService maintenance;
    private final Jdbc jdbc;
    private final PgQueries queries;
    private final PgClaims claims;
    private final PgQueues queues;
    /** Runs the queue registrations and the cancel notifications, off the callers' threads. */
    private final ExecutorService registrations;
    private final TaskLog language;
    private final PgRetention retention;
    private final Duration queryTimeout;
    private final PgDependencies dependencies;
    private final PgSchedules schedules;
    /** Stores batches and tasks with dependencies, each in a transaction of its own, off the callers' threads. */
    private final ExecutorService together;
    private final DependentsListeners dependentsListeners = new DependentsListeners();
    private volatile boolean closed;

    private PostgresStateStore(Builder b, DataSource pool, HikariDataSource ownPool) {
        this.pool = pool;
        this.ownPool = ownPool;
        this.url = b.url;
        this.schema = b.schema;
        this.table = quoted(b.schema) + ".venom_tasks";
        this.clockShift = b.clockShift;
        this.queryTimeout = b.queryTimeout;
        this.jdbc = new Jdbc(pool);
        this.queries = new PgQueries(jdbc, table);
        this.channel = "venom_tasks_" + schema;
        // Names this store's own notifications, which it ignores: its own changes reach its engine directly.
        String token = UUID.randomUUID().toString().substring(0, 8);
        this.relay = new PgEventRelay(pool, channel, table, token);
        this.dependencies = new PgDependencies(table, channel, b.language, () -> Instant.now().plus(b.clockShift.get()));
        this.writer = new PgWriter(pool, b.writers, table, relay, b.observer, this::shiftMicros, dependencies,
                dependentsListeners);
        this.notifications = new PgNotifications(() -> listenerConnection(b), pool, channel, relay);
        this.claims = new PgClaims(jdbc, table, relay, b.language, this::shiftMicros, dependencies,
                dependentsListeners);
        this.language = b.language;
        this.maintenance = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "venom-pg-maintenance");
            thread.setDaemon(true);
            return thread;
        });
        this.retention = b.retention == null ? null
                : new PgRetention(jdbc, table, b.retention, this::shiftMicros, () -> closed);
        this.registrations = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "venom-pg-queues");
            thread.setDaemon(true);
            return thread;
        });
        this.queues = new PgQueues(jdbc, table, registrations);
        this.schedules = new PgSchedules(jdbc, table);
        this.together = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "venom-pg-together");
            thread.setDaemon(true);
            return thread;
        });
        if (retention != null) {
            maintenance.scheduleWithFixedDelay(retention::prune, 10, 60, TimeUnit.SECONDS);
        }
    }

    /**
     * A builder for a store on the application's own {@code dataSource} (its pool, its credentials and
     * timeouts), as an application that already has one would share it. The store holds one of its
     * connections for {@code LISTEN} as long as it is open, and never closes the data source.
     */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /** A builder for a store at {@code jdbcUrl} ({@code jdbc:postgresql://host:port/database}). */
    public static Builder builder(String jdbcUrl) {
        return new Builder(jdbcUrl);
    }

    /**
     * The audit trail in this store's schema ({@code venom_audit}), shared by every server of the database;
     * it writes on a thread of its own over this store's pool. The caller closes it, before this store.
     */
    public AuditTrail auditTrail() {
        return new PgAuditTrail(pool, jdbc, table);
    }

    /** Where the store is, without credentials: {@code <url> schema <schema>}. */
    public String describe() {
        return (url == null ? "the application's DataSource" : withoutPassword(url)) + " schema " + schema;
    }

    /** {@code url} with any {@code password=...} parameter masked, fit for a log or a report. */
    public static String withoutPassword(String url) {
        return url.replaceAll("(?i)password=[^&]*", "password=***");
    }

    /** Runs retention now, as the minute's pass would. */
    void pruneNow() {
        if (retention != null) {
            retention.prune();
        }
    }

    /** True while LISTEN/NOTIFY wake-ups arrive; polling works either way. */
    boolean notificationsWork() {
        return notifications.working();
    }

    @Override
    public PoolStats pool() {
        if (ownPool == null) {
            return new PoolStats(0, 0, 0, 0); // the application's pool: it reports its own figures
        }
        HikariPoolMXBean bean = ownPool.getHikariPoolMXBean();
        int max = ownPool.getMaximumPoolSize();
        return bean == null ? new PoolStats(0, 0, 0, max)
                : new PoolStats(bean.getActiveConnections(), bean.getIdleConnections(),
                        bean.getThreadsAwaitingConnection(), max);
    }

    /** True while another server has been heard on this schema's channel: only then are changes told. */
    boolean hearsOtherServers() {
        return relay.hasPeers();
    }

    /** Test seam: makes the listener deaf, as a transaction-pooling proxy would. */
    void silenceNotifications() {
        notifications.silence();
    }

    /**
     * Asks the database for a writable session, on a pooled connection: bounded by the pool's wait and the
     * query timeout, so a frozen database is reported as such within a few seconds.
     */
    @Override
    public Optional<String> problem() {
        try (Connection connection = pool.getConnection();
             Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT pg_is_in_recovery()")) {
            rows.next();
            return rows.getBoolean(1) ? Optional.of("the database is a read-only standby") : Optional.empty();
        } catch (SQLException e) { // the answer is the check's result, not a failure to report
            return Optional.of(Jdbc.timedOut(e)
                    ? "the database is unreachable: it did not answer within " + queryTimeout.toMillis() + " ms"
                    : "the database is unreachable: " + e.getMessage());
        }
    }

    @Override
    public void onNewTasks(Runnable listener) {
        notifications.onNewTasks(listener);
    }

    @Override
    public CompletableFuture<VenomTask> insert(VenomTask task) {
        Objects.requireNonNull(task, "task");
        Optional<IllegalArgumentException> unstorable = unstorable(task.content());
        if (unstorable.isPresent()) {
            return CompletableFuture.failedFuture(unstorable.get());
        }
        if (!task.dependsOn().isEmpty()) {
            return storeTogether(List.of(task), false).thenApply(stored -> stored.get(0));
        }
        CompletableFuture<Void> registered = queues.register(task.queue());
        return registered.isDone() ? writer.insert(task) : registered.thenCompose(done -> writer.insert(task));
    }

    /**
     * {@inheritDoc}
     *
     * <p>One transaction: the queues' registration, the dependencies' statuses read {@code FOR SHARE}, the rows
     * (one batched statement) and a notification that wakes every server once it commits. Runs on the
     * caller's thread.
     */
    @Override
    public CompletableFuture<List<VenomTask>> insertAll(List<VenomTask> tasks) {
        Set<UUID> ids = new HashSet<>();
        for (VenomTask task : tasks) {
            if (task.idempotencyKey() != null) {
                throw new IllegalArgumentException("tasks of a batch carry no idempotency key; task " + task.id()
                        + " has one");
            }
            if (!ids.add(task.id())) {
                throw new IllegalArgumentException("task " + task.id() + " is in the batch twice");
            }
            Optional<IllegalArgumentException> unstorable = unstorable(task.content());
            if (unstorable.isPresent()) {
                return CompletableFuture.failedFuture(unstorable.get());
            }
        }
        return storeTogether(tasks, true);
    }

    /**
     * Stores {@code tasks} in one transaction on the caller's thread, each as its dependencies leave it; a
     * single task with an idempotency key another task holds stores nothing and answers that task.
     */
    private CompletableFuture<List<VenomTask>> storeTogether(List<VenomTask> tasks, boolean batch) {
        List<VenomTask> given = tasks.stream().map(task -> task.withVersion(1)).toList();
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return storeNow(given, batch);
                } catch (StoreException collided) {
                    if (!Jdbc.collided(collided)) {
                        throw collided;
                    }
                    log.debug("storing {} task(s) collided with another write ({}); retrying", given.size(),
                            collided.getMessage());
                    return storeNow(given, batch);
                }
            }, together).thenApply(stored -> {
                if (stored.get(0).id().equals(given.get(0).id())) {
                    relay.tell(stored.stream().map(PgEvents.Change::created).toList());
                }
                return stored;
            });
        } catch (RejectedExecutionException closed) {
            return CompletableFuture.failedFuture(new StoreException("the PostgreSQL store is closed"));
        }
    }

    /** One transaction, on this thread; a deadlock or serialization failure fails it as a {@link StoreException}. */
    private List<VenomTask> storeNow(List<VenomTask> given, boolean batch) {
        boolean keyed = !batch && given.get(0).idempotencyKey() != null;
        return jdbc.call("storing " + (batch ? "a batch of " + given.size() + " tasks" : "task "
                + given.get(0).id()), connection -> Jdbc.transaction(connection, transaction -> {
            try (PreparedStatement register = transaction.prepareStatement("INSERT INTO " + PgQueues.table(table)
                    + " (name, paused, updated_at) VALUES (?, false, now()) ON CONFLICT (name) DO NOTHING");
                 PreparedStatement insert = transaction.prepareStatement(TaskRows.insert(table) + (keyed
                         ? " ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING" : ""));
                 PreparedStatement notify = transaction.prepareStatement("SELECT pg_notify(?, ?)");
                 PreparedStatement taken = transaction.prepareStatement("SELECT id FROM " + table
                         + " WHERE id = ANY(?)")) {
                taken.setArray(1, transaction.createArrayOf("uuid", given.stream().map(VenomTask::id).toArray()));
                try (ResultSet rows = taken.executeQuery()) {
                    if (rows.next()) {
                        throw new IllegalArgumentException("task " + rows.getObject(1) + " already exists");
                    }
                }
                List<VenomTask> resolved = dependencies.resolve(transaction, given, batch);
                for (String queue : resolved.stream().map(VenomTask::queue).distinct().toList()) {
                    register.setString(1, queue);
                    register.executeUpdate();
                }
                for (VenomTask task : resolved) {
                    TaskRows.bindInsert(transaction, insert, task);
                    insert.addBatch();
                }
                int[] added = insert.executeBatch();
                if (keyed && added[0] == 0) {
                    return List.of(existing(transaction, given.get(0)));
                }
                notify.setString(1, channel);
                notify.setString(2, PgNotifications.NEW_TASKS);
                notify.execute();
                return resolved;
            }
        }));
    }

    @Override
    public void onDependentsChanged(Consumer<List<TaskChange>> listener) {
        dependentsListeners.add(listener);
    }

    /**
     * {@inheritDoc}
     *
     * <p>One row, inserted PROCESSING with its lease, in the same group commit as other writes; its
     * {@code Processing started} line carries the creation time, and its lease runs from the transaction's
     * start on the database clock.
     */
    @Override
    public CompletableFuture<Optional<Claim>> insertClaimed(VenomTask task, String owner, Duration lease) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(owner, "owner");
        VenomTask started = task.startOnArrival(task.createdAt(), language);
        Optional<IllegalArgumentException> unstorable = unstorable(task.content());
        if (unstorable.isPresent()) {
            return CompletableFuture.failedFuture(unstorable.get());
        }
        CompletableFuture<Void> registered = queues.register(task.queue());
        return (registered.isDone() ? writer.insertClaimed(started, owner, lease.toMillis())
                : registered.thenCompose(done -> writer.insertClaimed(started, owner, lease.toMillis())))
                .thenApply(Optional::of);
    }

    /**
     * Why PostgreSQL text cannot hold {@code content} exactly, if it cannot: a NUL character, or an unpaired
     * surrogate (the driver would write it as {@code ?}). Refused rather than changed.
     */
    private static Optional<IllegalArgumentException> unstorable(String content) {
        if (content.indexOf('\0') >= 0) {
            return Optional.of(new IllegalArgumentException(
                    "content holds a NUL character (\\u0000), which PostgreSQL text cannot store"));
        }
        if (CompactTask.hasUnpairedSurrogate(content)) {
            return Optional.of(new IllegalArgumentException(
                    "content holds an unpaired surrogate (such as \\ud800), which PostgreSQL text cannot store"));
        }
        return Optional.empty();
    }

    @Override
    public Optional<VenomTask> find(UUID id) {
        return queries.find(id);
    }

    /** {@inheritDoc} Found by a GIN index on {@code depends_on}. */
    @Override
    public List<VenomTask> dependentsOf(UUID id, int limit) {
        return queries.dependentsOf(id, limit);
    }

    @Override
    public TaskPage list(TaskQuery query) {
        return queries.list(query);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Counted by the database at most every 250 ms for PENDING and PROCESSING (from their indexes), and
     * every 5 s for the ended statuses (one scan counts them all); in between the last count is answered.
     */
    @Override
    public long count(TaskStatus status) {
        return queries.count(status);
    }

    @Override
    public List<Claim> claim(ClaimRequest request) {
        return claims.claim(request);
    }

    /** {@inheritDoc} Read from the lease index, which holds only PROCESSING tasks. */
    @Override
    public List<Claim> claimsOf(String owner) {
        return claims.claimsOf(owner);
    }

    @Override
    public Optional<Claim> claimOf(UUID id) {
        return claims.claimOf(id);
    }

    @Override
    public Optional<Claim> renew(Claim claim, Duration lease) {
        return claims.renew(claim, lease);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A task whose last allowed attempt lost its claim ends FAILED instead. Rescued in batches.
     */
    @Override
    public int rescueExpired() {
        return claims.rescueExpired();
    }

    @Override
    public List<QueueState> queues() {
        return queues.queues();
    }

    /** {@inheritDoc} Every claim reads it, so no server claims from the queue once this commits. */
    @Override
    public CompletableFuture<Void> pause(String queue, boolean paused) {
        try {
            queues.pause(queue, paused);
            return CompletableFuture.completedFuture(null);
        } catch (StoreException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public List<Schedule> schedules() {
        return schedules.list();
    }

    @Override
    public CompletableFuture<Schedule> insertSchedule(Schedule schedule) {
        try {
            return CompletableFuture.completedFuture(schedules.insert(schedule));
        } catch (StoreException | ScheduleExistsException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Optional<Schedule>> updateSchedule(Schedule expected, Schedule next) {
        try {
            return CompletableFuture.completedFuture(schedules.update(expected, next));
        } catch (StoreException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Boolean> deleteSchedule(String name) {
        try {
            return CompletableFuture.completedFuture(schedules.delete(name));
        } catch (StoreException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public Map<String, QueueCounts> queueCounts() {
        return queues.counts();
    }

    @Override
    public CompletableFuture<Optional<VenomTask>> update(VenomTask expected, VenomTask next) {
        if (!expected.id().equals(next.id())) {
            throw new IllegalArgumentException("cannot replace task " + expected.id() + " by task " + next.id());
        }
        CompletableFuture<Optional<VenomTask>> written = writer.update(expected, next);
        if (expected.status() == TaskStatus.PROCESSING && next.status() == TaskStatus.CANCELLED) {
            written.thenAccept(stored -> stored.ifPresent(cancelled -> registrations.execute(
                    () -> notifications.tellCancelled(cancelled.id(), expected.attempts()))));
        }
        return written;
    }

    @Override
    public void onCancelled(BiConsumer<UUID, Integer> listener) {
        notifications.onCancelled(listener);
    }

    /** {@inheritDoc} Also the expired claims this server rescues. */
    @Override
    public void onRemoteEvents(RemoteListener listener) {
        relay.listen(Objects.requireNonNull(listener, "listener"));
    }

    private long shiftMicros() {
        Duration shift = clockShift.get();
        return shift.getSeconds() * 1_000_000 + shift.getNano() / 1000;
    }

    private Connection listenerConnection(Builder b) {
        try {
            Connection connection = b.url == null ? pool.getConnection()
                    : DriverManager.getConnection(b.url, b.properties());
            try (Statement sql = connection.createStatement()) {
                sql.execute("SET search_path TO " + quoted(schema));
            }
            return connection;
        } catch (SQLException e) {
            throw Jdbc.failure("opening the LISTEN connection", e);
        }
    }

    private static String quoted(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /**
     * {@inheritDoc}
     *
     * <p>On the caller's {@code transaction} (auto-commit off): the queue's registration, the row, and a
     * notification that PostgreSQL delivers only when the transaction commits, which wakes every server to
     * claim it. A task with an idempotency key that another task holds is not added; that task is returned.
     * Nothing is committed or rolled back here; a rollback leaves no task and wakes nobody.
     */
    @Override
    public VenomTask insert(VenomTask task, Connection transaction) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(transaction, "transaction");
        unstorable(task.content()).ifPresent(problem -> {
            throw problem;
        });
        try {
            if (transaction.getAutoCommit()) {
                throw new IllegalArgumentException("the connection is in auto-commit mode: a task enqueued in a "
                        + "transaction needs one (setAutoCommit(false))");
            }
            VenomTask stored = dependencies.resolve(transaction, List.of(task.withVersion(1)), false).get(0);
            try (PreparedStatement register = transaction.prepareStatement("INSERT INTO " + PgQueues.table(table)
                    + " (name, paused, updated_at) VALUES (?, false, now()) ON CONFLICT (name) DO NOTHING");
                 PreparedStatement insert = transaction.prepareStatement(TaskRows.insert(table)
                         + " ON CONFLICT DO NOTHING");
                 PreparedStatement notify = transaction.prepareStatement("SELECT pg_notify(?, ?)")) {
                register.setString(1, task.queue());
                register.executeUpdate();
                TaskRows.bindInsert(transaction, insert, stored);
                if (insert.executeUpdate() == 0) {
                    return existing(transaction, task);
                }
                notify.setString(1, channel);
                notify.setString(2, PgNotifications.NEW_TASKS);
                notify.execute();
            }
            return stored;
        } catch (SQLException e) {
            throw Jdbc.failure("enqueueing task " + task.id() + " in the caller's transaction", e);
        }
    }

    /** The task that holds {@code task}'s idempotency key, read in the caller's transaction. */
    private VenomTask existing(Connection transaction, VenomTask task) throws SQLException {
        if (task.idempotencyKey() == null) {
            throw new IllegalArgumentException("task " + task.id() + " already exists");
        }
        try (PreparedStatement find = transaction.prepareStatement("SELECT * FROM " + table
                + " WHERE idempotency_key = ?")) {
            find.setString(1, task.idempotencyKey());
            try (ResultSet rows = find.executeQuery()) {
                if (!rows.next()) {
                    throw new IllegalArgumentException("task " + task.id() + " already exists");
                }
                return TaskRows.task(rows);
            }
        }
    }

    /** {@inheritDoc} Counted now by the database, never from the cache {@link #count} reads. */
    @Override
    public long countExact(TaskStatus status) {
        return queries.countExact(status);
    }

    /** Stops the listener and the writers (after writing what is queued) and closes the pool. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        maintenance.shutdown(); // a prune stops between batches once closed is set
        try {
            if (!maintenance.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("retention still running 10 s after close; interrupting it");
                maintenance.shutdownNow();
            }
        } catch (InterruptedException e) {
            maintenance.shutdownNow();
            Thread.currentThread().interrupt();
        }
        registrations.shutdown();
        together.shutdown();
        notifications.close();
        writer.close();
        relay.close();
        if (ownPool != null) {
            ownPool.close();
        }
    }

    /** Options of a {@link PostgresStateStore}. */
    public static final class Builder {
        private final String url;
        private final DataSource dataSource;
        private String user;
        private String password;
        private String schema = "public";
        private int poolSize = 10;
        private int writers = 2;
        private Duration retention;
        private String node = "venom";
        private TaskLog language = TaskLog.EN;
        private Duration connectionTimeout = Duration.ofSeconds(2);
        private Duration queryTimeout = Duration.ofSeconds(2);
        private Supplier<Duration> clockShift = () -> Duration.ZERO;
        private CommitObserver observer = CommitObserver.NONE;

        private Builder(String url) {
            if (url == null || !url.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("a PostgreSQL JDBC URL starts with jdbc:postgresql:, was " + url);
            }
            this.url = url;
            this.dataSource = null;
        }

        private Builder(DataSource dataSource) {
            this.url = null;
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        /** Hears each transaction the writers commit: the changes it carried and how long it took. */
        public Builder commitObserver(CommitObserver observer) {
            this.observer = Objects.requireNonNull(observer, "observer");
            return this;
        }

        /** The user; default the URL's {@code user} parameter. */
        public Builder user(String user) {
            this.user = user;
            return this;
        }

        /** The password; default the URL's {@code password} parameter. */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        /** The schema the tables live in, created if missing; default {@code public}. */
        public Builder schema(String schema) {
            if (schema == null || !schema.matches("[A-Za-z_][A-Za-z0-9_]{0,40}")) {
                throw new IllegalArgumentException("schema must be a plain identifier of up to 41 characters, was "
                        + schema);
            }
            this.schema = schema;
            return this;
        }

        /** Connections in the pool, 2..200; default 10. */
        public Builder poolSize(int poolSize) {
            if (poolSize < 2 || poolSize > 200) {
                throw new IllegalArgumentException("poolSize must be 2..200, was " + poolSize);
            }
            this.poolSize = poolSize;
            return this;
        }

        /** Delete finished tasks older than this; {@code null} (the default) keeps them. */
        public Builder retention(Duration retention) {
            this.retention = retention;
            return this;
        }

        /**
         * The language of the lines the database writes for this server (a claim's, an expired claim's);
         * default {@link TaskLog#EN}. Lines already written are kept as they are.
         */
        public Builder language(TaskLog language) {
            this.language = Objects.requireNonNull(language, "language");
            return this;
        }

        /** This server's name, in its connections' {@code application_name} (see {@code pg_stat_activity}). */
        public Builder node(String node) {
            this.node = Objects.requireNonNull(node, "node");
            return this;
        }

        /** How long a request waits for a connection before it fails (503 over HTTP); default 2 s. */
        public Builder connectionTimeout(Duration timeout) {
            this.connectionTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * The longest wait for an answer from the database, in whole seconds (at least 1): a frozen database
         * or a lost network fails the call after it, so a request answers 503 instead of hanging; the
         * connection is discarded and a fresh one opened when the database answers again. Default 2 s. A
         * table scan ({@link #count} of the ended statuses) and retention batches may take a minute.
         */
        public Builder queryTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.toSeconds() < 1) {
                throw new IllegalArgumentException("queryTimeout must be at least 1 s, was " + timeout);
            }
            this.queryTimeout = timeout;
            return this;
        }

        /**
         * Test seam: moves the store's idea of "now" ahead of the database clock by what {@code shift} answers,
         * so a test can pass a lease's expiry without waiting for it.
         */
        Builder clockShift(Supplier<Duration> shift) {
            this.clockShift = Objects.requireNonNull(shift, "shift");
            return this;
        }

        private Properties properties() {
            Properties properties = new Properties();
            if (user != null) {
                properties.setProperty("user", user);
            }
            if (password != null) {
                properties.setProperty("password", password);
            }
            properties.setProperty("connectTimeout", "5");
            properties.setProperty("ApplicationName", "venom-core " + node);
            return properties;
        }

        /**
         * Connects, creates the schema if needed and brings it up to date.
         *
         * @throws StoreException if the database cannot be reached or migrated
         */
        public PostgresStateStore open() {
            if (dataSource != null) {
                try (Connection setup = dataSource.getConnection()) {
                    migrate(setup);
                    // the connection goes back to the application's pool as it came
                    try (Statement sql = setup.createStatement()) {
                        sql.execute("RESET search_path");
                    }
                } catch (SQLException e) {
                    throw Jdbc.failure("opening PostgreSQL on the application's DataSource", e);
                }
                return new PostgresStateStore(this, dataSource, null);
            }
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(url);
            config.setDataSourceProperties(properties());
            config.addDataSourceProperty("reWriteBatchedInserts", "true");
            config.addDataSourceProperty("socketTimeout", Long.toString(queryTimeout.toSeconds()));
            config.setMaximumPoolSize(poolSize);
            config.setConnectionTimeout(Math.max(250, connectionTimeout.toMillis()));
            config.setValidationTimeout(Math.max(250, Math.min(1_000, connectionTimeout.toMillis() / 2)));
            config.setPoolName("venom-pg");
            config.setInitializationFailTimeout(-1);
            try (Connection setup = DriverManager.getConnection(url, properties())) {
                migrate(setup);
            } catch (SQLException e) {
                throw Jdbc.failure("opening PostgreSQL at " + withoutPassword(url), e);
            }
            config.setSchema(schema);
            HikariDataSource pool = new HikariDataSource(config);
            return new PostgresStateStore(this, pool, pool);
        }

        /** Creates and migrates the schema; servers starting together queue here, so it happens once. */
        private void migrate(Connection setup) throws SQLException {
            try (Statement sql = setup.createStatement()) {
                sql.execute("SELECT pg_advisory_lock(" + Migrations.LOCK_KEY + ")");
                try {
                    sql.execute("CREATE SCHEMA IF NOT EXISTS " + quoted(schema));
                    sql.execute("SET search_path TO " + quoted(schema));
                    int version = Migrations.migrate(setup);
                    log.debug("schema {} at version {}", schema, version);
                } finally {
                    sql.execute("SELECT pg_advisory_unlock(" + Migrations.LOCK_KEY + ")");
                }
            }
        }
    }
}
