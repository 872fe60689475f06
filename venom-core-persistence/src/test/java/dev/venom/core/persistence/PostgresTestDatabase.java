package dev.venom.core.persistence;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * The PostgreSQL the tests run against: {@code VENOM_TEST_PG_URL}, default
 * {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres} (what CI provides). Each test gets a schema of
 * its own, dropped afterwards, so runs never see each other's rows. Without a reachable database the tests
 * skip with a message saying how to enable them, except under {@code CI=true}, where they fail.
 */
public final class PostgresTestDatabase {

    /** The database URL the tests use. */
    public static final String URL = System.getenv().getOrDefault("VENOM_TEST_PG_URL",
            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

    private PostgresTestDatabase() {
    }

    /** Skips the calling test (or fails it under CI) unless the database answers. */
    public static void require() {
        try (Connection connection = DriverManager.getConnection(URL)) {
            connection.isValid(2);
        } catch (SQLException e) {
            String why = "PostgreSQL is not reachable at " + URL + " (" + e.getMessage() + "); start it, or point "
                    + "VENOM_TEST_PG_URL at one (a user that may create schemas), to run the PostgreSQL tests";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException("CI=true: the PostgreSQL tests must run. " + why, e);
            }
            Assumptions.abort(why);
        }
    }

    /** A fresh schema name, unique to one test. */
    public static String newSchema() {
        return "venom_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    /** Drops {@code schema} and everything in it. */
    public static void drop(String schema) {
        try (Connection connection = DriverManager.getConnection(URL);
             Statement sql = connection.createStatement()) {
            sql.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop test schema " + schema, e);
        }
    }
}
