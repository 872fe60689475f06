package dev.venom.core.engine;

import dev.venom.core.model.TaskRequest;
import java.util.Objects;

/**
 * A named queue as a {@link StateStore} keeps it: known once a task was stored in it or an operator paused
 * it, and paused or not. {@link #ALL} stands for every queue: while it is paused, no queue is claimed from.
 *
 * @param name   a queue name ({@link TaskRequest#checkQueue}), or {@link #ALL}
 * @param paused true while no task of the queue may be claimed
 */
public record QueueState(String name, boolean paused) {

    /** Every queue, for a pause or resume of all of them. */
    public static final String ALL = "*";

    public QueueState {
        Objects.requireNonNull(name, "name");
        if (!name.equals(ALL)) {
            TaskRequest.checkQueue(name);
        }
    }
}
