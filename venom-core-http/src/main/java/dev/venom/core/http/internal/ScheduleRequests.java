package dev.venom.core.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.venom.core.engine.Misfire;
import dev.venom.core.engine.Recurrence;
import dev.venom.core.engine.Schedule;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.Timestamps;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A schedule as the API takes and gives it: {@code {"name", "cron" | "every_ms", "timezone"?, "misfire"?,
 * "content", task options...}}, each field checked with FastAPI's error shapes.
 */
final class ScheduleRequests {

    /** How many next times an answer shows. */
    static final int NEXT_TIMES = 5;

    private ScheduleRequests() {
    }

    /**
     * The schedule {@code root} defines, created {@code now}.
     *
     * @throws InvalidRequestException listing every field that is wrong
     */
    static Schedule schedule(JsonNode root, Instant now) {
        List<ValidationError> errors = new ArrayList<>();
        String name = text(root, "name", true, errors);
        if (name != null) {
            try {
                Schedule.checkName(name);
            } catch (IllegalArgumentException e) {
                errors.add(new ValidationError("value_error", List.of("body", "name"), "Value error, "
                        + e.getMessage(), root.get("name")));
            }
        }
        String cron = text(root, "cron", false, errors);
        Long everyMs = RequestParsing.integer(root, "every_ms", Recurrence.MIN_INTERVAL.toMillis(),
                Duration.ofDays(366).toMillis(), errors);
        String zone = text(root, "timezone", false, errors);
        Recurrence recurrence = null;
        if ((cron == null) == (everyMs == null) && errors.stream().noneMatch(e -> e.loc().contains("every_ms")
                || e.loc().contains("cron"))) {
            errors.add(new ValidationError("value_error", List.of("body"), "Value error, give either cron or "
                    + "every_ms", root));
        } else if (cron != null) {
            try {
                recurrence = Recurrence.cron(cron, zone == null ? "UTC" : zone);
            } catch (IllegalArgumentException e) {
                errors.add(new ValidationError("value_error", List.of("body", e.getMessage().startsWith("timezone")
                        ? "timezone" : "cron"), "Value error, " + e.getMessage(), root.get(
                        e.getMessage().startsWith("timezone") ? "timezone" : "cron")));
            }
        } else if (everyMs != null) {
            if (zone != null) {
                errors.add(new ValidationError("value_error", List.of("body", "timezone"), "Value error, timezone "
                        + "goes with cron, not every_ms", root.get("timezone")));
            }
            recurrence = Recurrence.every(Duration.ofMillis(everyMs));
        }
        Misfire misfire = Misfire.SKIP;
        String misfireText = text(root, "misfire", false, errors);
        if (misfireText != null) {
            try {
                misfire = Misfire.of(misfireText);
            } catch (IllegalArgumentException e) {
                errors.add(new ValidationError("enum", List.of("body", "misfire"), "Input should be 'skip' or "
                        + "'run_once'", root.get("misfire"), Map.of("expected", "'skip' or 'run_once'")));
            }
        }
        for (String taken : List.of("run_at", "depends_on")) {
            if (root.hasNonNull(taken)) {
                errors.add(new ValidationError("value_error", List.of("body", taken), "Value error, a schedule's "
                        + "tasks take no " + taken + ": the schedule says when they run", root.get(taken)));
            }
        }
        RequestParsing.Parsed<TaskRequest> task = RequestParsing.taskRequest(root);
        errors.addAll(task.errors());
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
        return Schedule.create(name, recurrence, task.value(), misfire, now);
    }

    private static String text(JsonNode root, String field, boolean required, List<ValidationError> errors) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                errors.add(new ValidationError("missing", List.of("body", field), "Field required", root));
            }
            return null;
        }
        if (!node.isTextual()) {
            errors.add(new ValidationError("string_type", List.of("body", field), "Input should be a valid string",
                    node));
            return null;
        }
        return node.textValue();
    }

    /** The schedule as the API answers it, with its next times from {@code now}. */
    static Map<String, Object> answer(Schedule schedule, Instant now) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", schedule.name());
        if (schedule.recurrence() instanceof Recurrence.Cron cron) {
            json.put("cron", cron.expression());
            json.put("every_ms", null);
            json.put("timezone", cron.zone().getId());
        } else {
            json.put("cron", null);
            json.put("every_ms", ((Recurrence.Every) schedule.recurrence()).interval().toMillis());
            json.put("timezone", null);
        }
        TaskRequest task = schedule.task();
        json.put("content", task.content());
        json.put("queue", task.queueOrDefault());
        json.put("priority", task.priority());
        json.put("max_attempts", task.maxAttempts());
        json.put("timeout_ms", task.timeoutMs());
        json.put("requires", task.requiresOrNone());
        json.put("misfire", schedule.misfire().wire());
        json.put("paused", schedule.paused());
        json.put("created_at", Timestamps.format(schedule.createdAt()));
        json.put("last_run_at", schedule.lastRunAt() == null ? null : Timestamps.format(schedule.lastRunAt()));
        json.put("last_task_id", schedule.lastTaskId());
        json.put("next_run_times", schedule.paused() ? List.of()
                : schedule.nextTimes(NEXT_TIMES, now).stream().map(Timestamps::format).toList());
        return json;
    }
}
