package dev.venom.core.engine;

import java.util.UUID;

/** A call named a task that does not exist. */
public class NoSuchTaskException extends VenomException {

    private final UUID taskId;

    public NoSuchTaskException(UUID taskId) {
        super("Task " + taskId + " not found");
        this.taskId = taskId;
    }

    public UUID taskId() {
        return taskId;
    }
}
