package dev.venom.core.engine;

import java.time.Instant;
import java.util.Optional;

/**
 * How many tasks of one queue wait and run, across every server sharing the store.
 *
 * @param pending       PENDING tasks, due or not
 * @param processing    PROCESSING tasks
 * @param oldestPending when the longest-waiting PENDING task became due (its {@code run_at} or creation), if any
 */
public record QueueCounts(long pending, long processing, Optional<Instant> oldestPending) {

    /** A queue with nothing in it. */
    public static final QueueCounts EMPTY = new QueueCounts(0, 0, Optional.empty());
}
