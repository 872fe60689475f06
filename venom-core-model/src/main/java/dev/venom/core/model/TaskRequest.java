package dev.venom.core.model;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * What a client asks to run: {@code {"content": "..."}} and optional options. Any string is valid content,
 * the empty one too; an option left {@code null} takes its default.
 *
 * @param content     the task's input, passed to the processor as is
 * @param priority    0..9, higher runs first; default 0
 * @param maxAttempts 1..100 attempts before the task fails; default the engine's ({@code VENOM_MAX_ATTEMPTS})
 * @param runAt       not run before this time; default now
 * @param timeoutMs   1..604800000 ms an attempt may run before it fails; default no limit
 * @param queue       the named queue to wait in, {@code [a-z0-9_-]{1,64}}; default {@value #DEFAULT_QUEUE}
 * @param requires    labels a remote worker must have to run it ({@link Labels}); default none
 * @param dependsOn   up to {@value #MAX_DEPENDENCIES} existing tasks it runs after, once each has COMPLETED; default none
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskRequest(
        @JsonProperty("content") String content,
        @JsonProperty("priority") Integer priority,
        @JsonProperty("max_attempts") Integer maxAttempts,
        @JsonProperty("run_at") @JsonFormat(shape = JsonFormat.Shape.STRING) Instant runAt,
        @JsonProperty("timeout_ms") Long timeoutMs,
        @JsonProperty("queue") String queue,
        @JsonProperty("requires") Map<String, String> requires,
        @JsonProperty("depends_on") List<UUID> dependsOn) {

    /** The priority of a task that does not ask for one. */
    public static final int DEFAULT_PRIORITY = 0;
    public static final int MAX_PRIORITY = 9;
    public static final int MAX_ATTEMPTS = 100;
    public static final long MAX_TIMEOUT_MS = 7L * 24 * 60 * 60 * 1000;
    /** The queue of a task that names none. */
    public static final String DEFAULT_QUEUE = "default";
    public static final int MAX_QUEUE_LENGTH = 64;
    public static final int MAX_DEPENDENCIES = 100;

    public TaskRequest {
        Objects.requireNonNull(content, "content");
        if (priority != null) {
            checkPriority(priority);
        }
        if (maxAttempts != null) {
            checkMaxAttempts(maxAttempts);
        }
        if (timeoutMs != null) {
            checkTimeoutMs(timeoutMs);
        }
        if (queue != null) {
            checkQueue(queue);
        }
        requires = requires == null ? null : Labels.check("requires", requires);
        dependsOn = dependsOn == null ? null : checkDependsOn(dependsOn);
    }

    /** A request without dependencies. */
    public TaskRequest(String content, Integer priority, Integer maxAttempts, Instant runAt, Long timeoutMs,
                       String queue, Map<String, String> requires) {
        this(content, priority, maxAttempts, runAt, timeoutMs, queue, requires, null);
    }

    /** A request without requirements. */
    public TaskRequest(String content, Integer priority, Integer maxAttempts, Instant runAt, Long timeoutMs,
                       String queue) {
        this(content, priority, maxAttempts, runAt, timeoutMs, queue, null, null);
    }

    /** A request with every option at its default. */
    public TaskRequest(String content) {
        this(content, null, null, null, null, null);
    }

    public TaskRequest withPriority(int value) {
        return new TaskRequest(content, value, maxAttempts, runAt, timeoutMs, queue, requires, dependsOn);
    }

    public TaskRequest withMaxAttempts(int value) {
        return new TaskRequest(content, priority, value, runAt, timeoutMs, queue, requires, dependsOn);
    }

    public TaskRequest withRunAt(Instant value) {
        return new TaskRequest(content, priority, maxAttempts, value, timeoutMs, queue, requires, dependsOn);
    }

    public TaskRequest withTimeoutMs(long value) {
        return new TaskRequest(content, priority, maxAttempts, runAt, value, queue, requires, dependsOn);
    }

    public TaskRequest withQueue(String value) {
        return new TaskRequest(content, priority, maxAttempts, runAt, timeoutMs, value, requires, dependsOn);
    }

    public TaskRequest withRequires(Map<String, String> value) {
        return new TaskRequest(content, priority, maxAttempts, runAt, timeoutMs, queue, value, dependsOn);
    }

    public TaskRequest withDependsOn(List<UUID> value) {
        return new TaskRequest(content, priority, maxAttempts, runAt, timeoutMs, queue, requires, value);
    }

    /** The dependencies named, or none. */
    public List<UUID> dependsOnOrNone() {
        return dependsOn == null ? List.of() : dependsOn;
    }

    /** The requirements asked for, or none. */
    public Map<String, String> requiresOrNone() {
        return requires == null ? Map.of() : requires;
    }

    /** The queue asked for, or {@value #DEFAULT_QUEUE}. */
    public String queueOrDefault() {
        return queue == null ? DEFAULT_QUEUE : queue;
    }

    int priorityOr(int fallback) {
        return priority == null ? fallback : priority;
    }

    int maxAttemptsOr(int fallback) {
        return maxAttempts == null ? fallback : maxAttempts;
    }

    /**
     * True if {@code task} is what this request creates with {@code defaultMaxAttempts}: the test that an
     * idempotent repeat carries the same body as the request that created the task.
     */
    public boolean matches(VenomTask task, int defaultMaxAttempts) {
        // A retry moves run_at to its backoff time, so the requested one is only known before the first attempt.
        boolean sameRunAt = task.attempts() > 0
                || Objects.equals(runAt == null ? null : Timestamps.truncate(runAt), task.runAt());
        return content.equals(task.content())
                && priorityOr(DEFAULT_PRIORITY) == task.priority()
                && maxAttemptsOr(defaultMaxAttempts) == task.maxAttempts()
                && sameRunAt
                && Objects.equals(timeoutMs, task.timeoutMs())
                && queueOrDefault().equals(task.queue())
                && requiresOrNone().equals(task.requires())
                && dependsOnOrNone().equals(task.dependsOn());
    }

    static void checkPriority(int value) {
        if (value < 0 || value > MAX_PRIORITY) {
            throw new IllegalArgumentException("priority must be 0.." + MAX_PRIORITY + ", was " + value);
        }
    }

    static void checkMaxAttempts(int value) {
        if (value < 1 || value > MAX_ATTEMPTS) {
            throw new IllegalArgumentException("max_attempts must be 1.." + MAX_ATTEMPTS + ", was " + value);
        }
    }

    /**
     * Checks a queue name: 1..{@value #MAX_QUEUE_LENGTH} of {@code a-z}, {@code 0-9}, {@code _} and {@code -}.
     *
     * @return {@code name}
     * @throws IllegalArgumentException naming what is wrong
     */
    public static String checkQueue(String name) {
        if (name.isEmpty() || name.length() > MAX_QUEUE_LENGTH) {
            throw new IllegalArgumentException("queue must be 1.." + MAX_QUEUE_LENGTH + " characters, was "
                    + name.length());
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                throw new IllegalArgumentException("queue must match [a-z0-9_-]{1," + MAX_QUEUE_LENGTH
                        + "}; character " + (i + 1) + " is '" + c + "'");
            }
        }
        return name;
    }

    /**
     * Checks a task's dependencies: at most {@value #MAX_DEPENDENCIES}, none named twice.
     *
     * @return them, as an immutable list
     * @throws IllegalArgumentException naming what is wrong
     */
    public static List<UUID> checkDependsOn(List<UUID> dependsOn) {
        if (dependsOn.size() > MAX_DEPENDENCIES) {
            throw new IllegalArgumentException("depends_on names at most " + MAX_DEPENDENCIES + " tasks, was "
                    + dependsOn.size());
        }
        Set<UUID> seen = new HashSet<>();
        for (UUID dependency : dependsOn) {
            Objects.requireNonNull(dependency, "a dependency's id");
            if (!seen.add(dependency)) {
                throw new IllegalArgumentException("depends_on names task " + dependency + " twice");
            }
        }
        return List.copyOf(dependsOn);
    }

    static void checkTimeoutMs(long value) {
        if (value < 1 || value > MAX_TIMEOUT_MS) {
            throw new IllegalArgumentException("timeout_ms must be 1.." + MAX_TIMEOUT_MS + ", was " + value);
        }
    }
}
