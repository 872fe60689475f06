package dev.venom.core.persistence.internal.pg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes this server when another one adds tasks, and hands the changes other servers tell ({@link PgEvents})
 * to the {@link PgEventRelay}: {@code LISTEN} on a dedicated connection, reconnecting when it breaks (what
 * was told meanwhile is reported missed). It also checks that the channel works: every few seconds it notifies itself a probe,
 * and if probes stop arriving (a transaction-pooling proxy drops {@code LISTEN}) it says so once and the
 * engine keeps going on its polling alone.
 */
public final class PgNotifications implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PgNotifications.class);
    private static final long PROBE_EVERY_MS = 5_000;
    private static final long PROBE_LOST_AFTER_MS = 5_000;
    /** Tells every server, itself included, that tasks were added: sent by a transaction that enqueues. */
    public static final String NEW_TASKS = "new:";
    /** {@code cancel:<sender token>:<task id>:<attempt>}. */
    static final String CANCEL = "cancel:";

    private final Supplier<Connection> listenerConnection;
    private final DataSource pool;
    private final String channel;
    private final String probe;
    private final PgEventRelay relay;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final List<BiConsumer<UUID, Integer>> cancelListeners = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean working;
    private volatile boolean silenced;
    private boolean warned;
    private volatile Connection current;
    private long probeSentAt;
    private long probeSeenAt;

    /**
     * @param listenerConnection opens the connection that listens (not from the pool: it is held for ever)
     * @param pool               sends the probes
     * @param channel            the channel the store notifies on
     * @param relay              hears the changes other servers tell; its token tells this server's own apart
     */
    public PgNotifications(Supplier<Connection> listenerConnection, DataSource pool, String channel,
                           PgEventRelay relay) {
        this.listenerConnection = listenerConnection;
        this.pool = pool;
        this.channel = channel;
        this.probe = "probe:" + relay.token() + ":" + System.nanoTime();
        this.relay = relay;
        this.thread = new Thread(this::run, "venom-pg-listener");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Runs {@code listener} (on the listener's thread; it must be quick) whenever tasks were added. */
    public void onNewTasks(Runnable listener) {
        listeners.add(listener);
    }

    /** Runs {@code listener} (on the listener's thread; quick) when another server cancelled a running task. */
    public void onCancelled(BiConsumer<UUID, Integer> listener) {
        cancelListeners.add(listener);
    }

    /**
     * Tells the other servers that attempt {@code attempt} of task {@code id} was cancelled, so that one running
     * it stops at once; on a pooled connection, after the cancel committed. A notification lost is only late:
     * the attempt's next heartbeat finds its claim gone.
     */
    public void tellCancelled(UUID id, int attempt) {
        try (Connection connection = pool.getConnection();
             PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            notify.setString(1, channel);
            notify.setString(2, CANCEL + relay.token() + ":" + id + ":" + attempt);
            notify.execute();
        } catch (SQLException e) {
            log.debug("could not tell the other servers that task {} was cancelled: {}", id, e.getMessage());
        }
    }

    /** True while notifications arrive; false before the first probe came back or once they stopped. */
    public boolean working() {
        return working;
    }

    /** Test seam: stops listening, as a transaction-pooling proxy would, without closing the connection. */
    public void silence() {
        silenced = true;
    }

    private void run() {
        long backoff = 500;
        while (running) {
            try (Connection connection = listenerConnection.get()) {
                current = connection;
                try (Statement sql = connection.createStatement()) {
                    sql.execute("LISTEN " + PgEventRelay.quoted(channel));
                }
                relay.missed(); // what was told before this LISTEN (or while the connection was down) is lost
                PGConnection pg = connection.unwrap(PGConnection.class);
                backoff = 500;
                probeSentAt = 0;
                while (running) {
                    if (silenced) {
                        try (Statement sql = connection.createStatement()) {
                            sql.execute("UNLISTEN *");
                        }
                        silenced = false;
                    }
                    PGNotification[] received = pg.getNotifications(250);
                    boolean wake = false;
                    if (received != null) {
                        for (PGNotification notification : received) {
                            wake |= handle(notification.getParameter());
                        }
                    }
                    if (wake) {
                        listeners.forEach(Runnable::run);
                    }
                    checkProbe();
                }
            } catch (SQLException | RuntimeException e) {
                if (running) {
                    if (working) {
                        log.warn("LISTEN connection lost ({}); polling until it is back", e.getMessage());
                    }
                    working = false;
                    sleep(backoff);
                    backoff = Math.min(backoff * 2, 10_000);
                }
            } finally {
                current = null;
            }
        }
    }

    /** Acts on one notification; true if it tells of new tasks from another server. */
    private boolean handle(String payload) {
        if (probe.equals(payload)) {
            probeSeenAt = System.currentTimeMillis();
            return false;
        }
        if (payload.startsWith(CANCEL)) {
            String[] parts = payload.substring(CANCEL.length()).split(":");
            if (parts.length == 3 && !parts[0].equals(relay.token())) {
                try {
                    UUID id = UUID.fromString(parts[1]);
                    int attempt = Integer.parseInt(parts[2]);
                    cancelListeners.forEach(listener -> listener.accept(id, attempt));
                } catch (IllegalArgumentException malformed) {
                    log.debug("ignored a malformed cancel notification: {}", payload);
                }
            }
            return false;
        }
        if (payload.startsWith("probe:")) {
            relay.peerSeen(); // another server listens on this channel
            return false;
        }
        String sender = PgEvents.sender(payload);
        if (sender != null) {
            if (sender.equals(relay.token())) {
                return false; // this server's own changes wake its engine directly
            }
            List<PgEvents.Change> changes = PgEvents.parse(payload);
            relay.heard(changes);
            return changes.stream().anyMatch(PgEvents.Change::creates);
        }
        if (payload.startsWith(PgEventRelay.GAP) && !payload.equals(PgEventRelay.GAP + relay.token())) {
            relay.missed();
        }
        return payload.startsWith(NEW_TASKS); // a caller's transaction (or a server of an old version) added tasks
    }

    private void checkProbe() throws SQLException {
        long now = System.currentTimeMillis();
        if (probeSentAt > 0 && probeSeenAt >= probeSentAt) {
            if (!working) {
                log.info("notifications on channel {} work; idle servers wake at once", channel);
            }
            working = true;
            warned = false;
        } else if (probeSentAt > 0 && now - probeSentAt > PROBE_LOST_AFTER_MS && (working || !warned)) {
            if (working) {
                relay.missed();
            }
            working = false;
            warned = true;
            log.warn("notifications on channel {} do not arrive (a transaction-pooling proxy?); "
                    + "new tasks are found by polling", channel);
        }
        if (probeSentAt == 0 || now - probeSentAt >= PROBE_EVERY_MS && (probeSeenAt >= probeSentAt
                || now - probeSentAt > PROBE_LOST_AFTER_MS)) {
            try (Connection connection = pool.getConnection();
                 PreparedStatement notify = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
                notify.setString(1, channel);
                notify.setString(2, probe);
                notify.execute();
            }
            probeSentAt = now;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
