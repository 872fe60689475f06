package dev.venom.core.engine;

import java.util.Map;
import java.util.UUID;

/** What a running processor may know and do about its attempt. Thread-safe. */
public interface TaskContext {

    /** The task this attempt runs. */
    UUID taskId();

    /**
     * The attempt number, from 1. It is also the claim's fencing token: a write guarded by it is
     * stale once the task has been claimed again.
     */
    int attempt();

    /**
     * Appends {@code message} with a timestamp to the task's logs. Lines are stored in the order they
     * were logged, before the attempt's final transition. Ignored once the attempt is cancelled.
     */
    void log(String message);

    /**
     * True once the engine no longer wants this attempt's result: the server is shutting down past its
     * grace period, or the claim was lost. A long-running processor should check it and stop early.
     */
    boolean isCancelled();

    /**
     * The results of the tasks this one depends on ({@code depends_on}), by id: each of them COMPLETED
     * before this attempt was claimed. Read from the store on first call; empty for a task without
     * dependencies.
     */
    Map<UUID, String> dependencyResults();
}
