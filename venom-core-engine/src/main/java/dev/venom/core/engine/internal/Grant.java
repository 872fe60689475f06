package dev.venom.core.engine.internal;

/**
 * Slots taken together by one caller (a claim reserves every free slot before it asks the store), handed
 * out as {@link Permit}s one by one; the rest go back in one step. Used by one thread at a time.
 */
public final class Grant {

    private final Slots slots;
    private final int size;
    private int handedOut;

    Grant(Slots slots, int size) {
        this.slots = slots;
        this.size = size;
    }

    /** How many slots were granted. */
    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /**
     * One of the granted slots, as a permit that gives it back when released.
     *
     * @throws IllegalStateException if every granted slot has been handed out
     */
    public Permit take() {
        if (handedOut >= size) {
            throw new IllegalStateException("all " + size + " granted slot(s) are handed out");
        }
        handedOut++;
        return new Permit(slots);
    }

    /** Gives back the slots not handed out. */
    public void releaseRest() {
        int rest = size - handedOut;
        handedOut = size;
        if (rest > 0) {
            slots.giveBack(rest);
        }
    }
}
