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
import java.sql.PreparedStatement;
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
 * WAL per task of four task lifecycles on one PostgreSQL, each in a fresh schema, alternated: Venom's
 * statements on its own schema; db-scheduler's (which deletes a task once it ran); a design that keeps each
 * task's row, result and log shaped for little WAL (the row only ever HOT-updated, the claim order and leases
 * in narrow tables); and Venom's statements with the completion deleting the row, as db-scheduler's does. It
 * asks what keeping a task's history costs in WAL. Every lifecycle runs the same 20,000 tasks, 50 to a
 * transaction, so that they differ only in what they write for a task (the real engines commit differently:
 * {@link PeersThroughputBench} measures them as they run); each starts after a checkpoint and its count ends
 * after a {@code VACUUM} of its tables, so the cleanup of what it left behind is counted too. The lifecycles
 * are SQL files under {@code bench/wal/}. Run with {@code -Pbench}; prints and writes {@code target/bench/wal.txt}.
 */
@Tag("bench")
@Tag("postgres")
class WalFloorBench {

    private static final int TASKS = 20_000;
    private static final int ROUNDS = Integer.getInteger("venom.bench.wal.rounds", 3);

    /** A lifecycle: the schema it needs (null: Venom's, from its migrations) and the script that runs it. */
    private record Lifecycle(String name, String schema, String script) {
    }

    /** The statement in venom.sql between these lines completes the claimed tasks. */
    private static final String COMPLETION = "    -- completion";
    private static final String END_OF_COMPLETION = "    -- end of completion\n";

    /** Why runs started without a checkpoint, or null if none did. */
    private String checkpointRefused;

    @Test
    void walPerTaskOfKeepingHistoryAgainstDeletingIt() throws Exception {
        PostgresTestDatabase.require();
        String venom = script("venom.sql");
        List<Lifecycle> lifecycles = List.of(
                new Lifecycle("Venom (its own schema, migrated)", null, venom),
                new Lifecycle("db-scheduler (deletes the task)", DbSchedulerBench.schema(), script("db-scheduler.sql")),
                new Lifecycle("history kept, shaped for little WAL", script("kept-history-schema.sql"),
                        script("kept-history.sql")),
                new Lifecycle("Venom, deleting the task as it ends", null,
                        withCompletion(venom, "    DELETE FROM venom_tasks WHERE id = ANY(claimed);\n")));
        Map<String, List<Double>> bytes = new LinkedHashMap<>();
        lifecycles.forEach(lifecycle -> bytes.put(lifecycle.name(), new ArrayList<>()));
        for (int round = 0; round < ROUNDS; round++) {
            for (Lifecycle lifecycle : lifecycles) {
                bytes.get(lifecycle.name()).add(walPerTask(lifecycle));
            }
        }
        List<String> report = new ArrayList<>();
        report.add(String.format(Locale.ROOT, "WAL per task (VACUUM included), %,d tasks enqueued then claimed and "
                + "completed 50 to a transaction, medians of %d alternated runs, PostgreSQL at %s", TASKS, ROUNDS,
                PostgresTestDatabase.URL));
        double dbScheduler = median(bytes.get(lifecycles.get(1).name()));
        bytes.forEach((name, runs) -> report.add(String.format(Locale.ROOT,
                "%-40s %,7.0f B  (%.2f of db-scheduler's; runs %s)", name, median(runs), median(runs) / dbScheduler,
                runs.stream().map(b -> String.format(Locale.ROOT, "%.0f", b)).toList())));
        if (checkpointRefused != null) {
            report.add("runs started without a checkpoint: " + checkpointRefused);
        }
        String text = String.join("\n", report);
        System.out.println(text);
        Path out = Path.of("target", "bench");
        Files.createDirectories(out);
        Files.writeString(out.resolve("wal.txt"), text + "\n");
    }

    /** Runs {@code lifecycle} in a schema of its own; the WAL PostgreSQL wrote meanwhile, per task. */
    private double walPerTask(Lifecycle lifecycle) throws SQLException, IOException {
        String schema = PostgresTestDatabase.newSchema();
        try (Connection connection = DriverManager.getConnection(PostgresTestDatabase.URL);
             Statement sql = connection.createStatement()) {
            sql.execute("CREATE SCHEMA " + schema);
            sql.execute("SET search_path TO " + schema);
            if (lifecycle.schema() == null) {
                Migrations.migrate(connection);
            } else {
                sql.execute(lifecycle.schema());
            }
            checkpoint(sql);
            String before = lsn(sql);
            sql.execute(lifecycle.script());
            for (String table : tables(connection, schema)) {
                sql.execute("VACUUM " + schema + "." + table);
            }
            try (ResultSet wal = sql.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '" + before + "')")) {
                wal.next();
                return wal.getDouble(1) / TASKS;
            }
        } finally {
            PostgresTestDatabase.drop(schema);
        }
    }

    /** A checkpoint, so every run starts alike (full-page images); left out, and said, if the user may not. */
    private void checkpoint(Statement sql) {
        try {
            sql.execute("CHECKPOINT");
        } catch (SQLException notAllowed) {
            checkpointRefused = notAllowed.getMessage();
        }
    }

    private static List<String> tables(Connection connection, String schema) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(
                "SELECT tablename FROM pg_tables WHERE schemaname = ? ORDER BY tablename")) {
            query.setString(1, schema);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    tables.add(rows.getString(1));
                }
            }
        }
        return tables;
    }

    private static String lsn(Statement sql) throws SQLException {
        try (ResultSet now = sql.executeQuery("SELECT pg_current_wal_lsn()")) {
            now.next();
            return now.getString(1);
        }
    }

    /** {@code script} (venom.sql) with {@code statement} in place of its completion. */
    private static String withCompletion(String script, String statement) {
        int from = script.indexOf(COMPLETION);
        int to = script.indexOf(END_OF_COMPLETION);
        if (from < 0 || to < from) {
            throw new IllegalStateException("venom.sql no longer marks its completion with \"" + COMPLETION.strip()
                    + "\" and \"" + END_OF_COMPLETION.strip() + "\" lines");
        }
        return script.substring(0, from) + statement + script.substring(to + END_OF_COMPLETION.length());
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
