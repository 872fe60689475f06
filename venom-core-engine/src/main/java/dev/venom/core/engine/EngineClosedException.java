package dev.venom.core.engine;

/**
 * The orchestrator is shutting down or closed, so it takes no new work. A server answers it with 503: the
 * client may retry against another server, or later.
 */
public class EngineClosedException extends VenomException {

    public EngineClosedException(String message) {
        super(message);
    }
}
