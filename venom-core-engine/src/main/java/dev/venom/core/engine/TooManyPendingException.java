package dev.venom.core.engine;

/**
 * A submission was refused because as many tasks as the orchestrator's {@code maxPending} are already
 * waiting; nothing was stored. The caller should retry later.
 */
public class TooManyPendingException extends VenomException {

    private final long pending;

    public TooManyPendingException(long pending, long maxPending) {
        super("Too many pending tasks: " + pending + " waiting, the limit is " + maxPending);
        this.pending = pending;
    }

    /** How many tasks were waiting when the submission was refused. */
    public long pending() {
        return pending;
    }
}
