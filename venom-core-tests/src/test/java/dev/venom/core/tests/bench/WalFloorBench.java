package dev.venom.core.tests.bench;

import dev.venom.core.persistence.PostgresTestDatabase;
import dev.venom.core.persistence.internal.pg.Migrations;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * WAL per task of three task lifecycles on one PostgreSQL, each in a fresh schema, the same 20,000 tasks
 * run down 50 to a transaction, alternated: Venom's statements on its own schema; db-scheduler's (which
 * deletes a task once it ran); and a design that keeps each task's row, result and log with the least WAL
 * its author could shape (the row only ever HOT-updated, the claim order and leases in narrow tables); and
 * Venom's statements with the completion deleting the row, as db-scheduler's does. It asks what keeping a
 * task's history costs in WAL, whatever the schema. The lifecycles are SQL files under
 * {@code bench/wal/}. Run with {@code -Pbench}; prints and writes {@code target/bench/wal.txt}.
 */
@Tag("bench")
@Tag("postgres")
class WalFloorBench {

    private static final int TASKS = 20_000;
    private static final int ROUNDS = Integer.getInteger("venom.bench.wal.rounds", 3);

    /** A lifecycle: the schema it needs (null: Venom's, from its migrations) and the script that runs it. */
    private record Lifecycle(String name, String schemaFile, String script) {
    }

    @Test
    void walPerTaskOfKeepingHistoryAgainstDeletingIt() throws Exception {
        PostgresTestDatabase.require();
        List<Lifecycle> lifecycles = List.of(
                new Lifecycle("Venom (its own schema, migrated)", null, "venom.sql"),
                new Lifecycle("db-scheduler (deletes the task)", "db-scheduler-schema.sql", "db-scheduler.sql"),
                new Lifecycle("history kept, least-WAL design", "kept-history-schema.sql", "kept-history.sql"),
                new Lifecycle("Venom, deleting the task as it ends", null, "venom-deleting.sql"));
        Map<String, List<Double>> bytes = new LinkedHashMap<>();
        lifecycles.forEach(lifecycle -> bytes.put(lifecycle.name(), new ArrayList<>()));
        for (int round = 0; round < ROUNDS; round++) {
            for (Lifecycle lifecycle : lifecycles) {
                bytes.get(lifecycle.name()).add(walPerTask(lifecycle));
            }
        }
        List<String> report = new ArrayList<>();
        report.add(String.format(Locale.ROOT, "WAL per task, %,d tasks enqueued then claimed and completed 50 to a "
                + "transaction, medians of %d alternated runs, PostgreSQL at %s", TASKS, ROUNDS, PostgresTestDatabase.URL));
        double dbScheduler = median(bytes.get(lifecycles.get(1).name()));
        bytes.forEach((name, runs) -> report.add(String.format(Locale.ROOT, "%-40s %,7.0f B  (%.2f of db-scheduler's; "
                + "runs %s)", name, median(runs), median(runs) / dbScheduler, runs.stream()
                .map(b -> String.format(Locale.ROOT, "%.0f", b)).toList())));
        String text = String.join("\n", report);
        System.out.println(text);
        Path out = Path.of("target", "bench");
        Files.createDirectories(out);
        Files.writeString(out.resolve("wal.txt"), text + "\n");
    }

    /** Runs {@code lifecycle} in a schema of its own; the WAL PostgreSQL wrote meanwhile, per task. */
    private static double walPerTask(Lifecycle lifecycle) throws SQLException, IOException {
        String schema = PostgresTestDatabase.newSchema();
        try (Connection connection = DriverManager.getConnection(PostgresTestDatabase.URL);
             Statement sql = connection.createStatement()) {
            sql.execute("CREATE SCHEMA " + schema);
            sql.execute("SET search_path TO " + schema);
            if (lifecycle.schemaFile() == null) {
                Migrations.migrate(connection);
            } else {
                sql.execute(script(lifecycle.schemaFile()));
            }
            String before = lsn(sql);
            sql.execute(script(lifecycle.script()));
            try (ResultSet wal = sql.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '" + before + "')")) {
                wal.next();
                return wal.getDouble(1) / TASKS;
            }
        } finally {
            PostgresTestDatabase.drop(schema);
        }
    }

    private static String lsn(Statement sql) throws SQLException {
        try (ResultSet now = sql.executeQuery("SELECT pg_current_wal_lsn()")) {
            now.next();
            return now.getString(1);
        }
    }

    private static String script(String file) throws IOException {
        try (InputStream in = WalFloorBench.class.getResourceAsStream("/bench/wal/" + file)) {
            if (in == null) {
                throw new IllegalStateException("bench/wal/" + file + " is missing from the test resources");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        return sorted.get(sorted.size() / 2);
    }
}
