package dev.venom.core.engine;

import dev.venom.core.model.TaskStatus;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * One page of a task listing, oldest first.
 *
 * @param statuses the statuses to include; empty means all
 * @param cursor   where the previous page ended ({@link TaskPage#nextCursor()}), or empty for the first page
 * @param limit    the most tasks to return, 1..{@value #MAX_LIMIT}
 */
public record TaskQuery(Set<TaskStatus> statuses, Optional<String> cursor, int limit) {

    /** The largest page a store must serve. */
    public static final int MAX_LIMIT = 1000;

    public TaskQuery {
        statuses = statuses.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(statuses));
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", was " + limit);
        }
    }

    /** The first page of all tasks. */
    public static TaskQuery firstPage(int limit) {
        return new TaskQuery(Set.of(), Optional.empty(), limit);
    }

    /** The page after {@code page}, same filter. */
    public TaskQuery after(TaskPage page) {
        return new TaskQuery(statuses, page.nextCursor(), limit);
    }

    /** True if a task in {@code status} belongs in this listing. */
    public boolean includes(TaskStatus status) {
        return statuses.isEmpty() || statuses.contains(status);
    }
}
