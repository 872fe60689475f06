package dev.venom.core.http.internal;

import java.util.List;

/** A request the API cannot take as it is: answered 422 with FastAPI's list of validation errors. */
final class InvalidRequestException extends RuntimeException {

    private final List<ValidationError> errors;

    InvalidRequestException(List<ValidationError> errors) {
        super("invalid request: " + errors, null, false, false);
        this.errors = List.copyOf(errors);
    }

    List<ValidationError> errors() {
        return errors;
    }
}
