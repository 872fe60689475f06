package dev.venom.core.engine;

import dev.venom.core.model.TaskRequest;
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
 * @param queue    the one queue to include; empty means all
 */
public record TaskQuery(Set<TaskStatus> statuses, Optional<String> cursor, int limit, Optional<String> queue) {

    /** The largest page a store must serve. */
    public static final int MAX_LIMIT = 1000;

    public TaskQuery {
        statuses = statuses.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(statuses));
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ", was " + limit);
        }
        queue.ifPresent(TaskRequest::checkQueue);
    }

    /** Tasks of every queue. */
    public TaskQuery(Set<TaskStatus> statuses, Optional<String> cursor, int limit) {
        this(statuses, cursor, limit, Optional.empty());
    }

    /** The first page of all tasks. */
    public static TaskQuery firstPage(int limit) {
        return new TaskQuery(Set.of(), Optional.empty(), limit, Optional.empty());
    }

    /** The page after {@code page}, same filter. */
    public TaskQuery after(TaskPage page) {
        return new TaskQuery(statuses, page.nextCursor(), limit, queue);
    }

    /** True if a task in {@code status} belongs in this listing. */
    public boolean includes(TaskStatus status) {
        return statuses.isEmpty() || statuses.contains(status);
    }

    /** True if a task of {@code status} in {@code taskQueue} belongs in this listing. */
    public boolean includes(TaskStatus status, String taskQueue) {
        return includes(status) && (queue.isEmpty() || queue.get().equals(taskQueue));
    }
}
