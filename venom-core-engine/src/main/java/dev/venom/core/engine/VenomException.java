package dev.venom.core.engine;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** The root of Venom's unchecked exceptions. */
public class VenomException extends RuntimeException {

    public VenomException(String message) {
        super(message);
    }

    public VenomException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The failure itself, without the {@code CompletionException}/{@code ExecutionException} a future wraps it in. */
    public static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
