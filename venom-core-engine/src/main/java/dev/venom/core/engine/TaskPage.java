package dev.venom.core.engine;

import dev.venom.core.model.VenomTask;
import java.util.List;
import java.util.Optional;

/**
 * One page of tasks, oldest first.
 *
 * @param tasks      the tasks of this page
 * @param nextCursor an opaque position to pass in the next {@link TaskQuery}; empty on the last page
 */
public record TaskPage(List<VenomTask> tasks, Optional<String> nextCursor) {

    public TaskPage {
        tasks = List.copyOf(tasks);
    }
}
