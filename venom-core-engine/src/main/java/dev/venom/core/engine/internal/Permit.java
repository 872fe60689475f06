package dev.venom.core.engine.internal;

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
}
