package dev.venom.core.http.internal;

import java.util.UUID;

/** No task has the id a request names: answered 404 {@code {"detail": "Task <id> not found"}}. */
final class TaskNotFoundException extends RuntimeException {

    private final UUID id;

    TaskNotFoundException(UUID id) {
        super("Task " + id + " not found", null, false, false);
        this.id = id;
    }

    UUID id() {
        return id;
    }
}
