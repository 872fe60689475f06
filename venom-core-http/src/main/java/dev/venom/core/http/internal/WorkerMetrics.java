package dev.venom.core.http.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What remote workers do, counted by worker: {@code venom_worker_claims_total} (claim calls),
 * {@code venom_worker_claimed_tasks_total}, {@code venom_worker_heartbeats_total} and
 * {@code venom_worker_fenced_total} (calls refused because their attempt was no longer current).
 */
final class WorkerMetrics {

    private final MeterRegistry registry;

    /** @param registry where to count, or null to count nothing */
    WorkerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void claim(String workerId) {
        count("venom.worker.claims", "Claim calls of remote workers", workerId, 1);
    }

    void claimed(String workerId, int tasks) {
        count("venom.worker.claimed.tasks", "Tasks claimed by remote workers", workerId, tasks);
    }

    void heartbeat(String workerId) {
        count("venom.worker.heartbeats", "Heartbeats of remote workers' attempts", workerId, 1);
    }

    void fenced(String workerId) {
        count("venom.worker.fenced", "Calls of remote workers refused: their attempt was no longer current",
                workerId, 1);
    }

    private void count(String name, String description, String workerId, int amount) {
        if (registry != null && amount > 0) {
            Counter.builder(name).description(description).tag("worker", workerId).register(registry)
                    .increment(amount);
        }
    }
}
