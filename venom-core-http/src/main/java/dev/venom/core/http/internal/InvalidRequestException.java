package dev.venom.core.http.internal;

import java.util.List;

/** A request the API cannot take as it is: answered 422 with FastAPI's list of validation errors. */
public final class InvalidRequestException extends RuntimeException {

    private final List<ValidationError> errors;

    public InvalidRequestException(List<ValidationError> errors) {
        super("invalid request: " + errors, null, false, false);
        this.errors = List.copyOf(errors);
    }

    List<ValidationError> errors() {
        return errors;
    }
}
