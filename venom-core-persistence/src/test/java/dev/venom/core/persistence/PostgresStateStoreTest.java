package dev.venom.core.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.venom.core.engine.Claim;
import dev.venom.core.engine.ClaimRequest;
import dev.venom.core.engine.Orchestrator;
import dev.venom.core.engine.SimulatedProcessor;
import dev.venom.core.engine.StoreException;
import dev.venom.core.engine.StoreSignals;
import dev.venom.core.engine.TaskEvent;
import dev.venom.core.model.TaskLog;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.jdbc.PgConnection;

/** What only the PostgreSQL store does: schema versions, notifications, retention, a bad address. */
class PostgresStateStoreTest {

    private String schema;
    private final List<AutoCloseable> opened = java.util.Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void database() {
        PostgresTestDatabase.require();
        schema = PostgresTestDatabase.newSchema();
    }

    @AfterEach
    void close() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
        PostgresTestDatabase.drop(schema);
    }

    private PostgresStateStore store() {
        return store(PostgresStateStore.builder(PostgresTestDatabase.URL).schema(schema));
    }

    private PostgresStateStore store(PostgresStateStore.Builder builder) {
        PostgresStateStore store = builder.open();
        opened.add(store);
        return store;
    }

    /** An orchestrator on {@code store} that polls only once a minute: only a wake-up starts a task sooner. */
    private Orchestrator slowPollingEngine(PostgresStateStore store, java.util.concurrent.atomic.AtomicInteger runs) {
        Orchestrator engine = Orchestrator.builder().store(store).nodeId("tx-node")
                .processor((task, ctx) -> {
                    runs.incrementAndGet();
                    return java.util.concurrent.CompletableFuture.completedFuture("done " + task.content());
                })
                .pollInterval(Duration.ofSeconds(60)).shutdownGrace(Duration.ofMillis(100)).build().start();
        opened.add(engine);
        return engine;
    }

    @Test
    void aTaskEnqueuedInACommittedTransactionExistsAfterTheCommitAndRunsOnce() throws Exception {
        // given an engine that claims only when woken, and the caller's own transaction with a row of its own
        PostgresStateStore store = store();
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        Orchestrator engine = slowPollingEngine(store, runs);
        await().atMost(Duration.ofSeconds(10)).until(store::notificationsWork);
        try (Connection caller = DriverManager.getConnection(PostgresTestDatabase.URL)) {
            caller.setAutoCommit(false);
            try (Statement sql = caller.createStatement()) {
                sql.execute("CREATE TABLE \"" + schema + "\".orders (id int PRIMARY KEY)");
                sql.execute("INSERT INTO \"" + schema + "\".orders VALUES (1)");
            }

            // when a task is enqueued in it
            VenomTask task = engine.enqueue(new TaskRequest("ship order 1"), null, caller);

            // then nobody sees it before the commit, and it runs once after
            assertThat(store.find(task.id())).isEmpty();
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> runs.get() == 0);
            caller.commit();
            await().atMost(Duration.ofSeconds(10)).until(() -> store.find(task.id())
                    .map(VenomTask::status).orElse(null) == TaskStatus.COMPLETED);
            assertThat(runs.get()).isEqualTo(1);
            assertThat(store.find(task.id()).orElseThrow().result()).isEqualTo("done ship order 1");
        }
    }

    @Test
    void aDependentEnqueuedInACallersTransactionOnAnotherSearchPathIsReleasedWhenItsDependencyCompletes()
            throws Exception {
        // given a dependency, and a dependent enqueued in the caller's transaction on its own search_path
        PostgresStateStore store = store();
        VenomTask dependency = store.insert(VenomTask.create(UUID.randomUUID(), "first", Instant.now())).join();
        VenomTask dependent;
        try (Connection caller = DriverManager.getConnection(PostgresTestDatabase.URL)) {
            caller.setAutoCommit(false);
            try (Statement sql = caller.createStatement()) {
                sql.execute("SET search_path TO public");
            }
            dependent = store.insert(VenomTask.create(UUID.randomUUID(), new TaskRequest("second")
                    .withDependsOn(List.of(dependency.id())), 1, null, Instant.now()), caller);
            caller.commit();
        }
        assertThat(store.find(dependent.id()).orElseThrow().isWaiting()).isTrue();

        // when the dependency completes
        Claim claim = store.claim(ClaimRequest.of("n", 5, Duration.ofSeconds(30))).get(0);
        store.update(claim.task(), claim.task().complete("ok", Instant.now())).join();

        // then the dependent is released
        VenomTask released = store.find(dependent.id()).orElseThrow();
        assertThat(released.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(released.waitingOn()).isEmpty();
    }

    @Test
    void aTaskEnqueuedInARolledBackTransactionNeverExistsAndWakesNobody() throws Exception {
        PostgresStateStore store = store();
        java.util.concurrent.atomic.AtomicInteger wakeUps = new java.util.concurrent.atomic.AtomicInteger();
        await().atMost(Duration.ofSeconds(10)).until(store::notificationsWork);
        store.onNewTasks(wakeUps::incrementAndGet);
        VenomTask task = VenomTask.create(UUID.randomUUID(), "rolled back", Instant.now());

        try (Connection caller = DriverManager.getConnection(PostgresTestDatabase.URL)) {
            caller.setAutoCommit(false);
            store.insert(task, caller);
            caller.rollback();
        }

        VenomTask committed = VenomTask.create(UUID.randomUUID(), "committed", Instant.now());
        try (Connection caller = DriverManager.getConnection(PostgresTestDatabase.URL)) {
            caller.setAutoCommit(false);
            store.insert(committed, caller);
            caller.commit();
        }
        // the committed one's wake-up arrives; the rolled-back one's never did
        await().atMost(Duration.ofSeconds(10)).until(() -> wakeUps.get() >= 1);
        assertThat(wakeUps.get()).isEqualTo(1);
        assertThat(store.find(task.id())).isEmpty();
        assertThat(store.find(committed.id())).isPresent();
    }

    @Test
    void aKeyTakenByAnEarlierTransactionAnswersItsTaskAndAnAutoCommitConnectionIsRefused() throws Exception {
        PostgresStateStore store = store();
        VenomTask first = VenomTask.create(UUID.randomUUID(), new TaskRequest("charge"), 1, "charge-7", Instant.now());
        VenomTask second = VenomTask.create(UUID.randomUUID(), new TaskRequest("charge"), 1, "charge-7", Instant.now());
        try (Connection caller = DriverManager.getConnection(PostgresTestDatabase.URL)) {
            caller.setAutoCommit(false);
            store.insert(first, caller);
            caller.commit();
            assertThat(store.insert(second, caller).id()).isEqualTo(first.id());
            caller.commit();

            caller.setAutoCommit(true);
            assertThatThrownBy(() -> store.insert(VenomTask.create(UUID.randomUUID(), "x", Instant.now()), caller))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("auto-commit");
        }
        assertThat(store.countExact(TaskStatus.PENDING)).isEqualTo(1);
    }

    @Test
    void aStoreOnTheApplicationsDataSourceSharesItsPoolAndLeavesItOpen() throws Exception {
        com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
        config.setJdbcUrl(PostgresTestDatabase.URL);
        config.setMaximumPoolSize(4);
        try (com.zaxxer.hikari.HikariDataSource application = new com.zaxxer.hikari.HikariDataSource(config)) {
            PostgresStateStore store = PostgresStateStore.builder(application).schema(schema).open();
            VenomTask task = store.insert(VenomTask.create(UUID.randomUUID(), "shared", Instant.now())).join();
            assertThat(store.find(task.id())).isPresent();
            assertThat(store.describe()).contains("the application's DataSource");
            store.close();

            assertThat(application.isClosed()).isFalse();
            try (Connection connection = application.getConnection();
                 Statement sql = connection.createStatement();
                 ResultSet rows = sql.executeQuery("SELECT count(*) FROM \"" + schema + "\".venom_tasks")) {
                rows.next();
                assertThat(rows.getLong(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void aPauseIsKeptInTheDatabaseAndSeenByEveryStoreOnItAtTheirNextClaim() {
        // given two servers' stores on one schema, and a task of a queue
        PostgresStateStore first = store();
        PostgresStateStore second = store();
        first.insert(dev.venom.core.model.VenomTask.create(UUID.randomUUID(),
                new TaskRequest("held").withQueue("reports"), 1, null,
                Instant.now())).join();

        // when one pauses the queue and closes, as a server that is stopped or killed
        first.pause("reports", true).join();
        first.close();

        // then the other claims nothing of it, and a store opened later still sees it paused
        dev.venom.core.engine.ClaimRequest all = new dev.venom.core.engine.ClaimRequest("node-b",
                java.time.Duration.ofSeconds(30), java.util.Map.of("reports", 10));
        assertThat(second.claim(all)).isEmpty();
        assertThat(store().queues()).contains(new dev.venom.core.engine.QueueState("reports", true));
        second.pause("reports", false).join();
        assertThat(second.claim(all)).hasSize(1);
    }

    @Test
    void inPolishTheDatabaseWritesTheClaimsAndExpiredClaimsLinesInPolish() {
        // given a store whose lines are Polish, and a clock it can move past a lease
        AtomicReference<Duration> shift = new AtomicReference<>(Duration.ZERO);
        PostgresStateStore polish = store(PostgresStateStore.builder(PostgresTestDatabase.URL).schema(schema)
                .language(TaskLog.PL).clockShift(shift::get));
        VenomTask task = polish.insert(VenomTask.create(UUID.randomUUID(), new TaskRequest("x").withMaxAttempts(1), 1,
                null, Instant.now(), TaskLog.PL)).join();

        // when it is claimed, and the claim expires on its last attempt
        Claim claim = polish.claim(ClaimRequest.of("node-a", 1, Duration.ofSeconds(1))).get(0);
        shift.set(Duration.ofSeconds(5));
        polish.rescueExpired();

        // then every line and the result are the original's language
        assertThat(claim.task().logs()).last().asString().startsWith("Rozpoczęto przetwarzanie: ");
        VenomTask failed = polish.find(task.id()).orElseThrow();
        assertThat(failed.result()).isEqualTo("Błąd: dzierżawa węzła node-a wygasła przy ostatniej próbie");
        assertThat(failed.logs()).first().asString().startsWith("Zadanie uruchomione: ");
        assertThat(failed.logs()).last().asString()
                .startsWith("Dzierżawa węzła node-a wygasła przy ostatniej próbie, niepowodzenie: ");
    }

    private Orchestrator engine(PostgresStateStore store, String node, Duration poll) {
        Orchestrator orchestrator = Orchestrator.builder().store(store).nodeId(node).pollInterval(poll)
                .processor(new SimulatedProcessor(Duration.ZERO)).shutdownGrace(Duration.ZERO).build();
        opened.add(orchestrator);
        return orchestrator;
    }

    @Test
    void theSchemaIsVersionedAndTwoStoresOpeningTogetherMigrateItOnce() throws Exception {
        List<Thread> starters = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int i = 0; i < 3; i++) {
            Thread starter = new Thread(() -> {
                try {
                    store();
                } catch (Throwable t) {
                    failures.add(t);
                }
            });
            starters.add(starter);
            starter.start();
        }
        for (Thread starter : starters) {
            starter.join(30_000);
        }

        assertThat(failures).isEmpty();
        try (Connection connection = DriverManager.getConnection(PostgresTestDatabase.URL);
             Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT version, description FROM \"" + schema
                     + "\".venom_schema_version ORDER BY version")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getInt(1)).isEqualTo(1);
            assertThat(rows.getString(2)).isEqualTo("V1__tasks.sql");
            assertThat(rows.next()).isTrue();
            assertThat(rows.getInt(1)).isEqualTo(2);
            assertThat(rows.getString(2)).isEqualTo("V2__vacuum_often.sql");
            assertThat(rows.next()).isTrue();
            assertThat(rows.getInt(1)).isEqualTo(3);
            assertThat(rows.getString(2)).isEqualTo("V3__queues.sql");
            assertThat(rows.next()).isTrue();
            assertThat(rows.getInt(1)).isEqualTo(4);
            assertThat(rows.getString(2)).isEqualTo("V4__audit.sql");
            assertThat(rows.next()).isTrue();
            assertThat(rows.getInt(1)).isEqualTo(5);
            assertThat(rows.getString(2)).isEqualTo("V5__remote_workers.sql");
            assertThat(rows.next()).isTrue();
            assertThat(rows.getInt(1)).isEqualTo(6);
            assertThat(rows.getString(2)).isEqualTo("V6__dependencies.sql");
            assertThat(rows.next()).isTrue();
            assertThat(rows.getInt(1)).isEqualTo(7);
            assertThat(rows.getString(2)).isEqualTo("V7__schedules.sql");
            assertThat(rows.next()).isTrue();
            assertThat(rows.getInt(1)).isEqualTo(8);
            assertThat(rows.getString(2)).isEqualTo("V8__waits.sql");
            assertThat(rows.next()).isFalse();
        }
        assertThat(tableOptions()).contains("autovacuum_vacuum_scale_factor=0.01",
                "autovacuum_vacuum_insert_scale_factor=0.01");
    }

    @Test
    void aDependentInsertedOnOneServerWhileItsDependencyEndsOnAnotherIsNeverLeftWaiting() throws Exception {
        PostgresStateStore ending = store();
        PostgresStateStore inserting = store();
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 100; round++) {
                VenomTask dependency = ending.insert(VenomTask.create(UUID.randomUUID(), "a" + round,
                        Instant.now())).join();
                Claim claim = ending.claim(ClaimRequest.of("n", 1, Duration.ofSeconds(30)))
                        .get(0);
                boolean fails = round % 2 == 1;
                VenomTask dependent = VenomTask.create(UUID.randomUUID(), new TaskRequest(
                        "b" + round).withDependsOn(List.of(dependency.id())), 1, null, Instant.now());
                CountDownLatch go = new CountDownLatch(1);
                var end = two.submit(() -> {
                    go.await();
                    VenomTask running = claim.task();
                    return ending.update(running, fails ? running.fail("no", Instant.now())
                            : running.complete("ok", Instant.now())).join();
                });
                var insert = two.submit(() -> {
                    go.await();
                    return inserting.insert(dependent).join();
                });
                go.countDown();
                end.get();
                insert.get();

                VenomTask stored = inserting.find(dependent.id()).orElseThrow();
                assertThat(stored.waitingOn()).as("round %d: %s, its dependency %s", round, stored,
                        inserting.find(dependency.id())).isEmpty();
                assertThat(stored.status()).as("round %d", round)
                        .isEqualTo(fails ? TaskStatus.CANCELLED : TaskStatus.PENDING);
                if (!fails) {
                    assertThat(inserting.claim(ClaimRequest.of("n", 5, Duration.ofSeconds(30))))
                            .extracting(c -> c.task().id()).containsExactly(dependent.id());
                }
            }
        } finally {
            two.shutdownNow();
        }
    }

    @Test
    void aScheduleRowThatIsNotAScheduleIsLeftOutAndTheOthersStillFire() throws Exception {
        PostgresStateStore store = store();
        store.insertSchedule(dev.venom.core.engine.Schedule.create("good", dev.venom.core.engine.Recurrence.every(
                Duration.ofMinutes(1)), new TaskRequest("ping"), dev.venom.core.engine.Misfire.SKIP, Instant.now()))
                .join();
        try (Connection connection = DriverManager.getConnection(PostgresTestDatabase.URL);
             Statement sql = connection.createStatement()) {
            sql.execute("INSERT INTO \"" + schema + "\".venom_schedules (name, schedule, version) "
                    + "VALUES ('bad', '{\"name\": \"bad\"}', 1)");
        }

        assertThat(store.schedules()).extracting(dev.venom.core.engine.Schedule::name).containsExactly("good");
    }

    @Test
    void aSchemaAtVersionOneIsUpgradedAndKeepsItsTasks() throws Exception {
        UUID id = UUID.randomUUID();
        try (Connection connection = DriverManager.getConnection(PostgresTestDatabase.URL);
             Statement sql = connection.createStatement();
             InputStream v1 = getClass().getResourceAsStream("/dev/venom/core/persistence/postgres/V1__tasks.sql")) {
            // What a server of schema version 1 left behind.
            sql.execute("CREATE SCHEMA \"" + schema + "\"");
            sql.execute("SET search_path TO \"" + schema + "\"");
            sql.execute(new String(v1.readAllBytes(), StandardCharsets.UTF_8));
            sql.execute("CREATE TABLE venom_schema_version (version integer PRIMARY KEY, description text NOT NULL, "
                    + "applied_at timestamptz NOT NULL DEFAULT now())");
            sql.execute("INSERT INTO venom_schema_version (version, description) VALUES (1, 'V1__tasks.sql')");
            sql.execute("INSERT INTO venom_tasks (id, content, created_at, status, logs, priority, attempts, "
                    + "max_attempts, due_at, updated_at, version) VALUES ('" + id + "', 'from v1', now(), 'PENDING', "
                    + "'{}', 0, 0, 1, now(), now(), 1)");
        }
        assertThat(tableOptions()).isEmpty();

        PostgresStateStore store = store();

        assertThat(store.find(id).orElseThrow().content()).isEqualTo("from v1");
        assertThat(store.find(id).orElseThrow().queue()).isEqualTo("default");
        assertThat(tableOptions()).contains("autovacuum_vacuum_scale_factor=0.01");
        try (Connection connection = DriverManager.getConnection(PostgresTestDatabase.URL);
             Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT max(version) FROM \"" + schema + "\".venom_schema_version")) {
            rows.next();
            assertThat(rows.getInt(1)).isEqualTo(8);
        }
    }

    @Test
    void aTaskLeftWaitingBySchemaVersionSevenIsReleasedAfterTheUpgradeWhenItsDependencyCompletes() throws Exception {
        // given what a server of schema version 7 left behind: a task waiting on a PENDING one
        UUID dependency = UUID.randomUUID();
        UUID dependent = UUID.randomUUID();
        schemaAtVersionSeven(versionSevenInsert(dependency, null), versionSevenInsert(dependent, dependency));

        // when a server of this version opens it and the dependency completes
        PostgresStateStore store = store();

        // then the dependent is released and claimable
        assertDependentReleasedWhenDependencyCompletes(store, dependency, dependent);
    }

    @Test
    void aTaskAServerOfVersionSevenStoresWhileTheUpgradeRunsIsReleasedWhenItsDependencyCompletes() throws Exception {
        // given a schema at version 7 with a PENDING task, and a version-7 server's transaction, still open,
        // that stores a task waiting on it
        UUID dependency = UUID.randomUUID();
        UUID dependent = UUID.randomUUID();
        schemaAtVersionSeven(versionSevenInsert(dependency, null));
        try (Connection older = DriverManager.getConnection(PostgresTestDatabase.URL)) {
            older.setAutoCommit(false);
            try (Statement sql = older.createStatement()) {
                sql.execute("SET search_path TO \"" + schema + "\"");
                sql.execute(versionSevenInsert(dependent, dependency));
            }

            // when a server of this version opens the schema meanwhile, and that transaction commits during the
            // upgrade
            var opening = java.util.concurrent.CompletableFuture.supplyAsync(this::store);
            await().atMost(Duration.ofSeconds(10)).until(this::aWriteOfTheTasksTableWaits);
            older.commit();
            PostgresStateStore store = opening.get(30, java.util.concurrent.TimeUnit.SECONDS);

            // then the dependent is released when its dependency completes
            assertDependentReleasedWhenDependencyCompletes(store, dependency, dependent);
        }
    }

    @Test
    void aRenamedSchemaStillKeepsTrackOfWhoWaitsOnWhom() throws Exception {
        // given a schema created by a store, then renamed
        store().close();
        String renamed = schema + "_renamed";
        try (Connection connection = DriverManager.getConnection(PostgresTestDatabase.URL);
             Statement sql = connection.createStatement()) {
            sql.execute("ALTER SCHEMA \"" + schema + "\" RENAME TO \"" + renamed + "\"");
        }
        try {
            // when a store on the new name stores a task waiting on another, and that one completes
            PostgresStateStore store = store(PostgresStateStore.builder(PostgresTestDatabase.URL).schema(renamed));
            UUID dependency = store.insert(VenomTask.create(UUID.randomUUID(), "first", Instant.now())).join().id();
            UUID dependent = store.insert(VenomTask.create(UUID.randomUUID(), new TaskRequest("second")
                    .withDependsOn(List.of(dependency)), 1, null, Instant.now())).join().id();

            // then the dependent is released
            assertDependentReleasedWhenDependencyCompletes(store, dependency, dependent);
        } finally {
            for (int i = opened.size() - 1; i >= 0; i--) {
                opened.remove(i).close();
            }
            PostgresTestDatabase.drop(renamed);
        }
    }

    /** Creates the schema as a server of version 7 left it, then runs {@code statements} in it. */
    private void schemaAtVersionSeven(String... statements) throws Exception {
        try (Connection connection = DriverManager.getConnection(PostgresTestDatabase.URL);
             Statement sql = connection.createStatement()) {
            sql.execute("CREATE SCHEMA \"" + schema + "\"");
            sql.execute("SET search_path TO \"" + schema + "\"");
            sql.execute("CREATE TABLE venom_schema_version (version integer PRIMARY KEY, description text NOT NULL, "
                    + "applied_at timestamptz NOT NULL DEFAULT now())");
            for (String file : List.of("V1__tasks.sql", "V2__vacuum_often.sql", "V3__queues.sql", "V4__audit.sql",
                    "V5__remote_workers.sql", "V6__dependencies.sql", "V7__schedules.sql")) {
                try (InputStream in = getClass().getResourceAsStream("/dev/venom/core/persistence/postgres/"
                        + file)) {
                    sql.execute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
                sql.execute("INSERT INTO venom_schema_version (version, description) VALUES ("
                        + file.substring(1, 2) + ", '" + file + "')");
            }
            for (String statement : statements) {
                sql.execute(statement);
            }
        }
    }

    /** A version-7 server's insert of a PENDING task, waiting on {@code dependency} unless it is null. */
    private static String versionSevenInsert(UUID id, UUID dependency) {
        String waits = dependency == null ? "NULL" : "ARRAY['" + dependency + "']::uuid[]";
        return "INSERT INTO venom_tasks (id, content, created_at, status, logs, priority, attempts, max_attempts, "
                + "due_at, updated_at, version, depends_on, waiting_on) VALUES ('" + id + "', 'from v7', now(), "
                + "'PENDING', '{}', 0, 0, 1, now(), now(), 1, " + waits + ", " + waits + ")";
    }

    /** True while a session waits for a lock on this schema's tasks table. */
    private boolean aWriteOfTheTasksTableWaits() throws SQLException {
        try (Connection connection = DriverManager.getConnection(PostgresTestDatabase.URL);
             Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = "
                     + "to_regclass('\"" + schema + "\".venom_tasks')")) {
            rows.next();
            return rows.getInt(1) > 0;
        }
    }

    private static void assertDependentReleasedWhenDependencyCompletes(PostgresStateStore store, UUID dependency,
                                                                       UUID dependent) {
        Claim claim = store.claim(ClaimRequest.of("n", 5, Duration.ofSeconds(30))).get(0);
        assertThat(claim.task().id()).isEqualTo(dependency);
        store.update(claim.task(), claim.task().complete("ok", Instant.now())).join();

        VenomTask released = store.find(dependent).orElseThrow();
        assertThat(released.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(released.waitingOn()).isEmpty();
        assertThat(store.claim(ClaimRequest.of("n", 5, Duration.ofSeconds(30))))
                .extracting(c -> c.task().id()).containsExactly(dependent);
    }

    @Test
    void aServerRefusesASchemaNewerThanItself() throws Exception {
        store();
        try (Connection connection = DriverManager.getConnection(PostgresTestDatabase.URL);
             Statement sql = connection.createStatement()) {
            sql.execute("INSERT INTO \"" + schema + "\".venom_schema_version (version, description) "
                    + "VALUES (9, 'V9__from_a_newer_server.sql')");
        }

        assertThatThrownBy(this::store).isInstanceOf(StoreException.class)
                .hasMessageContaining("the database schema is at version 9, newer than this server's 8");
    }

    @Test
    void theAuditTrailIsSharedByEveryServerOfTheDatabaseAndPagedNewestFirst() throws Exception {
        // given two servers' stores on one schema, each with its trail
        PostgresStateStore first = store();
        PostgresStateStore second = store();
        Instant now = Instant.parse("2026-12-06T12:00:00Z");
        try (AuditTrail a = first.auditTrail(); AuditTrail b = second.auditTrail()) {
            // when each records entries, one after the other
            a.record(new AuditEntry(0, now, "ci", "write", "10.0.0.1", "POST", "/api/v1/tasks", "task.create", "t-1",
                    201, "node-a"));
            awaitEntries(b, 1);
            b.record(new AuditEntry(0, now.plusSeconds(1), null, null, "10.0.0.2", "POST", "/api/v1/queue/pause",
                    "queues.pause", null, 401, "node-b"));
            awaitEntries(a, 2);
            a.record(new AuditEntry(0, now.plusSeconds(2), "ops", "admin", "10.0.0.3", "POST",
                    "/api/v1/queues/default/pause", "queue.pause", "default", 200, "node-a"));

            // then either reads all of them, newest first, and filters and pages
            awaitEntries(b, 3);
            List<AuditEntry> all = b.page(new AuditQuery(null, 10, null, null, null));
            assertThat(all).extracting(AuditEntry::action).containsExactly("queue.pause", "queues.pause", "task.create");
            assertThat(all.get(2)).usingRecursiveComparison().ignoringFields("seq").isEqualTo(new AuditEntry(0, now,
                    "ci", "write", "10.0.0.1", "POST", "/api/v1/tasks", "task.create", "t-1", 201, "node-a"));
            assertThat(a.page(new AuditQuery(null, 10, "ops", null, null))).extracting(AuditEntry::target)
                    .containsExactly("default");
            assertThat(a.page(new AuditQuery(null, 10, null, "task.create", null))).hasSize(1);
            assertThat(a.page(new AuditQuery(null, 10, null, null, "t-1"))).hasSize(1);
            List<AuditEntry> firstPage = a.page(new AuditQuery(null, 2, null, null, null));
            assertThat(a.page(new AuditQuery(firstPage.get(1).seq(), 2, null, null, null)))
                    .extracting(AuditEntry::action).containsExactly("task.create");
        }
    }

    private static void awaitEntries(AuditTrail trail, int count) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> trail.page(new AuditQuery(null, 10, null, null, null)).size() == count);
    }

    /** The storage parameters of the tasks table, such as {@code autovacuum_vacuum_scale_factor=0.01}. */
    private List<String> tableOptions() throws SQLException {
        try (Connection connection = DriverManager.getConnection(PostgresTestDatabase.URL);
             Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT coalesce(reloptions, '{}') FROM pg_class WHERE oid = '\""
                     + schema + "\".venom_tasks'::regclass")) {
            rows.next();
            return List.of((String[]) rows.getArray(1).getArray());
        }
    }

    @Test
    void anIdleServerIsWokenByANotificationFromAnother() {
        PostgresStateStore first = store();
        PostgresStateStore second = store();
        Orchestrator accepting = engine(first, "node-a", Duration.ofMinutes(10));
        engine(second, "node-b", Duration.ofMinutes(10)).start();
        await().atMost(Duration.ofSeconds(10)).until(second::notificationsWork);

        VenomTask task = accepting.submit(new TaskRequest("wake up")).join();

        await().atMost(Duration.ofSeconds(5))
                .until(() -> second.find(task.id()).orElseThrow().status() == TaskStatus.COMPLETED);
    }

    @Test
    void aServerTellsItsChangesOnlyWhileAnotherListensAndThenFirstOfTheGap() throws Exception {
        try (Connection raw = DriverManager.getConnection(PostgresTestDatabase.URL);
             Statement sql = raw.createStatement()) {
            // given a plain LISTEN on the channel (it sends no probes, so it is not a server)
            sql.execute("LISTEN \"venom_tasks_" + schema + "\"");
            PgConnection pg = raw.unwrap(PgConnection.class);
            PostgresStateStore alone = store();
            Orchestrator running = engine(alone, "node-a", Duration.ofMillis(100)).start();
            await().atMost(Duration.ofSeconds(10)).until(alone::notificationsWork);

            // when a task runs while no other server listens, nothing is told
            VenomTask first = running.submit(new TaskRequest("untold")).join();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> alone.find(first.id()).orElseThrow().status() == TaskStatus.COMPLETED);
            assertThat(alone.hearsOtherServers()).isFalse();
            assertThat(payloads(pg, 1_000)).noneMatch(p -> p.startsWith("ev:") || p.startsWith("gap:"));

            // then, once another server is heard, changes are told, the first time with a gap notice
            store();
            await().atMost(Duration.ofSeconds(15)).until(alone::hearsOtherServers);
            running.submit(new TaskRequest("told")).join();
            List<String> told = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                told.addAll(payloads(pg, 200));
                return told.stream().anyMatch(p -> p.startsWith("ev:"));
            });
            assertThat(told).anyMatch(p -> p.startsWith("gap:"));
        }
    }

    private static List<String> payloads(PgConnection pg, int waitMillis) throws java.sql.SQLException {
        List<String> payloads = new ArrayList<>();
        org.postgresql.PGNotification[] received = pg.getNotifications(waitMillis);
        if (received != null) {
            for (org.postgresql.PGNotification notification : received) {
                payloads.add(notification.getParameter());
            }
        }
        return payloads;
    }

    @Test
    void anIdleServerReportsNoEventsMissed() {
        PostgresStateStore store = store();
        Heard heard = new Heard(false);
        store.onRemoteEvents(heard);
        Orchestrator idle = Orchestrator.builder().store(store).nodeId("idle").pollInterval(Duration.ofMillis(100))
                .heartbeat(Duration.ofMillis(100)).processor(new SimulatedProcessor(Duration.ZERO))
                .shutdownGrace(Duration.ZERO).build();
        opened.add(idle);
        idle.start();
        await().atMost(Duration.ofSeconds(10)).until(store::notificationsWork);
        int atStart = heard.missed.get(); // the LISTEN itself may count: nothing told before it is heard

        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> heard.missed.get() == atStart);
    }

    @Test
    void whileNobodyWantsThemOtherServersChangesAreNotReadButReportedMissed() {
        PostgresStateStore first = store();
        PostgresStateStore second = store();
        Heard unwanted = new Heard(false);
        second.onRemoteEvents(unwanted);
        await().atMost(Duration.ofSeconds(15)).until(() -> first.hearsOtherServers() && second.hearsOtherServers());
        Orchestrator running = engine(first, "node-a", Duration.ofMillis(100)).start();

        VenomTask task = running.submit(new TaskRequest("unread")).join();

        await().atMost(Duration.ofSeconds(10)).until(() -> unwanted.missed.get() > 0);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> first.find(task.id()).orElseThrow().status() == TaskStatus.COMPLETED);
        assertThat(unwanted).isEmpty();
    }

    @Test
    void aTaskRunOnOneServerIsHeardAsEventsOnAnotherInOrder() {
        PostgresStateStore first = store();
        PostgresStateStore second = store();
        Heard heardBySecond = new Heard();
        Heard heardByFirst = new Heard();
        second.onRemoteEvents(heardBySecond);
        first.onRemoteEvents(heardByFirst);
        await().atMost(Duration.ofSeconds(15)).until(() -> first.hearsOtherServers() && second.hearsOtherServers());
        Orchestrator running = engine(first, "node-a", Duration.ofMillis(100)).start();

        VenomTask task = running.submit(new TaskRequest("told to others")).join();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> first.find(task.id()).orElseThrow().status() == TaskStatus.COMPLETED);

        await().atMost(Duration.ofSeconds(10)).until(() -> heardBySecond.size() >= 6);
        assertThat(heardBySecond).allSatisfy(event -> assertThat(event.task().id()).isEqualTo(task.id()));
        assertThat(heardBySecond).extracting(TaskEvent::type).containsExactly(TaskEvent.Type.CREATED,
                TaskEvent.Type.LOG_APPENDED, TaskEvent.Type.STATUS_CHANGED, TaskEvent.Type.CLAIMED,
                TaskEvent.Type.LOG_APPENDED, TaskEvent.Type.STATUS_CHANGED);
        assertThat(heardBySecond).extracting(event -> event.task().status()).containsExactly(TaskStatus.PENDING,
                TaskStatus.PROCESSING, TaskStatus.PROCESSING, TaskStatus.PROCESSING, TaskStatus.COMPLETED,
                TaskStatus.COMPLETED);
        assertThat(heardBySecond.get(1).log()).startsWith("Processing started: ");
        assertThat(heardBySecond.get(4).log()).startsWith("Processing completed: ");
        assertThat(heardBySecond.get(5).from()).isEqualTo(TaskStatus.PROCESSING);
        assertThat(heardBySecond.get(5).task().result()).isEqualTo("Processed: told to others");
        // the first server's own changes came back to it on the channel as they reached the second, and
        // were not taken as remote; a second task's, heard by the second, makes sure they have arrived
        running.submit(new TaskRequest("probe")).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> heardBySecond.size() >= 12);
        assertThat(heardByFirst).as("a server does not hear its own changes as remote").isEmpty();
    }

    @Test
    void aTaskStartedOnArrivalIsHeardElsewhereAsCreatedThenClaimedAndWakesNoIdleServer() {
        PostgresStateStore first = store();
        PostgresStateStore second = store();
        Heard heardBySecond = new Heard();
        second.onRemoteEvents(heardBySecond);
        java.util.concurrent.atomic.AtomicInteger wakeUps = new java.util.concurrent.atomic.AtomicInteger();
        second.onNewTasks(wakeUps::incrementAndGet);
        await().atMost(Duration.ofSeconds(15)).until(() -> first.hearsOtherServers() && second.hearsOtherServers());

        Claim claim = first.insertClaimed(VenomTask.create(UUID.randomUUID(), "arrived", Instant.now()), "node-a",
                Duration.ofSeconds(30)).join().orElseThrow();
        first.update(claim.task(), claim.task().complete("done", Instant.now())).join().orElseThrow();

        await().atMost(Duration.ofSeconds(10)).until(() -> heardBySecond.size() >= 6);
        assertThat(heardBySecond).extracting(TaskEvent::type).containsExactly(TaskEvent.Type.CREATED,
                TaskEvent.Type.LOG_APPENDED, TaskEvent.Type.STATUS_CHANGED, TaskEvent.Type.CLAIMED,
                TaskEvent.Type.LOG_APPENDED, TaskEvent.Type.STATUS_CHANGED);
        assertThat(heardBySecond).extracting(event -> event.task().version()).containsExactly(1L, 2L, 2L, 2L, 3L, 3L);
        assertThat(heardBySecond.get(0).task().status()).isEqualTo(TaskStatus.PENDING);
        assertThat(heardBySecond.get(0).task().logs()).containsExactly(claim.task().logs().get(0));
        assertThat(heardBySecond.get(1).log()).isEqualTo(claim.task().logs().get(1));
        assertThat(heardBySecond.get(2).from()).isEqualTo(TaskStatus.PENDING);
        assertThat(heardBySecond.get(5).task().status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(wakeUps).as("a task already claimed gives an idle server nothing to claim").hasValue(0);
    }

    /** What a store tells of other servers' changes. */
    private static final class Heard extends java.util.concurrent.CopyOnWriteArrayList<TaskEvent>
            implements StoreSignals.RemoteListener {
        final java.util.concurrent.atomic.AtomicInteger missed = new java.util.concurrent.atomic.AtomicInteger();
        private final boolean wanted;

        Heard() {
            this(true);
        }

        /** @param wanted whether the events are wanted now; when not, the store only reports them missed */
        Heard(boolean wanted) {
            this.wanted = wanted;
        }

        @Override
        public boolean wanted() {
            return wanted;
        }

        @Override
        public void events(List<TaskEvent> events) {
            addAll(events);
        }

        @Override
        public void missed() {
            missed.incrementAndGet();
        }
    }

    @Test
    void aSilentNotificationChannelIsDetectedAndPollingCarriesOn() {
        PostgresStateStore first = store();
        PostgresStateStore second = store();
        Orchestrator accepting = engine(first, "node-a", Duration.ofMinutes(10));
        engine(second, "node-b", Duration.ofMillis(300)).start();
        await().atMost(Duration.ofSeconds(10)).until(second::notificationsWork);

        Heard heard = new Heard();
        second.onRemoteEvents(heard);
        second.silenceNotifications();

        await().atMost(Duration.ofSeconds(20)).until(() -> !second.notificationsWork());
        assertThat(heard.missed.get()).as("streams are told that events from other servers may be missing")
                .isPositive();
        VenomTask task = accepting.submit(new TaskRequest("found by polling")).join();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> second.find(task.id()).orElseThrow().status() == TaskStatus.COMPLETED);
    }

    @Test
    void retentionDeletesFinishedTasksOlderThanItAndKeepsTheRest() {
        PostgresStateStore store = store(PostgresStateStore.builder(PostgresTestDatabase.URL).schema(schema)
                .retention(Duration.ofHours(1)));
        Instant old = Instant.now().minus(Duration.ofHours(2));
        VenomTask done = store.insert(VenomTask.create(UUID.randomUUID(), "old", old)).join();
        VenomTask pending = store.insert(VenomTask.create(UUID.randomUUID(), "waiting", old)).join();
        VenomTask claimed = store.claim(ClaimRequest.of("node", 1, Duration.ofSeconds(30))).get(0).task();
        assertThat(claimed.id()).isEqualTo(done.id());
        store.update(claimed, claimed.complete("r", old.plusSeconds(1))).join();

        store.pruneNow();

        assertThat(store.find(done.id())).isEmpty();
        assertThat(store.find(pending.id())).isPresent();
    }

    @Test
    void anUnreachableDatabaseIsAStoreExceptionNamingTheAddress() {
        assertThatThrownBy(() -> PostgresStateStore.builder("jdbc:postgresql://127.0.0.1:1/nowhere?user=x")
                .schema(schema).open())
                .isInstanceOf(StoreException.class).hasMessageContaining("127.0.0.1:1");
        assertThatThrownBy(() -> PostgresStateStore.builder("jdbc:mysql://x"))
                .hasMessageContaining("jdbc:postgresql:");
    }

    @Test
    void contentWithANulCharacterIsRefusedAndAResultWithOneIsStoredReadably() {
        PostgresStateStore store = store();
        assertThatThrownBy(() -> store.insert(VenomTask.create(UUID.randomUUID(), "a\ud800b", Instant.now())).join())
                .as("an unpaired surrogate, which PostgreSQL text would turn into '?'")
                .hasCauseInstanceOf(IllegalArgumentException.class).hasMessageContaining("unpaired surrogate");

        assertThatThrownBy(() -> store.insert(VenomTask.create(UUID.randomUUID(), "a\u0000b", Instant.now())).join())
                .hasCauseInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        store.insert(VenomTask.create(UUID.randomUUID(), "ok", Instant.now())).join();
        VenomTask claimed = store.claim(ClaimRequest.of("node", 1, Duration.ofSeconds(30))).get(0).task();
        VenomTask stored = store.update(claimed, claimed.complete("x\u0000y", Instant.now())).join().orElseThrow();

        assertThat(store.find(stored.id()).orElseThrow().result()).isEqualTo("x\uFFFDy");
    }

    @Test
    void aStaleWriteAmongManyAtOnceIsRefusedAndTheOthersApply() {
        // given twenty started tasks
        PostgresStateStore store = store();
        Instant now = Instant.now();
        List<VenomTask> before = new ArrayList<>();
        List<VenomTask> started = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            VenomTask task = store.insert(VenomTask.create(UUID.randomUUID(), "t" + i, now)).join();
            before.add(task);
            started.add(store.update(task, task.start(now)).join().orElseThrow());
        }

        // when each is completed, and the first is also cancelled from the version it had before it started,
        // all without waiting between
        List<java.util.concurrent.CompletableFuture<java.util.Optional<VenomTask>>> writes = new ArrayList<>();
        for (VenomTask task : started) {
            writes.add(store.update(task, task.complete("done", now)));
        }
        var stale = store.update(before.get(0), before.get(0).cancel(now));

        // then every completion applied and the stale write changed nothing
        assertThat(writes).allSatisfy(write -> assertThat(write.join()).isPresent());
        assertThat(stale.join()).isEmpty();
        for (VenomTask task : started) {
            VenomTask stored = store.find(task.id()).orElseThrow();
            assertThat(stored.status()).isEqualTo(TaskStatus.COMPLETED);
            assertThat(stored.version()).isEqualTo(task.version() + 1);
        }
    }

    @Test
    void logLinesWithQuotesBackslashesBracesCommasAndTheWordNullAreStoredAsWritten() {
        PostgresStateStore store = store();
        VenomTask task = store.insert(VenomTask.create(UUID.randomUUID(), "t", Instant.now())).join();
        List<String> lines = List.of("say \"hi\"", "C:\\path\\", "{a,b}", "NULL", "", " padded ",
                "zażółć \uD83D\uDE00", "tab\tnew\nline", "x\u0000y");

        VenomTask next = task;
        for (String line : lines) {
            next = next.requeue(line, Instant.now());
        }
        VenomTask written = store.update(task, next).join().orElseThrow();

        List<String> stored = store.find(written.id()).orElseThrow().logs();
        assertThat(stored.subList(stored.size() - lines.size(), stored.size())).containsExactlyElementsOf(
                lines.stream().map(line -> line.replace('\u0000', '\uFFFD')).toList());
        assertThat(stored).hasSize(task.logs().size() + lines.size());
    }
}
