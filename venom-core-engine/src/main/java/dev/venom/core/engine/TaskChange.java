package dev.venom.core.engine;

import dev.venom.core.model.VenomTask;
import java.util.Objects;

/**
 * One task changed by a write: as it was, and as the write left it.
 *
 * @param before the task before the write
 * @param after  the task after it (its version one higher)
 */
public record TaskChange(VenomTask before, VenomTask after) {

    public TaskChange {
        Objects.requireNonNull(before, "before");
        Objects.requireNonNull(after, "after");
        if (!before.id().equals(after.id())) {
            throw new IllegalArgumentException("a change keeps the task: " + before.id() + " became " + after.id());
        }
    }

    /** True if the change let the task run: it waited on dependencies and waits on none now. */
    public boolean released() {
        return before.isWaiting() && !after.isWaiting() && after.status() == before.status();
    }
}
