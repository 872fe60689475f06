package dev.venom.core.engine;

/**
 * A store could not read or persist state (disk, database). Nothing that raised it was acknowledged as
 * durable; a caller may retry later.
 */
public class StoreException extends VenomException {

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
