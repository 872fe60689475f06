package dev.venom.core.engine;

/** The root of Venom's unchecked exceptions. */
public class VenomException extends RuntimeException {

    public VenomException(String message) {
        super(message);
    }

    public VenomException(String message, Throwable cause) {
        super(message, cause);
    }
}
