package dev.venom.core.tests.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.venom.core.persistence.PostgresTestDatabase;
import dev.venom.core.tests.support.SchemaServers;
import dev.venom.core.tests.support.ServerProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three servers on one PostgreSQL fire one schedule every second while two of them restart, one by
 * {@code kill -9}: each time creates exactly one task, and no time is missed while any server runs.
 */
@Tag("postgres")
@Tag("process")
class ScheduleClusterTest {

    @TempDir
    Path dir;

    private SchemaServers servers;

    @BeforeEach
    void database() {
        servers = SchemaServers.create(dir);
    }

    @AfterEach
    void stop() {
        if (servers != null) {
            servers.close();
        }
    }

    private ServerProcess server(String node) throws IOException {
        return servers.start(node, Map.of("VENOM_SHUTDOWN_GRACE_MS", "200", "VENOM_PROCESSING_DELAY_MS", "0"));
    }

    @Test
    void eachTimeIsCreatedOnceAcrossThreeServersAndTwoRestarts() throws Exception {
        ServerProcess a = server("node-a");
        ServerProcess b = server("node-b");
        ServerProcess c = server("node-c");
        assertThat(a.http().post("/api/v1/schedules", "{\"name\": \"tick\", \"cron\": \"* * * * * *\", "
                + "\"content\": \"tick\"}").status()).isEqualTo(201);

        Thread.sleep(3_000);
        b.kill();                 // kill -9 in the middle of its looks
        Thread.sleep(1_500);
        server("node-b");
        Thread.sleep(2_000);
        c.terminate();            // a clean stop
        server("node-c");
        Thread.sleep(3_000);
        assertThat(a.http().method("DELETE", "/api/v1/schedules/tick").status()).isEqualTo(204);
        Thread.sleep(1_500);      // a look that had begun ends

        Map<Instant, Integer> perTime = new HashMap<>();
        try (Connection connection = DriverManager.getConnection(PostgresTestDatabase.URL);
             Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT idempotency_key FROM \"" + servers.schema()
                     + "\".venom_tasks")) {
            while (rows.next()) {
                String key = rows.getString(1);
                perTime.merge(Instant.parse(key.substring("schedule:tick:".length())), 1, Integer::sum);
            }
        }
        assertThat(perTime.size()).isGreaterThanOrEqualTo(10);
        assertThat(perTime.values()).as("tasks per time").containsOnly(1);
        Instant first = perTime.keySet().stream().min(Instant::compareTo).orElseThrow();
        Instant last = perTime.keySet().stream().max(Instant::compareTo).orElseThrow();
        for (Instant time = first; !time.isAfter(last); time = time.plusSeconds(1)) {
            assertThat(perTime).as("a task for %s", time).containsKey(time);
        }
    }
}
