package dev.venom.core.persistence.internal.pg;

import dev.venom.core.engine.StoreSignals;
import dev.venom.core.persistence.internal.DrainLoop;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays task events between the servers of a shared database ({@link PgEvents}). Telling: changes this
 * server has committed are queued and sent by a thread of their own, many to a notification, in a small
 * transaction of their own that does not wait for its WAL flush; the write path never takes NOTIFY's
 * database-wide commit lock, and only committed changes are told. Hearing: other servers' changes are read
 * back on another thread and handed to the engine. Whatever cannot be told or heard is reported as
 * {@linkplain StoreSignals.RemoteListener#missed missed}, so that live streams reset rather than skip.
 *
 * <p>A server tells only while another one listens: servers hear each other's probes ({@link
 * PgNotifications}), so a server alone on its database spends nothing on telling.
 */
public final class PgEventRelay implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PgEventRelay.class);
    /** Changes waiting to be told, or to be read back: beyond this they are dropped and reported missed. */
    private static final int BACKLOG = 50_000;
    /** Changes told, or read back, at once. */
    private static final int BATCH = 2_000;
    static final String GAP = "gap:";
    /** Another server is taken to listen this long after its last probe (probes come every 5 s). */
    private static final long PEER_TTL_NANOS = TimeUnit.SECONDS.toNanos(16);

    private final DataSource pool;
    private final String channel;
    private final String table;
    private final String token;
    private final AtomicBoolean toldLost = new AtomicBoolean();
    private final DrainLoop<PgEvents.Change> teller;
    private final DrainLoop<PgEvents.Change> reader;
    private volatile StoreSignals.RemoteListener listener;
    private volatile long peerSeenAt = System.nanoTime() - PEER_TTL_NANOS;

    /**
     * @param channel the channel the servers of this schema notify on
     * @param table   the tasks table, schema included
     * @param token   this server's sender token (hex digits), by which it knows its own notifications
     */
    public PgEventRelay(DataSource pool, String channel, String table, String token) {
        this.pool = pool;
        this.channel = channel;
        this.table = table;
        this.token = token;
        // Events are not state: what cannot be told or read back is reported as a gap, never retried.
        this.teller = new DrainLoop<>("venom-pg-event-teller", 1, new ArrayBlockingQueue<>(BACKLOG), BATCH, this::send,
                (batch, e) -> toldLost.set(true), change -> toldLost.set(true), true, Duration.ofSeconds(2));
        this.reader = new DrainLoop<>("venom-pg-event-reader", 1, new ArrayBlockingQueue<>(BACKLOG), BATCH,
                this::readBack, (batch, e) -> missed(), change -> { }, false, Duration.ofSeconds(2));
    }

    /** This server's sender token. */
    public String token() {
        return token;
    }

    /** Where other servers' events go; until set, what is heard is dropped. */
    public void listen(StoreSignals.RemoteListener listener) {
        this.listener = listener;
    }

    /** Another server's probe was heard: it listens, so changes are told. */
    void peerSeen() {
        peerSeenAt = System.nanoTime();
    }

    /** True while another server has been heard lately. */
    public boolean hasPeers() {
        return System.nanoTime() - peerSeenAt < PEER_TTL_NANOS;
    }

    /** Queues committed changes of this server to be told to the others, if any listen. Never blocks. */
    public void tell(List<PgEvents.Change> changes) {
        if (changes.isEmpty()) {
            return;
        }
        if (!hasPeers()) {
            toldLost.set(true); // a server that appears now is told of the gap with the first notification
            return;
        }
        for (PgEvents.Change change : changes) {
            if (!teller.offer(change)) {
                toldLost.set(true); // the others are told of the gap with the next notification
            }
        }
    }

    /** Queues changes to be read back and handed to this engine's listener: others', or its own rescues. */
    public void heard(List<PgEvents.Change> changes) {
        StoreSignals.RemoteListener current = listener;
        if (current == null || changes.isEmpty()) {
            return;
        }
        if (!current.wanted()) {
            current.missed(); // not read for nobody; a stream resuming from before is reset
            return;
        }
        for (PgEvents.Change change : changes) {
            if (!reader.offer(change)) {
                log.debug("events of other servers dropped: they are read back too slowly");
                missed();
                return;
            }
        }
    }

    /** Events were lost on the way here; the listener is told. */
    public void missed() {
        StoreSignals.RemoteListener current = listener;
        if (current != null) {
            current.missed();
        }
    }

    private void send(List<PgEvents.Change> batch) {
        boolean gap = toldLost.getAndSet(false);
        try (Connection connection = pool.getConnection()) {
            connection.setAutoCommit(false);
            try {
                try (Statement sql = connection.createStatement()) {
                    // events are not state: a crash may lose the last few, it must not slow the writes
                    sql.execute("SET LOCAL synchronous_commit TO off");
                    if (gap) {
                        sql.execute("NOTIFY " + quoted(channel) + ", '" + GAP + token + "'");
                    }
                }
                PgEvents.send(connection, channel, token, batch);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException | RuntimeException e) {
            toldLost.set(true);
            log.debug("could not tell other servers of {} change(s): {}", batch.size(), e.getMessage());
        }
    }

    private void readBack(List<PgEvents.Change> batch) {
        StoreSignals.RemoteListener current = listener;
        try (Connection connection = pool.getConnection()) {
            current.events(PgEvents.events(connection, table, batch));
        } catch (SQLException | RuntimeException e) {
            log.debug("could not read {} task(s) other servers changed: {}", batch.size(), e.getMessage());
            current.missed();
        }
    }

    static String quoted(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /** Tells what is queued (for up to 2 s), then stops both threads. */
    @Override
    public void close() {
        teller.close();
        reader.close();
    }
}
