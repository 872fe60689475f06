package dev.venom.core.model;

/** Where a task is in its life: {@code PENDING → PROCESSING → COMPLETED | FAILED}. */
public enum TaskStatus {
    /** Accepted and durable, waiting for a worker. */
    PENDING,
    /** Claimed by a worker that is running its processor. */
    PROCESSING,
    /** The processor returned a result. */
    COMPLETED,
    /** The processor failed; the result holds the error. */
    FAILED;

    /** True for the states a task never leaves. */
    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED;
    }
}
