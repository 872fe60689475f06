package dev.venom.core.persistence.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.venom.core.model.Timestamps;
import dev.venom.core.model.VenomTask;
import java.io.IOException;
import java.time.Instant;

/**
 * Writes a task as the model's JSON ({@link VenomTask}) straight to a generator: every change is written once to the journal and again to each
 * snapshot, and this is several times cheaper than databind's reflective path. A test holds the two
 * outputs equal, so the model's annotations stay the one definition of the format.
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
        json.writeNumberField("priority", task.priority());
        json.writeNumberField("attempts", task.attempts());
        json.writeNumberField("max_attempts", task.maxAttempts());
        nullableString(json, "run_at", time(task.runAt()));
        if (task.timeoutMs() == null) {
            json.writeNullField("timeout_ms");
        } else {
            json.writeNumberField("timeout_ms", task.timeoutMs());
        }
        nullableString(json, "idempotency_key", task.idempotencyKey());
        json.writeStringField("updated_at", Timestamps.format(task.updatedAt()));
        nullableString(json, "finished_at", time(task.finishedAt()));
        json.writeEndObject();
    }

    private static String time(Instant instant) {
        return instant == null ? null : Timestamps.format(instant);
    }

    private static void nullableString(JsonGenerator json, String name, String value) throws IOException {
        if (value == null) {
            json.writeNullField(name);
        } else {
            json.writeStringField(name, value);
        }
    }
}
