package dev.venom.core.persistence.internal.pg;

import dev.venom.core.engine.StoreException;
import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Runs statements on a pooled connection, and is the one place a {@link SQLException} becomes a
 * {@link StoreException} naming what failed.
 */
public final class Jdbc {

    /** Work on one connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /**
     * Runs {@code work} as one transaction on {@code connection}: committed if it returns, rolled back if it
     * throws; the connection's auto-commit is as it was afterwards.
     */
    public static <T> T transaction(Connection connection, Work<T> work) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            T result = work.run(connection);
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** How long the statements that grow with the table (a scan, a retention batch) may wait for an answer. */
    private static final Duration SLOW_STATEMENT_TIMEOUT = Duration.ofMinutes(1);

    private final DataSource pool;

    public Jdbc(DataSource pool) {
        this.pool = pool;
    }

    /**
     * Runs {@code work} on a pooled connection, held to the query timeout.
     *
     * @param what what it does, for the error ({@code "reading task <id>"})
     * @throws StoreException if the database failed or did not answer in time
     */
    public <T> T call(String what, Work<T> work) {
        try (Connection connection = pool.getConnection()) {
            return work.run(connection);
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    /**
     * Like {@link #call}, but lets the database take a minute to answer: for the few statements whose time
     * grows with the table rather than the query timeout every request is held to. The pool restores the
     * timeout when the connection is returned.
     */
    public <T> T callSlow(String what, Work<T> work) {
        return call(what, connection -> {
            connection.setNetworkTimeout(Runnable::run, (int) SLOW_STATEMENT_TIMEOUT.toMillis());
            return work.run(connection);
        });
    }

    /** The {@link StoreException} for {@code e}, which failed {@code what}. */
    public static StoreException failure(String what, SQLException e) {
        if (timedOut(e)) {
            return new StoreException(what + " failed: the database did not answer in time", e);
        }
        return new StoreException(what + " failed: " + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e);
    }

    /** True if {@code failure} is a deadlock or serialization failure: two writes collided; one retry is right. */
    public static boolean collided(StoreException failure) {
        return failure.getCause() instanceof SQLException e
                && ("40P01".equals(e.getSQLState()) || "40001".equals(e.getSQLState()));
    }

    /** True if {@code e} is the driver giving up on an answer (the socket timeout), not the database refusing. */
    public static boolean timedOut(SQLException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }
}
