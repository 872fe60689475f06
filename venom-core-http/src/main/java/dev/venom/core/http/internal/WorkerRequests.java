package dev.venom.core.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.venom.core.engine.WorkRequest;
import dev.venom.core.model.Progress;
import dev.venom.core.model.TaskRequest;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.PathTemplateMatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The bodies of the worker protocol, read as FastAPI would: every problem is a 422 entry naming its field.
 * Each call after a claim may name its {@code worker_id}; the attempt must then be held by that worker.
 */
final class WorkerRequests {

    /** The most lines one log call may add, and the longest line. */
    static final int MAX_LOG_LINES = 100;
    static final int MAX_LINE_LENGTH = 10_000;
    /** The longest error message a failure may carry. */
    static final int MAX_ERROR_LENGTH = 10_000;
    static final String WORKER_ID_PATTERN = "^[A-Za-z0-9_.:-]{1," + WorkRequest.MAX_WORKER_ID_LENGTH + "}$";

    /** A heartbeat: the progress to record, if any. */
    record Beat(String workerId, Progress progress) {
    }

    /** One attempt's outcome in a report: a result, or an error with its retry. */
    record Outcome(UUID taskId, int attempt, String result, String error, boolean retryable, Duration retryAfter) {
    }

    /** Several attempts' outcomes, of one worker. */
    record Report(String workerId, List<Outcome> outcomes) {
    }

    /** The most outcomes one report may carry. */
    static final int MAX_OUTCOMES = 100;

    /** A failure: its message, whether to retry it, and after how long. */
    record Failure(String workerId, String error, boolean retryable, Duration retryAfter) {
    }

    private WorkerRequests() {
    }

    static WorkRequest claim(JsonNode root) {
        List<ValidationError> errors = new ArrayList<>();
        String workerId = workerId(root, true, errors);
        List<String> queues = strings(root, "queues", 1, WorkRequest.MAX_QUEUES, TaskRequest.MAX_QUEUE_LENGTH, errors);
        for (int i = 0; queues != null && i < queues.size(); i++) {
            if (!RequestParsing.isQueueName(queues.get(i))) {
                errors.add(new ValidationError("string_pattern_mismatch", List.of("body", "queues", i),
                        "String should match pattern '" + RequestParsing.QUEUE_PATTERN + "'", queues.get(i),
                        Map.of("pattern", RequestParsing.QUEUE_PATTERN)));
            }
        }
        if (queues != null && queues.stream().distinct().count() != queues.size()) {
            errors.add(new ValidationError("value_error", List.of("body", "queues"),
                    "Value error, queues must not repeat a queue", root.get("queues")));
        }
        Map<String, String> labels = RequestParsing.labels(root, "labels", errors);
        Long max = RequestParsing.integer(root, "max", 1, WorkRequest.MAX_TASKS, errors);
        Long waitMs = RequestParsing.integer(root, "wait_ms", 0, WorkRequest.MAX_WAIT_MS, errors);
        check(errors);
        return new WorkRequest(workerId, queues, labels, max == null ? 1 : max.intValue(),
                Duration.ofMillis(waitMs == null ? 0 : waitMs));
    }

    static Beat heartbeat(JsonNode root) {
        List<ValidationError> errors = new ArrayList<>();
        String workerId = workerId(root, false, errors);
        Long percent = RequestParsing.integer(root, "progress", 0, 100, errors);
        String message = string(root, "message", false, Progress.MAX_MESSAGE_LENGTH, errors);
        if (message != null && percent == null && errors.isEmpty()) {
            errors.add(new ValidationError("missing", List.of("body", "progress"),
                    "Field required when a message is given", root));
        }
        check(errors);
        return new Beat(workerId, percent == null ? null : new Progress(percent.intValue(), message));
    }

    static List<String> lines(JsonNode root) {
        List<ValidationError> errors = new ArrayList<>();
        workerId(root, false, errors);
        List<String> lines = strings(root, "lines", 1, MAX_LOG_LINES, MAX_LINE_LENGTH, errors);
        check(errors);
        return lines;
    }

    static String result(JsonNode root) {
        List<ValidationError> errors = new ArrayList<>();
        workerId(root, false, errors);
        String result = string(root, "result", true, Integer.MAX_VALUE, errors);
        check(errors);
        return result;
    }

    static Failure failure(JsonNode root) {
        List<ValidationError> errors = new ArrayList<>();
        String workerId = workerId(root, false, errors);
        String error = string(root, "error", true, MAX_ERROR_LENGTH, errors);
        Boolean retryable = bool(root, "retryable", errors);
        Long retryAfterMs = RequestParsing.integer(root, "retry_after_ms", 0, TaskRequest.MAX_TIMEOUT_MS, errors);
        check(errors);
        return new Failure(workerId, error, retryable == null || retryable,
                retryAfterMs == null ? null : Duration.ofMillis(retryAfterMs));
    }

    static Report report(JsonNode root) {
        List<ValidationError> errors = new ArrayList<>();
        String workerId = workerId(root, false, errors);
        JsonNode items = root.get("outcomes");
        List<Outcome> outcomes = new ArrayList<>();
        if (items == null || !items.isArray() || items.isEmpty() || items.size() > MAX_OUTCOMES) {
            errors.add(new ValidationError(items == null ? "missing" : "list_type", List.of("body", "outcomes"),
                    "Input should be a list of 1 to " + MAX_OUTCOMES + " outcomes", items == null ? root : items));
        } else {
            for (int i = 0; i < items.size(); i++) {
                JsonNode item = items.get(i);
                List<ValidationError> itemErrors = new ArrayList<>();
                if (!item.isObject()) {
                    errors.add(new ValidationError("model_attributes_type", List.of("body", "outcomes", i),
                            "Input should be a valid dictionary or object to extract fields from", item));
                    continue;
                }
                String id = string(item, "task_id", true, 36, itemErrors);
                Long attempt = RequestParsing.integer(item, "attempt", 1, Integer.MAX_VALUE, itemErrors);
                String result = string(item, "result", false, Integer.MAX_VALUE, itemErrors);
                String error = string(item, "error", false, MAX_ERROR_LENGTH, itemErrors);
                Boolean retryable = bool(item, "retryable", itemErrors);
                Long retryAfterMs = RequestParsing.integer(item, "retry_after_ms", 0, TaskRequest.MAX_TIMEOUT_MS,
                        itemErrors);
                if (attempt == null && itemErrors.isEmpty()) {
                    itemErrors.add(new ValidationError("missing", List.of("body", "attempt"), "Field required", item));
                }
                if ((result == null) == (error == null) && itemErrors.isEmpty()) {
                    itemErrors.add(new ValidationError("value_error", List.of("body"),
                            "Value error, give exactly one of result and error", item));
                }
                RequestParsing.Parsed<UUID> taskId = id == null ? null : RequestParsing.taskId(id);
                if (taskId != null && !taskId.isValid()) {
                    itemErrors.add(new ValidationError("uuid_parsing", List.of("body", "task_id"),
                            taskId.errors().get(0).msg(), id));
                }
                for (ValidationError itemError : itemErrors) {
                    List<Object> loc = new ArrayList<>(List.of("body", "outcomes", i));
                    loc.addAll(itemError.loc().subList(1, itemError.loc().size()));
                    errors.add(new ValidationError(itemError.type(), loc, itemError.msg(), itemError.input(),
                            itemError.ctx()));
                }
                if (itemErrors.isEmpty()) {
                    outcomes.add(new Outcome(taskId.value(), attempt.intValue(), result, error,
                            retryable == null || retryable, retryAfterMs == null ? null : Duration.ofMillis(retryAfterMs)));
                }
            }
        }
        check(errors);
        return new Report(workerId, outcomes);
    }

    /** The {@code worker_id} of a call that has no other field to read. */
    static String workerIdOnly(JsonNode root) {
        List<ValidationError> errors = new ArrayList<>();
        String workerId = workerId(root, false, errors);
        check(errors);
        return workerId;
    }

    /** The {@code {attempt}} of a route's path: a positive integer. */
    static int attempt(HttpServerExchange exchange) {
        String raw = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY).getParameters().get("attempt");
        try {
            int attempt = Integer.parseInt(raw);
            if (attempt >= 1) {
                return attempt;
            }
            throw new InvalidRequestException(List.of(new ValidationError("greater_than_equal",
                    List.of("path", "attempt"), "Input should be greater than or equal to 1", raw, Map.of("ge", 1))));
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(List.of(new ValidationError("int_parsing", List.of("path", "attempt"),
                    "Input should be a valid integer, unable to parse string as an integer", raw)));
        }
    }

    private static void check(List<ValidationError> errors) {
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
    }

    private static String workerId(JsonNode root, boolean required, List<ValidationError> errors) {
        String id = string(root, "worker_id", required, WorkRequest.MAX_WORKER_ID_LENGTH, errors);
        if (id != null && !isWorkerId(id)) {
            errors.add(new ValidationError("string_pattern_mismatch", List.of("body", "worker_id"),
                    "String should match pattern '" + WORKER_ID_PATTERN + "'", id, Map.of("pattern", WORKER_ID_PATTERN)));
            return null;
        }
        return id;
    }

    /** The engine's rule for a worker id ({@link WorkRequest#checkWorkerId}), as a test. */
    private static boolean isWorkerId(String id) {
        try {
            WorkRequest.checkWorkerId(id);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String string(JsonNode root, String name, boolean required, int maxLength,
                                 List<ValidationError> errors) {
        JsonNode node = root.get(name);
        List<Object> loc = List.of("body", name);
        if (node == null || node.isNull()) {
            if (required) {
                errors.add(new ValidationError("missing", loc, "Field required", root));
            }
            return null;
        }
        if (!node.isTextual()) {
            errors.add(new ValidationError("string_type", loc, "Input should be a valid string", node));
            return null;
        }
        if (node.textValue().length() > maxLength) {
            errors.add(new ValidationError("string_too_long", loc, "String should have at most " + maxLength
                    + " characters", node, Map.of("max_length", maxLength)));
            return null;
        }
        return node.textValue();
    }

    private static Boolean bool(JsonNode root, String name, List<ValidationError> errors) {
        JsonNode node = root.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isBoolean()) {
            errors.add(new ValidationError("bool_type", List.of("body", name), "Input should be a valid boolean", node));
            return null;
        }
        return node.booleanValue();
    }

    /** A required list of {@code min..max} strings, each at most {@code maxLength} characters. */
    private static List<String> strings(JsonNode root, String name, int min, int max, int maxLength,
                                        List<ValidationError> errors) {
        JsonNode node = root.get(name);
        List<Object> loc = List.of("body", name);
        if (node == null || node.isNull()) {
            errors.add(new ValidationError("missing", loc, "Field required", root));
            return null;
        }
        if (!node.isArray()) {
            errors.add(new ValidationError("list_type", loc, "Input should be a valid list", node));
            return null;
        }
        if (node.size() < min || node.size() > max) {
            errors.add(new ValidationError(node.size() < min ? "too_short" : "too_long", loc, "List should have "
                    + min + " to " + max + " items, not " + node.size(), node));
            return null;
        }
        List<String> values = new ArrayList<>(node.size());
        int before = errors.size();
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            if (!item.isTextual()) {
                errors.add(new ValidationError("string_type", List.of("body", name, i), "Input should be a valid string",
                        item));
            } else if (item.textValue().length() > maxLength) {
                errors.add(new ValidationError("string_too_long", List.of("body", name, i), "String should have at most "
                        + maxLength + " characters", item, Map.of("max_length", maxLength)));
            } else {
                values.add(item.textValue());
            }
        }
        return errors.size() > before ? null : values;
    }
}
