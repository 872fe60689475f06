package dev.venom.core.engine;

import dev.venom.core.model.VenomTask;
import java.time.Instant;
import java.util.Objects;

/**
 * A worker's hold on one task: the task as claimed (PROCESSING), who holds it and until when.
 * Writes of the claimed task are guarded by its {@link VenomTask#version() version}; once the claim
 * expires and is rescued, the holder's writes no longer apply.
 *
 * @param task           the claimed task
 * @param owner          the node that holds the claim
 * @param leaseExpiresAt when the claim lapses unless renewed
 */
public record Claim(VenomTask task, String owner, Instant leaseExpiresAt) {

    public Claim {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(leaseExpiresAt, "leaseExpiresAt");
    }
}
