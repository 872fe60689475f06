package dev.venom.core.persistence.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.venom.core.model.Timestamps;
import dev.venom.core.model.VenomTask;
import java.io.IOException;
import java.time.Instant;

/**
 * Writes a task as the model's JSON ({@code id, content, created_at, status, result, logs, attempts,
 * finished_at}) straight to a generator: every change is written once to the journal and again to each
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
        json.writeNumberField("attempts", task.attempts());
        Instant finished = task.finishedAt();
        nullableString(json, "finished_at", finished == null ? null : Timestamps.format(finished));
        json.writeEndObject();
    }

    private static void nullableString(JsonGenerator json, String name, String value) throws IOException {
        if (value == null) {
            json.writeNullField(name);
        } else {
            json.writeStringField(name, value);
        }
    }
}
