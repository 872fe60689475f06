package dev.venom.core.engine.internal;

import dev.venom.core.engine.StoreException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the store answered the engine's last call: an outage is logged once, not at every tick. After
 * an outage every server's leases expired alike, so rescuing expired claims waits one lease, in which their
 * holders can renew them and keep the results they recorded. Thread-safe.
 */
public final class StoreHealth {

    private static final Logger log = LoggerFactory.getLogger(StoreHealth.class);

    private final Timers timers;
    private final Duration lease;
    private volatile boolean down;
    private volatile long rescueAfterNanos;

    public StoreHealth(Timers timers, Duration lease) {
        this.timers = timers;
        this.lease = lease;
        this.rescueAfterNanos = timers.nanoTime();
    }

    public void unreachable(StoreException e) {
        if (!down) {
            down = true;
            log.error("the store is unreachable ({}); running attempts keep their results and claiming resumes "
                    + "when it is back", e.getMessage());
        }
    }

    public void reachable() {
        if (down) {
            down = false;
            rescueAfterNanos = timers.nanoTime() + lease.toNanos();
            log.info("the store is reachable again; rescuing expired claims resumes in {} ms", lease.toMillis());
        }
    }

    /** False for one lease after an outage. */
    public boolean mayRescue() {
        return timers.nanoTime() - rescueAfterNanos >= 0;
    }
}
