package dev.venom.core.engine;

import dev.venom.core.model.Labels;
import dev.venom.core.model.TaskRequest;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a remote worker asks of {@link RemoteWork#claim}: up to {@code max} due tasks of its queues (tried in the
 * order given) whose requirements its labels satisfy, waiting up to {@code waitTime} for one to come due.
 *
 * @param workerId who asks: 1..{@value #MAX_WORKER_ID_LENGTH} of {@code [A-Za-z0-9_.:-]}; its claims are
 *                 held by owner {@code worker:<id>}
 * @param queues   1..{@value #MAX_QUEUES} queues served by remote workers, without repeats
 * @param labels   what the worker offers ({@link Labels})
 * @param max      1..{@value #MAX_TASKS} tasks at most
 * @param waitTime 0..{@value #MAX_WAIT_MS} ms to wait when none is due (JSON {@code wait_ms})
 */
public record WorkRequest(String workerId, List<String> queues, Map<String, String> labels, int max, Duration waitTime) {

    public static final int MAX_WORKER_ID_LENGTH = 128;
    public static final int MAX_QUEUES = 50;
    public static final int MAX_TASKS = 100;
    public static final long MAX_WAIT_MS = 60_000;

    public WorkRequest {
        checkWorkerId(workerId);
        Objects.requireNonNull(queues, "queues");
        if (queues.isEmpty() || queues.size() > MAX_QUEUES) {
            throw new IllegalArgumentException("queues must name 1.." + MAX_QUEUES + " queues, named " + queues.size());
        }
        queues.forEach(TaskRequest::checkQueue);
        if (new LinkedHashSet<>(queues).size() != queues.size()) {
            throw new IllegalArgumentException("queues must not repeat a queue: " + queues);
        }
        queues = List.copyOf(queues);
        labels = Labels.check("labels", labels);
        if (max < 1 || max > MAX_TASKS) {
            throw new IllegalArgumentException("max must be 1.." + MAX_TASKS + ", was " + max);
        }
        Objects.requireNonNull(waitTime, "waitTime");
        if (waitTime.isNegative() || waitTime.toMillis() > MAX_WAIT_MS) {
            throw new IllegalArgumentException("wait_ms must be 0.." + MAX_WAIT_MS + ", was " + waitTime.toMillis());
        }
    }

    /**
     * Checks a worker id: 1..{@value #MAX_WORKER_ID_LENGTH} of {@code [A-Za-z0-9_.:-]}.
     *
     * @return {@code workerId}
     * @throws IllegalArgumentException naming what is wrong
     */
    public static String checkWorkerId(String workerId) {
        Objects.requireNonNull(workerId, "worker_id");
        if (workerId.isEmpty() || workerId.length() > MAX_WORKER_ID_LENGTH) {
            throw new IllegalArgumentException("worker_id must be 1.." + MAX_WORKER_ID_LENGTH + " characters, was "
                    + workerId.length());
        }
        for (int i = 0; i < workerId.length(); i++) {
            char c = workerId.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
                    || c == ':' || c == '-')) {
                throw new IllegalArgumentException("worker_id must match [A-Za-z0-9_.:-]{1," + MAX_WORKER_ID_LENGTH
                        + "}; character " + (i + 1) + " is '" + c + "'");
            }
        }
        return workerId;
    }

    /** The owner its claims are held by. */
    public String owner() {
        return RemoteWork.owner(workerId);
    }
}
