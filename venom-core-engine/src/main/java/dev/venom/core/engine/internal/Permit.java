package dev.venom.core.engine.internal;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/** One slot of {@link Slots}, held until {@link #release()}; releasing it again does nothing. Thread-safe. */
public final class Permit {

    private final Slots slots;
    private final AtomicBoolean held = new AtomicBoolean(true);

    Permit(Slots slots) {
        this.slots = slots;
    }

    /** Gives the slot back, the first time only. */
    public void release() {
        if (held.compareAndSet(true, false)) {
            slots.giveBack();
        }
    }

    public boolean isHeld() {
        return held.get();
    }

    /**
     * Moves the work this permit holds into its slots' write-back window, if that has room: the slot is given
     * back for new work, and the window's permit is returned, to release once the outcome is written. Empty
     * (the slot kept) if the window is full or the slots have none.
     */
    public Optional<Permit> handOver() {
        Slots window = slots.writeBacks();
        if (window == null || !held.get()) {
            return Optional.empty();
        }
        Optional<Permit> writing = window.tryAcquire();
        writing.ifPresent(moved -> release());
        return writing;
    }
}
