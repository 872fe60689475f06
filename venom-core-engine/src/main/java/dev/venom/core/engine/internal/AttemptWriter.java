package dev.venom.core.engine.internal;

import dev.venom.core.engine.StateStore;
import dev.venom.core.engine.StoreException;
import dev.venom.core.engine.TaskEvent;
import dev.venom.core.engine.VenomException;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt's writes, applied in the order they were asked for, each a compare-and-set over the version
 * the previous one stored. While the store is unreachable a change is kept and retried (1 s, doubling to
 * 16 s) until it is written, the claim turns out lost, or the engine gives up at the end of a shutdown.
 * Thread-safe.
 */
final class AttemptWriter {

    private static final Logger log = LoggerFactory.getLogger(AttemptWriter.class);

    private final UUID id;
    private final int attempt;
    private final StateStore store;
    private final EventBus events;
    private final Timers timers;
    private final Lifecycle lifecycle;
    private final Consumer<String> lost;
    /** The latest stored version of the task; writes chain on it. Completes with null once the claim is lost. */
    private CompletableFuture<VenomTask> tail;

    AttemptWriter(VenomTask claimed, StateStore store, EventBus events, Timers timers, Lifecycle lifecycle,
            Consumer<String> lost) {
        this.id = claimed.id();
        this.attempt = claimed.attempts();
        this.store = store;
        this.events = events;
        this.timers = timers;
        this.lifecycle = lifecycle;
        this.lost = lost;
        this.tail = CompletableFuture.completedFuture(claimed);
    }

    /**
     * Applies {@code change} to the task as last written, after every write asked for before it.
     *
     * @return the task as stored, or null once the claim is lost; a change that returns its input writes nothing
     */
    synchronized CompletableFuture<VenomTask> write(UnaryOperator<VenomTask> change) {
        tail = tail.thenCompose(current -> {
            if (current == null) {
                return CompletableFuture.completedFuture(null);
            }
            VenomTask next = change.apply(current);
            if (next == current) {
                return CompletableFuture.completedFuture(current);
            }
            return persist(current, next, 0);
        });
        return tail;
    }

    /** True when no write is in progress. */
    synchronized boolean idle() {
        return tail.isDone();
    }

    private CompletableFuture<VenomTask> persist(VenomTask current, VenomTask next, int failures) {
        return store.update(current, next).handle((stored, error) -> {
            if (error == null) {
                if (stored.isPresent()) {
                    events.publish(TaskEvent.between(current, stored.get()));
                    return CompletableFuture.completedFuture(stored.get());
                }
                if (failures > 0 && wasWritten(next)) { // the commit went through; only its answer was lost
                    return CompletableFuture.completedFuture(store.find(id).orElse(null));
                }
                lost.accept("it was changed elsewhere");
                return CompletableFuture.<VenomTask>completedFuture(null);
            }
            if (!(VenomException.unwrap(error) instanceof StoreException) || lifecycle.givesUpWrites()) {
                return CompletableFuture.<VenomTask>failedFuture(error);
            }
            if (failures == 0) {
                log.warn("task {} attempt {}: the store is unavailable ({}); keeping the change and retrying",
                        id, attempt, VenomException.unwrap(error).getMessage());
            }
            Duration delay = Duration.ofMillis(1000L << Math.min(failures, 4));
            return CompletableFuture.supplyAsync(() -> persist(current, next, failures + 1), timers.after(delay))
                    .thenCompose(f -> f);
        }).thenCompose(f -> f);
    }

    private boolean wasWritten(VenomTask next) {
        try {
            return store.find(id).filter(found -> found.status() == next.status()
                    && found.attempts() == next.attempts() && found.logs().equals(next.logs())).isPresent();
        } catch (StoreException e) {
            return false;
        }
    }
}
