package dev.venom.core.engine;

import dev.venom.core.model.Labels;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What an owner asks of {@link StateStore#claim}: up to a number of due tasks per queue, held for a lease.
 * A queue not named is not claimed from.
 *
 * @param owner  who claims (a node id, or {@code worker:<id>} for a remote worker); not blank
 * @param lease  how long the claims hold without renewal; positive
 * @param limits the most tasks to claim from each queue, each at least 0
 * @param labels a remote worker's labels: only tasks whose {@code requires} they satisfy are claimed;
 *               {@code null} for a server's own processor, which takes any task of the queues it serves
 */
public record ClaimRequest(String owner, Duration lease, Map<String, Integer> limits, Map<String, String> labels) {

    /** The queue of every task that names none. */
    public static final String DEFAULT_QUEUE = dev.venom.core.model.TaskRequest.DEFAULT_QUEUE;

    public ClaimRequest {
        if (owner == null || owner.isBlank()) {
            throw new IllegalArgumentException("owner must not be blank");
        }
        Objects.requireNonNull(lease, "lease");
        if (lease.isZero() || lease.isNegative()) {
            throw new IllegalArgumentException("lease must be > 0, was " + lease);
        }
        limits = Map.copyOf(limits);
        labels = labels == null ? null : Labels.check("labels", labels);
        limits.forEach((queue, limit) -> {
            if (limit < 0) {
                throw new IllegalArgumentException("limit of queue " + queue + " must be >= 0, was " + limit);
            }
        });
    }

    /** A claim by a server's own processor: any task of the queues asked. */
    public ClaimRequest(String owner, Duration lease, Map<String, Integer> limits) {
        this(owner, lease, limits, null);
    }

    /** True if a task with {@code requires} may be claimed: no labels asked, or they satisfy it. */
    public boolean accepts(Map<String, String> requires) {
        return labels == null || Labels.satisfy(labels, requires);
    }

    /** Up to {@code limit} tasks of the default queue for {@code owner}. */
    public static ClaimRequest of(String owner, int limit, Duration lease) {
        return new ClaimRequest(owner, lease, Map.of(DEFAULT_QUEUE, Math.max(0, limit)));
    }

    /** The most tasks to claim from {@code queue}: 0 for a queue not asked for. */
    public int limitOf(String queue) {
        return limits.getOrDefault(queue, 0);
    }
}
