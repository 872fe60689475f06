package dev.venom.core.persistence.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.venom.core.engine.Misfire;
import dev.venom.core.engine.Recurrence;
import dev.venom.core.engine.Schedule;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.Timestamps;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * A schedule as the stores keep it: {@code {"name", "cron" | "every_ms", "timezone", "task": {a create's body},
 * "misfire", "paused", "created_at", "covered_until", "last_run_at", "last_task_id", "version"}}. The embedded
 * store writes it in its schedules file, PostgreSQL in a {@code jsonb} column.
 */
public final class ScheduleJson {

    private ScheduleJson() {
    }

    public static ObjectNode write(ObjectMapper mapper, Schedule schedule) {
        ObjectNode json = mapper.createObjectNode();
        json.put("name", schedule.name());
        if (schedule.recurrence() instanceof Recurrence.Cron cron) {
            json.put("cron", cron.expression());
            json.put("timezone", cron.zone().getId());
        } else {
            json.put("every_ms", ((Recurrence.Every) schedule.recurrence()).interval().toMillis());
        }
        json.set("task", mapper.valueToTree(schedule.task()));
        json.put("misfire", schedule.misfire().wire());
        json.put("paused", schedule.paused());
        json.put("created_at", Timestamps.format(schedule.createdAt()));
        json.put("covered_until", Timestamps.format(schedule.coveredUntil()));
        json.put("last_run_at", schedule.lastRunAt() == null ? null : Timestamps.format(schedule.lastRunAt()));
        json.put("last_task_id", schedule.lastTaskId() == null ? null : schedule.lastTaskId().toString());
        json.put("version", schedule.version());
        return json;
    }

    /**
     * Reads what {@link #write} wrote.
     *
     * @throws IOException if it is not a schedule
     */
    public static Schedule read(ObjectMapper mapper, JsonNode json) throws IOException {
        try {
            JsonNode cron = json.get("cron");
            Recurrence recurrence = cron != null && cron.isTextual()
                    ? Recurrence.cron(cron.textValue(), json.path("timezone").asText("UTC"))
                    : Recurrence.every(Duration.ofMillis(json.required("every_ms").asLong()));
            return new Schedule(json.required("name").asText(), recurrence,
                    mapper.treeToValue(json.required("task"), TaskRequest.class),
                    Misfire.of(json.required("misfire").asText()), json.path("paused").asBoolean(),
                    time(json.required("created_at")), time(json.required("covered_until")),
                    json.hasNonNull("last_run_at") ? time(json.get("last_run_at")) : null,
                    json.hasNonNull("last_task_id") ? UUID.fromString(json.get("last_task_id").asText()) : null,
                    json.path("version").asLong());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IOException("not a schedule (" + e.getMessage() + "): " + json, e);
        }
    }

    private static Instant time(JsonNode node) {
        return Timestamps.parse(node.asText());
    }
}
