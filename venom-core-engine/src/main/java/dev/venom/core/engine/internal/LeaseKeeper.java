package dev.venom.core.engine.internal;

import dev.venom.core.engine.Claim;
import dev.venom.core.engine.StateStore;
import dev.venom.core.engine.StoreException;
import dev.venom.core.engine.TaskEvent;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heartbeat: renews the claims of this node's attempts, runs claims whose answer was lost, and returns
 * expired claims (of any node) to the queue. Runs on the timer thread.
 */
public final class LeaseKeeper {

    private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);

    private final StateStore store;
    private final String nodeId;
    private final Duration lease;
    private final Lanes lanes;
    private final Attempts attempts;
    private final Announcer announcer;
    private final EventBus events;
    private final StoreHealth health;
    private final LostAnswers lostAnswers;
    private final Lifecycle lifecycle;
    private final Dispatcher dispatcher;
    private final Timers timers;
    private final Set<UUID> heldBeforeStart = ConcurrentHashMap.newKeySet();
    private volatile boolean heldBeforeStartUnknown;
    /** Claims younger than this are not renewed: half a heartbeat, so a running one is renewed at every beat. */
    private volatile Duration fresh = Duration.ZERO;

    public LeaseKeeper(StateStore store, String nodeId, Duration lease, Lanes lanes, Attempts attempts,
            Announcer announcer, EventBus events, StoreHealth health, LostAnswers lostAnswers, Lifecycle lifecycle,
            Dispatcher dispatcher, Timers timers) {
        this.store = store;
        this.nodeId = nodeId;
        this.lease = lease;
        this.lanes = lanes;
        this.attempts = attempts;
        this.announcer = announcer;
        this.events = events;
        this.health = health;
        this.lostAnswers = lostAnswers;
        this.lifecycle = lifecycle;
        this.dispatcher = dispatcher;
        this.timers = timers;
    }

    /** Beats every {@code heartbeat}. */
    public void start(Duration heartbeat) {
        fresh = heartbeat.dividedBy(2);
        timers.every("lease upkeep", this::beat, heartbeat, heartbeat);
    }

    /** One heartbeat: renew, adopt, rescue. */
    public void beat() {
        try {
            attempts.renewAll(fresh);
            adoptUnknownClaims();
            health.reachable();
            if (!health.mayRescue()) {
                return; // just back from an outage: every server gets one lease to renew what it holds
            }
            int rescued = store.rescueExpired();
            if (rescued > 0) {
                log.warn("rescued {} task(s) whose claim expired", rescued);
                dispatcher.mayBeWaiting();
            }
        } catch (StoreException e) {
            health.unreachable(e);
        }
    }

    /**
     * The claims this node id held when this engine started: those of an earlier process with the same id
     * (a restarted container keeps its host name and pid), whose attempts may have run. They are left to
     * expire and be rescued as before, never adopted.
     */
    public void rememberClaimsHeldBeforeStart() {
        try {
            store.claimsOf(nodeId).forEach(claim -> heldBeforeStart.add(claim.task().id()));
        } catch (StoreException e) {
            log.warn("could not read the claims node {} held before this start ({}); claims whose answer is lost "
                    + "are not looked for in this run", nodeId, e.getMessage());
            heldBeforeStartUnknown = true;
        }
    }

    /**
     * Runs the claims the store says this node holds but no attempt here knows of, after a claim or a start
     * on arrival failed in a way that may have committed. Such a task has used an attempt that never reached
     * the processor; left alone, its lease would expire and a rescue would count it, or fail the task on its
     * last attempt. Each runs once its claim is renewed (which proves it is still this very claim), even
     * over the concurrency limit: the failed call had given back the slots it was taken for.
     */
    private void adoptUnknownClaims() {
        if (!lifecycle.claims() || heldBeforeStartUnknown || !lostAnswers.worthLookingFor()) {
            return;
        }
        for (Claim claim : store.claimsOf(nodeId)) {
            UUID id = claim.task().id();
            synchronized (attempts.claimLock()) { // no claim of this node is between its commit and its registration
                // in this order: an arrival is registered before it is announced
                if (heldBeforeStart.contains(id) || announcer.expects(id) || attempts.runs(id)) {
                    continue;
                }
            }
            Optional<Claim> renewed = store.renew(claim, lease);
            if (renewed.isEmpty()) {
                continue;
            }
            log.warn("task {}: claimed by this node without its knowing (the claim's answer was lost); running "
                    + "attempt {} now", id, claim.task().attempts());
            events.publish(TaskEvent.claimed(renewed.get().task()));
            attempts.execute(attempts.register(renewed.get(), lanes.lane(renewed.get().task().queue()).slots().acquireBeyondLimit()));
        }
    }
}
