package dev.venom.core.engine.internal;

import dev.venom.core.engine.TaskChange;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who a store tells of the dependents it released or cancelled ({@code StoreSignals.onDependentsChanged}):
 * each listener in turn, one that fails logged and the others still told. Thread-safe.
 */
public final class DependentsListeners implements Consumer<List<TaskChange>> {

    private static final Logger log = LoggerFactory.getLogger(DependentsListeners.class);

    private final List<Consumer<List<TaskChange>>> listeners = new CopyOnWriteArrayList<>();

    public void add(Consumer<List<TaskChange>> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Tells every listener of {@code changes}, once they are durable; nothing if there are none. */
    @Override
    public void accept(List<TaskChange> changes) {
        if (changes.isEmpty()) {
            return;
        }
        for (Consumer<List<TaskChange>> listener : listeners) {
            try {
                listener.accept(changes);
            } catch (RuntimeException e) {
                log.warn("a listener of released and cancelled dependents failed", e);
            }
        }
    }
}
