package dev.venom.core.persistence;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.venom.core.engine.Claim;
import dev.venom.core.engine.ClaimRequest;
import dev.venom.core.engine.StateStore;
import dev.venom.core.engine.StoreSignals;
import dev.venom.core.engine.StoreException;
import dev.venom.core.engine.TaskCursor;
import dev.venom.core.engine.TaskPage;
import dev.venom.core.engine.TaskQuery;
import dev.venom.core.model.TaskLog;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import dev.venom.core.persistence.internal.Migrations;
import dev.venom.core.persistence.internal.PgEventRelay;
import dev.venom.core.persistence.internal.PgEvents;
import dev.venom.core.persistence.internal.PgNotifications;
import dev.venom.core.persistence.internal.PgWriter;
import dev.venom.core.persistence.internal.TaskRows;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link StateStore} in PostgreSQL, shared by several servers. Tasks are rows of {@code venom_tasks}
 * (schema created and upgraded at open); writes are compare-and-set on the row's version and group
 * committed; claims take due rows with {@code FOR UPDATE SKIP LOCKED} and hold them by a lease whose expiry
 * is computed on the database clock; {@code LISTEN/NOTIFY} wakes idle servers, polling covers the rest.
 *
 * <p>Open with {@link #builder(String)}; close to release the pool and the listener.
 */
public final class PostgresStateStore implements StateStore, StoreSignals, PooledStore {

    private static final Logger log = LoggerFactory.getLogger(PostgresStateStore.class);
    private static final int RESCUE_BATCH = 500;

    private static final int PRUNE_BATCH = 1000;
    private static final Duration SLOW_STATEMENT_TIMEOUT = Duration.ofMinutes(1);
    private static final long COUNT_CACHE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long ENDED_COUNT_CACHE_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** The database's time for this statement, in the timeline the store runs on (see {@code clockShift}). */
    private static final String NOW = "(statement_timestamp() + ? * interval '1 microsecond')";
    private static final String LOG_TIME = "to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";

    private final HikariDataSource pool;
    private final String url;
    private final String schema;
    /** {@code "<schema>".venom_tasks}: named in full in every statement, whatever a session's search_path. */
    private final String table;
    private final Supplier<Duration> clockShift;
    private final PgEventRelay relay;
    private final PgWriter writer;
    private final PgNotifications notifications;
    private final ScheduledExecutorService maintenance;

    private final Duration retention;
    private final Duration queryTimeout;
    private final ConcurrentHashMap<TaskStatus, long[]> counts = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private PostgresStateStore(Builder b, HikariDataSource pool) {
        this.pool = pool;
        this.url = b.url;
        this.schema = b.schema;
        this.table = quoted(b.schema) + ".venom_tasks";
        this.clockShift = b.clockShift;
        this.retention = b.retention;
        this.queryTimeout = b.queryTimeout;
        String channel = "venom_tasks_" + schema;
        // Names this store's own notifications, which it ignores: its own changes reach its engine directly.
        String token = UUID.randomUUID().toString().substring(0, 8);
        this.relay = new PgEventRelay(pool, channel, table, token);
        this.writer = new PgWriter(pool, b.writers, table, relay, b.observer, this::shiftMicros);
        this.notifications = new PgNotifications(() -> listenerConnection(b), pool, channel, relay);
        this.maintenance = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "venom-pg-maintenance");
            thread.setDaemon(true);
            return thread;
        });
        if (retention != null) {
            maintenance.scheduleWithFixedDelay(this::prune, 10, 60, TimeUnit.SECONDS);
        }
    }

    /** A builder for a store at {@code jdbcUrl} ({@code jdbc:postgresql://host:port/database}). */
    public static Builder builder(String jdbcUrl) {
        return new Builder(jdbcUrl);
    }

    /** Where the store is, without credentials: {@code <url> schema <schema>}. */
    public String describe() {
        return withoutPassword(url) + " schema " + schema;
    }

    static String withoutPassword(String url) {
        return url.replaceAll("(?i)password=[^&]*", "password=***");
    }

    /** True while LISTEN/NOTIFY wake-ups arrive; polling works either way. */
    public boolean notificationsWork() {
        return notifications.working();
    }

    @Override
    public PoolStats pool() {
        HikariPoolMXBean bean = pool.getHikariPoolMXBean();
        int max = pool.getMaximumPoolSize();
        return bean == null ? new PoolStats(0, 0, 0, max)
                : new PoolStats(bean.getActiveConnections(), bean.getIdleConnections(),
                        bean.getThreadsAwaitingConnection(), max);
    }

    /** True while another server has been heard on this schema's channel: only then are changes told. */
    public boolean hearsOtherServers() {
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
        } catch (SQLException e) {
            return Optional.of(TaskRows.timedOut(e)
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
        if (task.content().indexOf('\0') >= 0) {
            return CompletableFuture.failedFuture(nulInContent());
        }
        return writer.insert(task);
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
        VenomTask started = task.startOnArrival(task.createdAt());
        if (task.content().indexOf('\0') >= 0) {
            return CompletableFuture.failedFuture(nulInContent());
        }
        return writer.insertClaimed(started, owner, lease.toMillis()).thenApply(Optional::of);
    }

    private static IllegalArgumentException nulInContent() {
        return new IllegalArgumentException(
                "content holds a NUL character (\\u0000), which PostgreSQL text cannot store");
    }

    @Override
    public Optional<VenomTask> find(UUID id) {
        try (Connection connection = pool.getConnection();
             PreparedStatement find = connection.prepareStatement("SELECT * FROM " + table + " WHERE id = ?")) {
            find.setObject(1, id);
            try (ResultSet rows = find.executeQuery()) {
                return rows.next() ? Optional.of(TaskRows.task(rows)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw TaskRows.failure("reading task " + id, e);
        }
    }

    @Override
    public TaskPage list(TaskQuery query) {
        Optional<TaskCursor> after = query.cursor().map(TaskCursor::parse);
        StringBuilder sql = new StringBuilder("SELECT * FROM " + table + " WHERE true");
        if (!query.statuses().isEmpty()) {
            sql.append(" AND status = ANY (?)");
        }
        after.ifPresent(cursor -> sql.append(" AND (created_at, id) > (?, ?)"));
        sql.append(" ORDER BY created_at, id LIMIT ?");
        try (Connection connection = pool.getConnection();
             PreparedStatement list = connection.prepareStatement(sql.toString())) {
            int i = 1;
            if (!query.statuses().isEmpty()) {
                list.setArray(i++, connection.createArrayOf("text",
                        query.statuses().stream().map(Enum::name).toArray(String[]::new)));
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
        } catch (SQLException e) {
            throw TaskRows.failure("listing tasks", e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Counted by the database at most every 250 ms for PENDING and PROCESSING (from their indexes), and
     * every 5 s for the ended statuses (one scan counts them all); in between the last count is answered.
     */
    @Override
    public long count(TaskStatus status) {
        long[] cached = counts.get(status);
        long now = System.nanoTime();
        if (cached != null && now - cached[1] < (status.isTerminal() ? ENDED_COUNT_CACHE_NANOS : COUNT_CACHE_NANOS)) {
            return cached[0];
        }
        if (status.isTerminal()) {
            return countEnded(status, now);
        }
        try (Connection connection = pool.getConnection();
             PreparedStatement count = connection.prepareStatement(
                     "SELECT count(*) FROM " + table + " WHERE status = ?")) {
            count.setString(1, status.name());
            try (ResultSet rows = count.executeQuery()) {
                rows.next();
                long value = rows.getLong(1);
                counts.put(status, new long[] {value, now});
                return value;
            }
        } catch (SQLException e) {
            throw TaskRows.failure("counting " + status + " tasks", e);
        }
    }

    /** The ended statuses have no index of their own: one scan counts all three, at most every 5 s. */
    private synchronized long countEnded(TaskStatus status, long now) {
        long[] cached = counts.get(status);
        if (cached != null && now - cached[1] < ENDED_COUNT_CACHE_NANOS) {
            return cached[0];
        }
        try (Connection connection = slowStatements(pool.getConnection());
             Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT status, count(*) FROM " + table
                     + " WHERE status IN ('COMPLETED', 'FAILED', 'CANCELLED') GROUP BY status")) {
            java.util.Map<TaskStatus, Long> found = new java.util.EnumMap<>(TaskStatus.class);
            while (rows.next()) {
                found.put(TaskStatus.valueOf(rows.getString(1)), rows.getLong(2));
            }
            for (TaskStatus ended : List.of(TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED)) {
                counts.put(ended, new long[] {found.getOrDefault(ended, 0L), now});
            }
            return counts.get(status)[0];
        } catch (SQLException e) {
            throw TaskRows.failure("counting ended tasks", e);
        }
    }

    @Override
    public List<Claim> claim(ClaimRequest request) {
        String owner = request.owner();
        int limit = request.limitOf(ClaimRequest.DEFAULT_QUEUE);
        Duration lease = request.lease();
        if (limit < 1) {
            return List.of();
        }
        String sql = "WITH picked AS (SELECT id FROM " + table + " WHERE status = 'PENDING' AND due_at <= " + NOW
                + " ORDER BY priority DESC, due_at, seq LIMIT ? FOR UPDATE SKIP LOCKED), "
                + "now AS (SELECT " + NOW + " AS at) "
                + "UPDATE " + table + " t SET status = 'PROCESSING', attempts = t.attempts + 1, "
                + "logs = array_append(t.logs, " + literal(TaskLog.PROCESSING_STARTED) + " || " + LOG_TIME.formatted("now.at") + "), "
                + "updated_at = now.at, version = t.version + 1, lease_owner = ?, "
                + "lease_expires_at = now.at + ? * interval '1 millisecond' "
                + "FROM picked, now WHERE t.id = picked.id RETURNING t.*";
        try (Connection connection = pool.getConnection();
             PreparedStatement claim = connection.prepareStatement(sql)) {
            long shift = shiftMicros();
            claim.setLong(1, shift);
            claim.setInt(2, limit);
            claim.setLong(3, shift);
            claim.setString(4, owner);
            claim.setLong(5, lease.toMillis());
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
        } catch (SQLException e) {
            throw TaskRows.failure("claiming tasks for " + owner, e);
        }
    }

    @Override
    public CompletableFuture<Optional<VenomTask>> update(VenomTask expected, VenomTask next) {
        if (!expected.id().equals(next.id())) {
            throw new IllegalArgumentException("cannot replace task " + expected.id() + " by task " + next.id());
        }
        return writer.update(expected, next);
    }

    /** {@inheritDoc} Read from the lease index, which holds only PROCESSING tasks. */
    @Override
    public List<Claim> claimsOf(String owner) {
        Objects.requireNonNull(owner, "owner");
        try (Connection connection = pool.getConnection();
             PreparedStatement held = connection.prepareStatement("SELECT * FROM " + table
                     + " WHERE status = 'PROCESSING' AND lease_owner = ? ORDER BY lease_expires_at")) {
            held.setString(1, owner);
            List<Claim> claims = new ArrayList<>();
            try (ResultSet rows = held.executeQuery()) {
                while (rows.next()) {
                    claims.add(new Claim(TaskRows.task(rows), owner, TaskRows.instant(rows, "lease_expires_at")));
                }
            }
            return claims;
        } catch (SQLException e) {
            throw TaskRows.failure("reading the claims of " + owner, e);
        }
    }

    @Override
    public Optional<Claim> renew(Claim claim, Duration lease) {
        String sql = "UPDATE " + table + " SET lease_expires_at = " + NOW + " + ? * interval '1 millisecond' "
                + "WHERE id = ? AND status = 'PROCESSING' AND lease_owner = ? AND attempts = ? "
                + "RETURNING lease_expires_at";
        try (Connection connection = pool.getConnection();
             PreparedStatement renew = connection.prepareStatement(sql)) {
            renew.setLong(1, shiftMicros());
            renew.setLong(2, lease.toMillis());
            renew.setObject(3, claim.task().id());
            renew.setString(4, claim.owner());
            renew.setInt(5, claim.task().attempts());
            try (ResultSet rows = renew.executeQuery()) {
                return rows.next()
                        ? Optional.of(new Claim(claim.task(), claim.owner(), TaskRows.instant(rows, "lease_expires_at")))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw TaskRows.failure("renewing the claim of task " + claim.task().id(), e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>A task whose last allowed attempt lost its claim ends FAILED instead. Rescued in batches.
     */
    @Override
    public int rescueExpired() {
        String time = LOG_TIME.formatted("now.at");
        String sql = "WITH expired AS (SELECT id FROM " + table + " WHERE status = 'PROCESSING' AND lease_expires_at < "
                + NOW + " LIMIT " + RESCUE_BATCH + " FOR UPDATE SKIP LOCKED), now AS (SELECT " + NOW + " AS at) "
                + "UPDATE " + table + " t SET "
                + "status = CASE WHEN t.attempts >= t.max_attempts THEN 'FAILED' ELSE 'PENDING' END, "
                + "result = CASE WHEN t.attempts >= t.max_attempts THEN "
                + literal(TaskLog.LAST_CLAIM_EXPIRED_BEFORE) + " || t.lease_owner || "
                + literal(TaskLog.LAST_CLAIM_EXPIRED_AFTER) + " END, "
                + "logs = array_append(t.logs, " + literal(TaskLog.CLAIM_OF) + " || t.lease_owner || CASE WHEN "
                + "t.attempts >= t.max_attempts THEN " + literal(TaskLog.CLAIM_EXPIRED_FAILED) + " ELSE "
                + literal(TaskLog.CLAIM_EXPIRED_REQUEUED) + " END || " + time + "), "
                + "finished_at = CASE WHEN t.attempts >= t.max_attempts THEN now.at END, "
                + "updated_at = now.at, version = t.version + 1, lease_owner = NULL, lease_expires_at = NULL "
                + "FROM expired, now WHERE t.id = expired.id "
                + "RETURNING t.id, t.status, cardinality(t.logs) AS lines, t.updated_at, t.version";
        int total = 0;
        try (Connection connection = pool.getConnection();
             PreparedStatement rescue = connection.prepareStatement(sql)) {
            int rescued;
            do {
                long shift = shiftMicros();
                rescue.setLong(1, shift);
                rescue.setLong(2, shift);
                List<PgEvents.Change> changes = new ArrayList<>();
                try (ResultSet rows = rescue.executeQuery()) {
                    while (rows.next()) {
                        int lines = rows.getInt("lines");
                        changes.add(new PgEvents.Change(rows.getObject("id", UUID.class), TaskStatus.PROCESSING,
                                TaskStatus.valueOf(rows.getString("status")), lines - 1, lines,
                                TaskRows.instant(rows, "updated_at"), rows.getLong("version")));
                    }
                }
                relay.tell(changes);
                relay.heard(changes); // this server's own streams hear of its rescues too
                rescued = changes.size();
                total += rescued;
            } while (rescued == RESCUE_BATCH);
            return total;
        } catch (SQLException e) {
            throw TaskRows.failure("rescuing expired claims", e);
        }
    }

    /** {@inheritDoc} Also the expired claims this server rescues. */
    @Override
    public void onRemoteEvents(RemoteListener listener) {
        relay.listen(Objects.requireNonNull(listener, "listener"));
    }

    /** Deletes finished tasks older than the retention, a batch at a time so no lock is held for long. */
    private void prune() {
        // A task finished before the cut-off was created before it: walk the creation index, oldest first.
        String sql = "DELETE FROM " + table + " WHERE id IN (SELECT id FROM " + table + " WHERE created_at < " + NOW
                + " - ? * interval '1 millisecond' AND finished_at < " + NOW + " - ? * interval '1 millisecond' "
                + "ORDER BY created_at LIMIT " + PRUNE_BATCH + ")";
        int total = 0;
        try (Connection connection = slowStatements(pool.getConnection());
             PreparedStatement delete = connection.prepareStatement(sql)) {
            int deleted;
            do {
                long shift = shiftMicros();
                delete.setLong(1, shift);
                delete.setLong(2, retention.toMillis());
                delete.setLong(3, shift);
                delete.setLong(4, retention.toMillis());
                deleted = delete.executeUpdate();
                total += deleted;
            } while (deleted == PRUNE_BATCH && !closed);
            if (total > 0) {
                log.info("retention: {} finished task(s) older than {} deleted", total, retention);
            }
        } catch (SQLException e) {
            log.warn("retention pruning failed, retrying in a minute: {}", e.getMessage());
        }
    }

    /** Runs retention now; for tests and operators. */
    public void pruneNow() {
        if (retention != null) {
            prune();
        }
    }

    /**
     * Lets {@code connection} wait a minute for an answer, for the few statements whose time grows with the
     * table (a scan, a retention batch) rather than the query timeout every request is held to. The pool
     * restores the timeout when the connection is returned.
     */
    private static Connection slowStatements(Connection connection) throws SQLException {
        connection.setNetworkTimeout(Runnable::run, (int) SLOW_STATEMENT_TIMEOUT.toMillis());
        return connection;
    }

    private long shiftMicros() {
        Duration shift = clockShift.get();
        return shift.getSeconds() * 1_000_000 + shift.getNano() / 1000;
    }

    private Connection listenerConnection(Builder b) {
        try {
            Connection connection = DriverManager.getConnection(b.url, b.properties());
            try (Statement sql = connection.createStatement()) {
                sql.execute("SET search_path TO " + quoted(schema));
            }
            return connection;
        } catch (SQLException e) {
            throw TaskRows.failure("opening the LISTEN connection", e);
        }
    }

    private static String quoted(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /** Stops the listener and the writers (after writing what is queued) and closes the pool. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        maintenance.shutdownNow();
        notifications.close();
        writer.close();
        relay.close();
        pool.close();
    }

    /** Options of a {@link PostgresStateStore}. */
    public static final class Builder {
        private final String url;
        private String user;
        private String password;
        private String schema = "public";
        private int poolSize = 10;
        private int writers = 2;
        private Duration retention;
        private String node = "venom";
        private Duration connectionTimeout = Duration.ofSeconds(2);
        private Duration queryTimeout = Duration.ofSeconds(2);
        private Supplier<Duration> clockShift = () -> Duration.ZERO;
        private CommitObserver observer = CommitObserver.NONE;

        private Builder(String url) {
            if (url == null || !url.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("a PostgreSQL JDBC URL starts with jdbc:postgresql:, was " + url);
            }
            this.url = url;
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
            try (Connection setup = DriverManager.getConnection(url, properties());
                 Statement sql = setup.createStatement()) {
                // Servers starting together queue here, so the schema is created and migrated once.
                sql.execute("SELECT pg_advisory_lock(" + Migrations.LOCK_KEY + ")");
                try {
                    sql.execute("CREATE SCHEMA IF NOT EXISTS " + quoted(schema));
                    sql.execute("SET search_path TO " + quoted(schema));
                    int version = Migrations.migrate(setup);
                    log.debug("schema {} at version {}", schema, version);
                } finally {
                    sql.execute("SELECT pg_advisory_unlock(" + Migrations.LOCK_KEY + ")");
                }
            } catch (SQLException e) {
                throw TaskRows.failure("opening PostgreSQL at " + withoutPassword(url), e);
            }
            config.setSchema(schema);
            return new PostgresStateStore(this, new HikariDataSource(config));
        }
    }

    /** {@code text} as an SQL string literal. */
    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
