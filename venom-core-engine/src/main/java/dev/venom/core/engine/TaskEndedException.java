package dev.venom.core.engine;

import dev.venom.core.model.VenomTask;

/** A change that only an unfinished task allows (such as a cancel) was asked of a task that has ended. */
public class TaskEndedException extends VenomException {

    private final transient VenomTask task;

    public TaskEndedException(VenomTask task) {
        super("Task " + task.id() + " has already ended: " + task.status());
        this.task = task;
    }

    /** The task as it ended. */
    public VenomTask task() {
        return task;
    }
}
