package dev.venom.core.persistence.internal.journal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.Timestamps;
import dev.venom.core.model.VenomTask;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Writes a task as stored in the snapshot and the journal: the model's JSON ({@link VenomTask}) without the
 * options at their defaults ({@code priority} 0, {@code max_attempts} 1, no {@code run_at},
 * {@code timeout_ms} or {@code idempotency_key}, {@code queue} {@code default}, {@code updated_at} equal to the end or creation time, no {@code requires}
 * or {@code progress}),
 * which the model reads back as those defaults. A task without options is thus exactly what the original
 * service wrote, and a million of them load as fast as before.
 *
 * <p>Written straight to a generator: every change is written once to the journal and again to each
 * snapshot, and this is several times cheaper than databind's reflective path. A test holds that the model
 * reads back every task unchanged, so its annotations stay the one definition of the format.
 */
public final class TaskJson {

    private TaskJson() {
    }

    public static void write(JsonGenerator json, VenomTask task) throws IOException {
        json.writeStartObject();
        json.writeStringField("id", task.id().toString());
        json.writeStringField("content", task.content());
        json.writeStringField("created_at", Timestamps.format(task.createdAt()));
        json.writeStringField("status", task.status().name());
        nullableString(json, "result", task.result());
        json.writeArrayFieldStart("logs");
        for (String line : task.logs()) {
            json.writeString(line);
        }
        json.writeEndArray();
        if (task.priority() != TaskRequest.DEFAULT_PRIORITY) {
            json.writeNumberField("priority", task.priority());
        }
        json.writeNumberField("attempts", task.attempts());
        if (task.maxAttempts() != 1) {
            json.writeNumberField("max_attempts", task.maxAttempts());
        }
        if (task.runAt() != null) {
            json.writeStringField("run_at", Timestamps.format(task.runAt()));
        }
        if (task.timeoutMs() != null) {
            json.writeNumberField("timeout_ms", task.timeoutMs());
        }
        if (task.idempotencyKey() != null) {
            json.writeStringField("idempotency_key", task.idempotencyKey());
        }
        if (!task.queue().equals(TaskRequest.DEFAULT_QUEUE)) {
            json.writeStringField("queue", task.queue());
        }
        Instant finished = task.finishedAt();
        if (!task.updatedAt().equals(finished != null ? finished : task.createdAt())) {
            json.writeStringField("updated_at", Timestamps.format(task.updatedAt()));
        }
        nullableString(json, "finished_at", finished == null ? null : Timestamps.format(finished));
        if (!task.requires().isEmpty()) {
            json.writeObjectFieldStart("requires");
            for (var required : task.requires().entrySet()) {
                json.writeStringField(required.getKey(), required.getValue());
            }
            json.writeEndObject();
        }
        if (task.progress() != null) {
            json.writeObjectFieldStart("progress");
            json.writeNumberField("percent", task.progress().percent());
            nullableString(json, "message", task.progress().message());
            json.writeEndObject();
        }
        if (!task.dependsOn().isEmpty()) {
            ids(json, "depends_on", task.dependsOn());
            ids(json, "waiting_on", task.waitingOn());
        }
        json.writeEndObject();
    }

    private static void ids(JsonGenerator json, String name, List<UUID> ids) throws IOException {
        json.writeArrayFieldStart(name);
        for (UUID id : ids) {
            json.writeString(id.toString());
        }
        json.writeEndArray();
    }

    private static void nullableString(JsonGenerator json, String name, String value) throws IOException {
        if (value == null) {
            json.writeNullField(name);
        } else {
            json.writeStringField(name, value);
        }
    }
}
