package dev.venom.core.http.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.venom.core.engine.BatchEntry;
import dev.venom.core.engine.Orchestrator;
import dev.venom.core.engine.TaskCursor;
import dev.venom.core.engine.TaskQuery;
import dev.venom.core.model.Labels;
import dev.venom.core.model.TaskRequest;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.Timestamps;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.PathTemplateMatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Turns request bytes and path segments into model values, or into the validation errors FastAPI would
 * have answered with. Never throws on client input.
 */
public final class RequestParsing {

    /** Either a value or the errors that stopped it. */
    public record Parsed<T>(T value, List<ValidationError> errors) {

        static <T> Parsed<T> ok(T value) {
            return new Parsed<>(value, List.of());
        }

        static <T> Parsed<T> invalid(ValidationError error) {
            return new Parsed<>(null, List.of(error));
        }

        public boolean isValid() {
            return errors.isEmpty();
        }
    }

    private static final List<Object> BODY = List.of("body");
    /** What every key of a schedule's task starts with ({@code Schedule.keyOf}): no client may take one. */
    private static final String SCHEDULE_KEYS = "schedule:";
    private static final List<Object> BODY_CONTENT = List.of("body", "content");
    private static final Set<String> OPTIONS = Set.of("priority", "max_attempts", "run_at", "timeout_ms", "queue",
            "requires", "depends_on");
    private static final String STATUS_NAMES = Arrays.stream(TaskStatus.values()).map(s -> "'" + s + "'")
            .collect(Collectors.joining(", ")).replaceFirst(", ([^,]*)$", " or $1");

    private final ObjectReader reader;

    public RequestParsing(ObjectMapper mapper) {
        this.reader = mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /**
     * The common case without building a tree: an object whose {@code content} is a string. Anything else
     * (including every invalid body) returns null and takes the full path, which explains the error.
     */
    private String plainContent(byte[] body) {
        try (JsonParser parser = reader.getFactory().createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String content = null;
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("content".equals(name)) {
                    if (value != JsonToken.VALUE_STRING) {
                        return null;
                    }
                    content = parser.getText();
                } else if (OPTIONS.contains(name)) {
                    return null;
                } else {
                    parser.skipChildren();
                }
            }
            return token == JsonToken.END_OBJECT && parser.nextToken() == null ? content : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean isJson(String contentType) {
        String type = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return type.equals("application/json") || type.endsWith("+json");
    }

    /**
     * Reads a task request body. Without a Content-Type it is read as JSON; with one that is not JSON the
     * body is not an object, as FastAPI sees it.
     */
    public Parsed<TaskRequest> taskRequest(String contentType, byte[] body) {
        if (contentType != null && !isJson(contentType)) {
            return Parsed.invalid(new ValidationError("model_attributes_type", BODY,
                    "Input should be a valid dictionary or object to extract fields from",
                    new String(body, StandardCharsets.UTF_8)));
        }
        if (body.length == 0) {
            return Parsed.invalid(new ValidationError("missing", BODY, "Field required", null));
        }
        String plain = plainContent(body);
        if (plain != null) {
            return Parsed.ok(new TaskRequest(plain));
        }
        Parsed<JsonNode> object = jsonObject(body);
        if (!object.isValid()) {
            return new Parsed<>(null, object.errors());
        }
        return taskRequest(object.value());
    }

    /** A task request from a JSON object: {@code content} and the options, each checked. */
    public static Parsed<TaskRequest> taskRequest(JsonNode root) {
        return taskRequest(root, Map.of(), new ArrayList<>());
    }

    /**
     * A task request from a JSON object, whose {@code depends_on} may also name the {@code refs} of earlier
     * entries of its batch: their indexes are added to {@code entries}, the ids given go into the request.
     */
    private static Parsed<TaskRequest> taskRequest(JsonNode root, Map<String, Integer> refs, List<Integer> entries) {
        List<ValidationError> errors = new ArrayList<>();
        JsonNode content = root.get("content");
        if (content == null) {
            errors.add(new ValidationError("missing", BODY_CONTENT, "Field required", root));
        } else if (!content.isTextual()) {
            errors.add(new ValidationError("string_type", BODY_CONTENT, "Input should be a valid string",
                    content.isNull() ? JsonNodeFactory.instance.nullNode() : content));
        }
        Long priority = integer(root, "priority", 0, TaskRequest.MAX_PRIORITY, errors);
        Long maxAttempts = integer(root, "max_attempts", 1, TaskRequest.MAX_ATTEMPTS, errors);
        Long timeoutMs = integer(root, "timeout_ms", 1, TaskRequest.MAX_TIMEOUT_MS, errors);
        Instant runAt = time(root, "run_at", errors);
        String queue = queue(root, errors);
        Map<String, String> requires = labels(root, "requires", errors);
        List<UUID> dependsOn = dependsOn(root, refs, entries, errors);
        if (!errors.isEmpty()) {
            return new Parsed<>(null, List.copyOf(errors));
        }
        return Parsed.ok(new TaskRequest(content.textValue(), priority == null ? null : priority.intValue(),
                maxAttempts == null ? null : maxAttempts.intValue(), runAt, timeoutMs, queue, requires,
                dependsOn.isEmpty() ? null : dependsOn));
    }

    /**
     * An optional list of up to {@value TaskRequest#MAX_DEPENDENCIES} task ids, none twice; in a batch also
     * the {@code ref} of an earlier entry, whose index goes into {@code entries}. Empty if absent or null.
     */
    private static List<UUID> dependsOn(JsonNode root, Map<String, Integer> refs, List<Integer> entries,
                                        List<ValidationError> errors) {
        JsonNode node = root.get("depends_on");
        if (node == null || node.isNull()) {
            return List.of();
        }
        List<Object> loc = List.of("body", "depends_on");
        if (!node.isArray()) {
            errors.add(new ValidationError("list_type", loc, "Input should be a valid list", node));
            return List.of();
        }
        if (node.size() > TaskRequest.MAX_DEPENDENCIES) {
            errors.add(new ValidationError("too_long", loc, "List should have at most "
                    + TaskRequest.MAX_DEPENDENCIES + " items after validation, not " + node.size(), node,
                    Map.of("max_length", TaskRequest.MAX_DEPENDENCIES)));
            return List.of();
        }
        List<UUID> ids = new ArrayList<>(node.size());
        Set<Object> named = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            List<Object> at = List.of("body", "depends_on", i);
            Object dependency = item.isTextual() ? refs.containsKey(item.textValue())
                    ? refs.get(item.textValue()) : uuid(item.textValue()) : null;
            if (dependency == null) {
                errors.add(new ValidationError("uuid_parsing", at, refs.isEmpty()
                        ? "Input should be a valid UUID" : "Input should be a valid UUID or the ref of an earlier "
                        + "task of the batch", item));
            } else if (!named.add(dependency)) {
                errors.add(new ValidationError("value_error", at, "Value error, depends_on names "
                        + item.textValue() + " twice", item));
            } else if (dependency instanceof UUID id) {
                ids.add(id);
            } else {
                entries.add((Integer) dependency);
            }
        }
        if (ids.size() + entries.size() > TaskRequest.MAX_DEPENDENCIES) {
            errors.add(new ValidationError("too_long", loc, "List should have at most "
                    + TaskRequest.MAX_DEPENDENCIES + " items after validation, not " + node.size(), node,
                    Map.of("max_length", TaskRequest.MAX_DEPENDENCIES)));
        }
        return ids;
    }

    private static UUID uuid(String text) {
        try {
            UUID id = UUID.fromString(text);
            return id.toString().equalsIgnoreCase(text) ? id : null; // UUID.fromString accepts "1-1-1-1-1"
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The longest {@code ref} a batch's entry may have. */
    public static final int MAX_REF_LENGTH = 64;

    /** The entries of the batch a request carries, as parsed: an error can point at what the client wrote. */
    static final AttachmentKey<ParsedEntry[]> BATCH = AttachmentKey.create(ParsedEntry[].class);

    /**
     * A batch's entry: its request, the earlier entries it depends on, and the client's {@code ref} for it,
     * or null.
     */
    public record ParsedEntry(BatchEntry entry, String ref, JsonNode body) {

        /** Where {@code dependency} stands in the entry's {@code depends_on} as the client wrote it. */
        public int positionOf(UUID dependency) {
            JsonNode given = body.path("depends_on");
            for (int i = 0; i < given.size(); i++) {
                if (given.get(i).asText().equalsIgnoreCase(dependency.toString())) {
                    return i;
                }
            }
            return -1;
        }
    }

    /**
     * A batch body, {@code {"tasks": [{...}, ...]}}: each entry as one create's body, with an optional
     * {@code ref} (unique in the batch); every error names its entry's index in {@code loc}.
     */
    public Parsed<List<ParsedEntry>> batch(byte[] body, int maxTasks) {
        Parsed<JsonNode> object = jsonObject(body);
        if (!object.isValid()) {
            return new Parsed<>(null, object.errors());
        }
        JsonNode tasks = object.value().get("tasks");
        List<Object> loc = List.of("body", "tasks");
        if (tasks == null || tasks.isNull()) {
            return Parsed.invalid(new ValidationError("missing", loc, "Field required", object.value()));
        }
        if (!tasks.isArray()) {
            return Parsed.invalid(new ValidationError("list_type", loc, "Input should be a valid list", tasks));
        }
        if (tasks.isEmpty() || tasks.size() > maxTasks) {
            return Parsed.invalid(new ValidationError(tasks.isEmpty() ? "too_short" : "too_long", loc,
                    "List should have 1 to " + maxTasks + " items, not " + tasks.size(), JsonNodeFactory.instance
                    .numberNode(tasks.size()), Map.of("max_length", maxTasks)));
        }
        List<ValidationError> errors = new ArrayList<>();
        List<ParsedEntry> entries = new ArrayList<>(tasks.size());
        Map<String, Integer> refs = new HashMap<>();
        for (int i = 0; i < tasks.size(); i++) {
            JsonNode entry = tasks.get(i);
            if (!entry.isObject()) {
                errors.add(new ValidationError("model_attributes_type", List.of("body", "tasks", i),
                        "Input should be a valid dictionary or object to extract fields from", entry));
                continue;
            }
            List<Integer> earlier = new ArrayList<>();
            Parsed<TaskRequest> request = taskRequest(entry, refs, earlier);
            for (ValidationError error : request.errors()) {
                List<Object> at = new ArrayList<>(List.of("body", "tasks", i));
                at.addAll(error.loc().subList(1, error.loc().size()));
                errors.add(new ValidationError(error.type(), at, error.msg(), error.input(), error.ctx()));
            }
            JsonNode ref = entry.get("ref");
            String refText = null;
            if (ref != null && !ref.isNull()) {
                List<Object> at = List.of("body", "tasks", i, "ref");
                if (!ref.isTextual() || ref.textValue().isEmpty() || ref.textValue().length() > MAX_REF_LENGTH) {
                    errors.add(new ValidationError("string_type", at, "Input should be a string of 1 to "
                            + MAX_REF_LENGTH + " characters", ref));
                } else if (refs.containsKey(ref.textValue())) {
                    errors.add(new ValidationError("value_error", at, "Value error, ref '" + ref.textValue()
                            + "' is given to an earlier task of the batch", ref));
                } else {
                    refText = ref.textValue();
                    refs.put(refText, i);
                }
            }
            if (request.isValid()) {
                entries.add(new ParsedEntry(new BatchEntry(request.value(), earlier), refText, entry));
            }
        }
        return errors.isEmpty() ? Parsed.ok(entries) : new Parsed<>(null, List.copyOf(errors));
    }

    /** A JSON body that must be an object; its errors as FastAPI words them. */
    public Parsed<JsonNode> jsonObject(byte[] body) {
        if (body.length == 0) {
            return Parsed.invalid(new ValidationError("missing", BODY, "Field required", null));
        }
        JsonNode root;
        try {
            root = reader.readTree(body);
        } catch (JsonProcessingException e) {
            JsonLocation where = e.getLocation();
            long offset = where == null ? 0 : Math.max(0, where.getCharOffset() >= 0
                    ? where.getCharOffset() : where.getByteOffset());
            return Parsed.invalid(new ValidationError("json_invalid", List.of("body", offset), "JSON decode error",
                    Map.of(), Map.of("error", firstLine(e.getOriginalMessage()))));
        } catch (IOException e) {
            return Parsed.invalid(new ValidationError("json_invalid", List.of("body", 0), "JSON decode error",
                    Map.of(), Map.of("error", firstLine(e.getMessage()))));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return Parsed.invalid(new ValidationError("missing", BODY, "Field required", null));
        }
        if (!root.isObject()) {
            return Parsed.invalid(new ValidationError("model_attributes_type", BODY,
                    "Input should be a valid dictionary or object to extract fields from", root));
        }
        return Parsed.ok(root);
    }

    /**
     * An optional object of labels ({@code {"gpu": "a100"}}): names of {@code [A-Za-z0-9_.-]{1,64}}, values
     * strings of 1..256 characters, at most {@value Labels#MAX_ENTRIES}. Empty if absent or null.
     */
    static Map<String, String> labels(JsonNode root, String name, List<ValidationError> errors) {
        JsonNode node = root.get(name);
        if (node == null || node.isNull()) {
            return Map.of();
        }
        List<Object> loc = List.of("body", name);
        if (!node.isObject()) {
            errors.add(new ValidationError("dict_type", loc, "Input should be a valid dictionary", node));
            return Map.of();
        }
        if (node.size() > Labels.MAX_ENTRIES) {
            errors.add(new ValidationError("too_long", loc, "Dictionary should have at most " + Labels.MAX_ENTRIES
                    + " items after validation, not " + node.size(), node, Map.of("max_length", Labels.MAX_ENTRIES)));
            return Map.of();
        }
        Map<String, String> labels = new java.util.TreeMap<>();
        int before = errors.size();
        node.fields().forEachRemaining(field -> {
            List<Object> at = List.of("body", name, field.getKey());
            if (!Labels.isName(field.getKey())) {
                errors.add(new ValidationError("string_pattern_mismatch", List.of("body", name, field.getKey(),
                        "[key]"), "String should match pattern '" + Labels.NAME_PATTERN + "'", field.getKey(),
                        Map.of("pattern", Labels.NAME_PATTERN)));
            } else if (!field.getValue().isTextual()) {
                errors.add(new ValidationError("string_type", at, "Input should be a valid string", field.getValue()));
            } else if (field.getValue().textValue().isEmpty()
                    || field.getValue().textValue().length() > Labels.MAX_VALUE_LENGTH) {
                errors.add(new ValidationError(field.getValue().textValue().isEmpty() ? "string_too_short"
                        : "string_too_long", at, "String should have 1 to " + Labels.MAX_VALUE_LENGTH
                        + " characters", field.getValue()));
            } else {
                labels.put(field.getKey(), field.getValue().textValue());
            }
        });
        return errors.size() > before ? Map.of() : labels;
    }

    /** The pattern a queue name matches, as pydantic would name it. */
    public static final String QUEUE_PATTERN = "^[a-z0-9_-]{1," + TaskRequest.MAX_QUEUE_LENGTH + "}$";

    /** An optional queue name. */
    private static String queue(JsonNode root, List<ValidationError> errors) {
        JsonNode node = root.get("queue");
        if (node == null || node.isNull()) {
            return null;
        }
        List<Object> loc = List.of("body", "queue");
        if (!node.isTextual()) {
            errors.add(new ValidationError("string_type", loc, "Input should be a valid string", node));
            return null;
        }
        if (!isQueueName(node.textValue())) {
            errors.add(new ValidationError("string_pattern_mismatch", loc,
                    "String should match pattern '" + QUEUE_PATTERN + "'", node, Map.of("pattern", QUEUE_PATTERN)));
            return null;
        }
        return node.textValue();
    }

    /** True if {@code name} is a valid queue name. */
    public static boolean isQueueName(String name) {
        try {
            TaskRequest.checkQueue(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** An optional integer field as pydantic's lax mode reads it: a number without fraction, or such a string. */
    static Long integer(JsonNode root, String name, long min, long max, List<ValidationError> errors) {
        JsonNode node = root.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        List<Object> loc = List.of("body", name);
        long value;
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            value = node.longValue();
        } else if (node.isFloatingPointNumber() && node.doubleValue() == Math.rint(node.doubleValue())
                && Math.abs(node.doubleValue()) < 1e15) {
            value = (long) node.doubleValue();
        } else if (node.isFloatingPointNumber()) {
            errors.add(new ValidationError("int_from_float", loc,
                    "Input should be a valid integer, got a number with a fractional part", node));
            return null;
        } else if (node.isTextual()) {
            try {
                value = Long.parseLong(node.textValue().strip());
            } catch (NumberFormatException e) {
                errors.add(new ValidationError("int_parsing", loc,
                        "Input should be a valid integer, unable to parse string as an integer", node));
                return null;
            }
        } else {
            errors.add(new ValidationError("int_type", loc, "Input should be a valid integer", node));
            return null;
        }
        if (value < min) {
            errors.add(new ValidationError("greater_than_equal", loc, "Input should be greater than or equal to "
                    + min, node, Map.of("ge", min)));
            return null;
        }
        if (value > max) {
            errors.add(new ValidationError("less_than_equal", loc, "Input should be less than or equal to " + max,
                    node, Map.of("le", max)));
            return null;
        }
        return value;
    }

    /** An optional ISO-8601 time; one without an offset is UTC. */
    private static Instant time(JsonNode root, String name, List<ValidationError> errors) {
        JsonNode node = root.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        List<Object> loc = List.of("body", name);
        if (!node.isTextual()) {
            errors.add(new ValidationError("datetime_type", loc, "Input should be a valid datetime", node));
            return null;
        }
        try {
            Instant instant = Timestamps.parse(node.textValue().strip());
            if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
                throw new DateTimeException("year out of range 1970..9999");
            }
            return instant;
        } catch (DateTimeException e) {
            String reason = "expected an ISO-8601 time such as 2026-11-27T10:00:00Z";
            errors.add(new ValidationError("datetime_parsing", loc, "Input should be a valid datetime, " + reason,
                    node, Map.of("error", reason)));
            return null;
        }
    }

    private static final Instant EARLIEST = Instant.EPOCH;
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

    /**
     * The query of {@code GET /api/v1/tasks}.
     *
     * @param statuses the statuses asked for; empty for all
     * @param cursor   where to resume, from a previous page's {@code Link}
     * @param limit    the page size; empty for "every task, streamed"
     * @param queue    the one queue to list; empty for all
     */
    public record ListQuery(Set<TaskStatus> statuses, Optional<String> cursor, Optional<Integer> limit,
                            Optional<String> queue) {
    }

    /**
     * Reads {@code status} (comma-separated, repeatable, any case), {@code limit} (1..1000) and {@code cursor}
     * (opaque, from a {@code Link} header) and {@code queue} as FastAPI would validate them.
     */
    public static Parsed<ListQuery> listQuery(Map<String, Deque<String>> params) {
        List<ValidationError> errors = new ArrayList<>();
        Set<TaskStatus> statuses = EnumSet.noneOf(TaskStatus.class);
        for (String value : params.getOrDefault("status", new ArrayDeque<>())) {
            for (String name : value.split(",")) {
                String trimmed = name.strip();
                if (trimmed.isEmpty()) {
                    continue;
                }
                try {
                    statuses.add(TaskStatus.valueOf(trimmed.toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    errors.add(new ValidationError("enum", List.of("query", "status"),
                            "Input should be " + STATUS_NAMES, trimmed, Map.of("expected", STATUS_NAMES)));
                }
            }
        }
        Optional<Integer> limit = Optional.empty();
        String limitText = first(params, "limit");
        if (limitText != null) {
            List<Object> loc = List.of("query", "limit");
            try {
                int value = Integer.parseInt(limitText.strip());
                if (value < 1) {
                    errors.add(new ValidationError("greater_than_equal", loc, "Input should be greater than or equal "
                            + "to 1", limitText, Map.of("ge", 1)));
                } else if (value > TaskQuery.MAX_LIMIT) {
                    errors.add(new ValidationError("less_than_equal", loc, "Input should be less than or equal to "
                            + TaskQuery.MAX_LIMIT, limitText, Map.of("le", TaskQuery.MAX_LIMIT)));
                } else {
                    limit = Optional.of(value);
                }
            } catch (NumberFormatException e) {
                errors.add(new ValidationError("int_parsing", loc,
                        "Input should be a valid integer, unable to parse string as an integer", limitText));
            }
        }
        String cursor = first(params, "cursor");
        if (cursor != null) {
            try {
                TaskCursor.parse(cursor);
            } catch (IllegalArgumentException e) {
                errors.add(new ValidationError("value_error", List.of("query", "cursor"),
                        "Value error, not a cursor from this API's Link header", cursor,
                        Map.of("error", "invalid cursor")));
            }
        }
        String queue = first(params, "queue");
        if (queue != null && !isQueueName(queue)) {
            errors.add(new ValidationError("string_pattern_mismatch", List.of("query", "queue"),
                    "String should match pattern '" + QUEUE_PATTERN + "'", queue, Map.of("pattern", QUEUE_PATTERN)));
        }
        if (!errors.isEmpty()) {
            return new Parsed<>(null, List.copyOf(errors));
        }
        return Parsed.ok(new ListQuery(Set.copyOf(statuses), Optional.ofNullable(cursor), limit,
                Optional.ofNullable(queue)));
    }

    /**
     * Reads an {@code Idempotency-Key} header: up to 255 printable ASCII characters.
     */
    public static Parsed<String> idempotencyKey(String header) {
        try {
            Orchestrator.checkIdempotencyKey(header);
            if (header.startsWith(SCHEDULE_KEYS)) {
                throw new IllegalArgumentException("idempotency keys that start with " + SCHEDULE_KEYS + " are the "
                        + "schedules' own");
            }
            return Parsed.ok(header);
        } catch (IllegalArgumentException e) {
            return Parsed.invalid(new ValidationError("value_error", List.of("header", "idempotency-key"),
                    "Value error, " + e.getMessage(), header, Map.of("error", e.getMessage())));
        }
    }

    private static String first(Map<String, Deque<String>> params, String name) {
        Deque<String> values = params.get(name);
        return values == null || values.isEmpty() ? null : values.peekFirst();
    }

    /**
     * The {@code {task_id}} of a route's path, the one place every route reads it.
     *
     * @throws InvalidRequestException (422) if it is not a UUID
     */
    public static UUID taskId(HttpServerExchange exchange) {
        String raw = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY).getParameters().get("task_id");
        Parsed<UUID> id = taskId(raw);
        if (!id.isValid()) {
            throw new InvalidRequestException(id.errors());
        }
        return id.value();
    }

    /**
     * Reads a task id as pydantic's UUID type does: 36 characters with hyphens or 32 without, hex digits
     * in either case.
     */
    public static Parsed<UUID> taskId(String text) {
        String reason = uuidProblem(text);
        if (reason != null) {
            return Parsed.invalid(new ValidationError("uuid_parsing", List.of("path", "task_id"),
                    "Input should be a valid UUID, " + reason, text, Map.of("error", reason)));
        }
        String hyphenated = text.length() == 36 ? text
                : text.substring(0, 8) + '-' + text.substring(8, 12) + '-' + text.substring(12, 16) + '-'
                        + text.substring(16, 20) + '-' + text.substring(20);
        return Parsed.ok(UUID.fromString(hyphenated));
    }

    private static String uuidProblem(String text) {
        boolean hyphenated = text.length() == 36;
        if (!hyphenated && text.length() != 32) {
            return "invalid length: expected length 32 for simple format, found " + text.length();
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean hyphenSlot = hyphenated && (i == 8 || i == 13 || i == 18 || i == 23);
            boolean ok = hyphenSlot ? c == '-' : Character.digit(c, 16) >= 0;
            if (!ok) {
                return "invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], "
                        + "found `" + c + "` at " + (i + 1);
            }
        }
        return null;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "invalid JSON";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
