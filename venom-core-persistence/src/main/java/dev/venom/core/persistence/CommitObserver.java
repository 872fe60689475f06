package dev.venom.core.persistence;

/**
 * Hears each group commit a store makes durable, for metrics: how many changes it carried and how long it
 * took (the journal: one fsync; PostgreSQL: one write transaction, from its first statement to its commit).
 * It is called on the store's writer thread, so it must be quick and must not throw.
 */
@FunctionalInterface
public interface CommitObserver {

    /** Hears nothing. */
    CommitObserver NONE = (changes, nanos) -> { };

    /** {@code changes} changes were made durable in {@code nanos} nanoseconds. */
    void committed(int changes, long nanos);
}
