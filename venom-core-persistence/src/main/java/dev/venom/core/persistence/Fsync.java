package dev.venom.core.persistence;

/**
 * When the journal forces changes to disk, set by {@code VENOM_FSYNC}.
 */
public enum Fsync {
    /** Every acknowledged change is on disk: a power loss loses nothing acknowledged. The default. */
    ALWAYS,
    /**
     * Changes are acknowledged once written to the OS and forced at most every batch interval: a process
     * crash loses nothing, a power loss may lose the last interval's changes.
     */
    BATCH,
    /** Never forced by the journal (the OS writes back when it likes): for tests and benchmarks. */
    OFF
}
