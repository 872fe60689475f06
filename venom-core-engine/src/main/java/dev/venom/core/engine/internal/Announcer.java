package dev.venom.core.engine.internal;

import dev.venom.core.engine.TaskEvent;
import dev.venom.core.model.VenomTask;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Publishes the creation of each task submitted here exactly once: from its submitter or from the claim that
 * took it, whichever comes first, so that a listener never hears of a task's claim before its creation. The
 * tasks of a batch are announced together, in their order, whichever of them is announced first. Thread-safe.
 */
public final class Announcer {

    private final EventBus events;
    /** Each task not yet announced, with the group (itself, or its batch) announced with it. */
    private final Map<UUID, List<VenomTask>> unannounced = new ConcurrentHashMap<>();

    public Announcer(EventBus events) {
        this.events = events;
    }

    /** {@code task} is on its way into the store; its creation is announced by {@link #announce}. */
    public void expect(VenomTask task) {
        unannounced.put(task.id(), List.of(task));
    }

    /** {@code batch} is on its way into the store: announcing any of them announces all, in order. */
    public void expectAll(List<VenomTask> batch) {
        List<VenomTask> group = List.copyOf(batch);
        group.forEach(task -> unannounced.put(task.id(), group));
    }

    /** The task was not stored after all. */
    public void forget(UUID id) {
        unannounced.remove(id);
    }

    /** Publishes the creation of the task with {@code id} (and of its batch), unless it was published already. */
    public void announce(UUID id) {
        List<VenomTask> group = unannounced.get(id);
        if (group == null) {
            return;
        }
        if (group.size() == 1) {
            if (unannounced.remove(id, group)) {
                events.publish(List.of(TaskEvent.created(group.get(0).withVersion(1))));
            }
            return;
        }
        List<TaskEvent> created = new ArrayList<>(group.size());
        synchronized (group) {
            for (VenomTask task : group) {
                if (unannounced.remove(task.id(), group)) {
                    created.add(TaskEvent.created(task.withVersion(1)));
                }
            }
        }
        if (!created.isEmpty()) {
            events.publish(created);
        }
    }

    /** True while the task with {@code id} is on its way into the store from a submitter here. */
    public boolean expects(UUID id) {
        return unannounced.containsKey(id);
    }
}
