package dev.venom.core.model;

/** Where a task is in its life: {@code PENDING → PROCESSING → COMPLETED | FAILED}, or {@code CANCELLED} before the end. */
public enum TaskStatus {
    /** Accepted and durable, waiting for a worker (or for its {@code run_at}, or a retry's backoff). */
    PENDING,
    /** Claimed by a worker that is running its processor. */
    PROCESSING,
    /** The processor returned a result. */
    COMPLETED,
    /** The last allowed attempt failed; the result holds the error. */
    FAILED,
    /** A client cancelled it before it ended; a result that arrives afterwards is discarded. */
    CANCELLED;

    /** True for the states a task never leaves. */
    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
}
