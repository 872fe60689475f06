package dev.venom.core.engine;

import dev.venom.core.model.VenomTask;

/** An idempotency key was reused with a different request than the one that created its task. */
public class IdempotencyConflictException extends VenomException {

    private final transient VenomTask existing;

    public IdempotencyConflictException(String key, VenomTask existing) {
        super("Idempotency-Key " + key + " was already used for task " + existing.id() + " with a different request");
        this.existing = existing;
    }

    /** The task the key created. */
    public VenomTask existing() {
        return existing;
    }
}
