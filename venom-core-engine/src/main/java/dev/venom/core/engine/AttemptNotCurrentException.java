package dev.venom.core.engine;

import java.util.UUID;

/**
 * A remote worker's call named an attempt that is no longer the task's current one (its lease expired and the
 * task was returned or claimed again, it was cancelled, it has ended): nothing was changed.
 */
public class AttemptNotCurrentException extends VenomException {

    private final UUID taskId;
    private final int attempt;

    public AttemptNotCurrentException(UUID taskId, int attempt, String why) {
        super("Attempt " + attempt + " of task " + taskId + " is no longer current: " + why);
        this.taskId = taskId;
        this.attempt = attempt;
    }

    public UUID taskId() {
        return taskId;
    }

    public int attempt() {
        return attempt;
    }
}
