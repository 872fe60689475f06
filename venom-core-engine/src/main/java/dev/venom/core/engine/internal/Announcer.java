package dev.venom.core.engine.internal;

import dev.venom.core.engine.TaskEvent;
import dev.venom.core.model.VenomTask;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Publishes the creation of each task submitted here exactly once: from its submitter or from the claim that
 * took it, whichever comes first, so that a listener never hears of a task's claim before its creation.
 * Thread-safe.
 */
public final class Announcer {

    private final EventBus events;
    private final Map<UUID, VenomTask> unannounced = new ConcurrentHashMap<>();

    public Announcer(EventBus events) {
        this.events = events;
    }

    /** {@code task} is on its way into the store; its creation is announced by {@link #announce}. */
    public void expect(VenomTask task) {
        unannounced.put(task.id(), task);
    }

    /** The task was not stored after all. */
    public void forget(UUID id) {
        unannounced.remove(id);
    }

    /** Publishes the creation of the task with {@code id}, unless it was published already. */
    public void announce(UUID id) {
        VenomTask created = unannounced.remove(id);
        if (created != null) {
            events.publish(List.of(TaskEvent.created(created.withVersion(1))));
        }
    }

    /** True while the task with {@code id} is on its way into the store from a submitter here. */
    public boolean expects(UUID id) {
        return unannounced.containsKey(id);
    }
}
