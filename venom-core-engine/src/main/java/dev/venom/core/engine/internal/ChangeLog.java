package dev.venom.core.engine.internal;

import dev.venom.core.engine.StoreException;
import dev.venom.core.model.VenomTask;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where a {@link TaskTable} records each change to make it durable, e.g. an append-only journal.
 * The store calls it while holding its lock, so changes arrive in the order they were made; an
 * implementation must therefore only queue the change and do its I/O elsewhere.
 */
@FunctionalInterface
public interface ChangeLog {

    /** A change log that keeps nothing: the store is volatile. */
    ChangeLog NONE = task -> CompletableFuture.completedFuture(null);

    /**
     * Records {@code task} as its latest state.
     *
     * @return completes when the change is durable; exceptionally with {@link StoreException} if it cannot be
     */
    CompletableFuture<Void> append(VenomTask task);

    /**
     * Records {@code tasks}, new or changed, all or none: a log that can make them durable in one record
     * overrides this; the default records each (a volatile log loses nothing by it).
     */
    default CompletableFuture<Void> appendAll(List<VenomTask> tasks) {
        return CompletableFuture.allOf(tasks.stream().map(this::append).toArray(CompletableFuture[]::new));
    }
}
