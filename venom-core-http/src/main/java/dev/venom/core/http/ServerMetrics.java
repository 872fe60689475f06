package dev.venom.core.http;

import dev.venom.core.engine.Orchestrator;
import dev.venom.core.engine.TaskListener;
import dev.venom.core.http.internal.TaskMetrics;
import dev.venom.core.persistence.CommitObserver;
import dev.venom.core.persistence.PooledStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The server's metrics, shown at {@code GET /metrics} in Prometheus's text format: tasks (its
 * {@link #listener()} hears the orchestrator's events), HTTP requests, stores' commits and pools, the JVM.
 * Thread-safe.
 */
public final class ServerMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final TaskMetrics tasks = new TaskMetrics(registry);

    private ServerMetrics() {
    }

    /** Metrics with nothing recorded yet. */
    public static ServerMetrics create() {
        return new ServerMetrics();
    }

    /** Give this to {@link Orchestrator.Builder#listener}: the task counters and timers hear its events. */
    public TaskListener listener() {
        return tasks;
    }

    /** Publishes the count of tasks in each status, as {@code orchestrator}'s store counts them when scraped. */
    public void watch(Orchestrator orchestrator) {
        tasks.watch(orchestrator);
    }

    /** Publishes the connection pool of {@code store}. */
    public void watch(PooledStore store) {
        tasks.watch(store);
    }

    /** Records each commit of a store as {@code <name>_seconds} and {@code <name>_changes}. */
    public CommitObserver commits(String name, String what) {
        return tasks.commits(name, what);
    }

    /** Every metric, in Prometheus's text format. */
    public String scrape() {
        return registry.scrape();
    }

    PrometheusMeterRegistry registry() {
        return registry;
    }
}
