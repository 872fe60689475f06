package dev.venom.core.engine.internal;

import dev.venom.core.engine.StateStore;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.VenomTask;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** What a task's dependencies returned, as its processor (here or remote) is given them. */
public final class DependencyResults {

    private DependencyResults() {
    }

    /**
     * The result of each of {@code task}'s dependencies, in its {@code depends_on} order. A dependency no
     * longer stored (retention dropped it) is left out; one not COMPLETED cannot be, as the task ran.
     */
    public static Map<UUID, String> of(VenomTask task, StateStore store) {
        if (task.dependsOn().isEmpty()) {
            return Map.of();
        }
        Map<UUID, String> results = new LinkedHashMap<>();
        for (UUID dependency : task.dependsOn()) {
            store.find(dependency).filter(found -> found.status() == TaskStatus.COMPLETED)
                    .ifPresent(found -> results.put(dependency, found.result()));
        }
        return Collections.unmodifiableMap(results);
    }
}
