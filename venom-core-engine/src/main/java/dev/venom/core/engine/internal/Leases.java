package dev.venom.core.engine.internal;

import dev.venom.core.engine.Claim;
import dev.venom.core.engine.StateStore;
import java.time.Duration;
import java.util.Optional;

/**
 * The one lease service: how long a claim holds, and its renewal. Local attempts renew through it at every
 * heartbeat of the engine, remote workers' attempts at each of theirs.
 */
public final class Leases {

    private final StateStore store;
    private final Duration lease;

    public Leases(StateStore store, Duration lease) {
        this.store = store;
        this.lease = lease;
    }

    /** How long a claim holds without renewal. */
    public Duration lease() {
        return lease;
    }

    /** Extends {@code claim} by a lease from now; empty if it is no longer held. */
    public Optional<Claim> renew(Claim claim) {
        return store.renew(claim, lease);
    }
}
