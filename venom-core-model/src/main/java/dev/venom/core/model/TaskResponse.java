package dev.venom.core.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Objects;
import java.util.UUID;

/**
 * The answer to an accepted task: {@code {"task_id": "<uuid>", "status": "PENDING"}}.
 *
 * @param taskId the new task's id
 * @param status its status when the answer was written
 */
@JsonPropertyOrder({"task_id", "status"})
public record TaskResponse(@JsonProperty("task_id") UUID taskId, @JsonProperty("status") TaskStatus status) {

    public TaskResponse {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(status, "status");
    }

    /** The answer for {@code task} as it is now. */
    public static TaskResponse of(VenomTask task) {
        return new TaskResponse(task.id(), task.status());
    }
}
