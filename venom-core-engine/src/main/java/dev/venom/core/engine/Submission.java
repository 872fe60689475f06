package dev.venom.core.engine;

import dev.venom.core.model.VenomTask;
import java.util.Objects;

/**
 * The answer to an idempotent submission: the task, and whether this submission created it or an earlier
 * one with the same key did.
 *
 * @param task    the stored task
 * @param created true if this submission stored it
 */
public record Submission(VenomTask task, boolean created) {

    public Submission {
        Objects.requireNonNull(task, "task");
    }
}
