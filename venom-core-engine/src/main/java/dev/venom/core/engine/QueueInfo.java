package dev.venom.core.engine;

import java.time.Instant;
import java.util.Optional;

/**
 * One named queue as an operator sees it: its state in the store, its counts over every server, and its
 * concurrency and running attempts on this server.
 *
 * @param name          the queue's name
 * @param paused        true while it starts nothing (paused itself, or every queue is)
 * @param limit         how many of its attempts may run at once on this server; 0 if remote workers run it
 * @param running       how many run on this server now
 * @param pending       its PENDING tasks, on every server
 * @param processing    its PROCESSING tasks, on every server
 * @param oldestPending when its longest-waiting due task became due, if one waits
 */
public record QueueInfo(String name, boolean paused, int limit, int running, long pending, long processing,
                        Optional<Instant> oldestPending) {
}
