package dev.venom.core.tests.support;

import dev.venom.core.persistence.PostgresTestDatabase;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Server processes on one fresh schema of the test PostgreSQL, as a cluster of servers is: each started with
 * the store, the schema and its node name; closing stops every one and drops the schema.
 */
public final class SchemaServers implements AutoCloseable {

    private final Path workDir;
    private final String schema;
    private final List<ServerProcess> servers = new ArrayList<>();

    private SchemaServers(Path workDir, String schema) {
        this.workDir = workDir;
        this.schema = schema;
    }

    /** A fresh schema for servers working in {@code workDir}; skips the test without PostgreSQL (fails under CI). */
    public static SchemaServers create(Path workDir) {
        PostgresTestDatabase.require();
        return new SchemaServers(workDir, PostgresTestDatabase.newSchema());
    }

    public String schema() {
        return schema;
    }

    /** Starts server {@code node} on the schema with {@code env} besides; waits until it listens. */
    public ServerProcess start(String node, Map<String, String> env) throws IOException {
        Map<String, String> all = new HashMap<>(env);
        all.putAll(Map.of("VENOM_STORE", PostgresTestDatabase.URL, "VENOM_DB_SCHEMA", schema, "VENOM_NODE_ID", node));
        ServerProcess server = ServerProcess.start(workDir, all);
        servers.add(server);
        return server;
    }

    /** How many tasks of the schema match the SQL condition {@code where}. */
    public long count(String where) throws SQLException {
        try (Connection connection = DriverManager.getConnection(PostgresTestDatabase.URL);
             Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT count(*) FROM \"" + schema + "\".venom_tasks WHERE " + where)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    @Override
    public void close() {
        servers.forEach(ServerProcess::close);
        PostgresTestDatabase.drop(schema);
    }
}
