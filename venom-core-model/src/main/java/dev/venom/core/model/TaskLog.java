package dev.venom.core.model;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Every line Venom writes into a task's {@code logs}, and the results it writes, built and read in this one
 * place: the model's transitions, the stores (their SQL included) and the metrics all take the text from
 * here. Lines are for people; what happened to a task is decided from its transitions, never from its log
 * text. Times are {@link Timestamps#format formatted} UTC with microseconds.
 */
public final class TaskLog {

    /** Opens the log of a new task. */
    public static final String TASK_STARTED = "Task started: ";
    /** An attempt was claimed and runs. */
    public static final String PROCESSING_STARTED = "Processing started: ";
    /** The processor returned a result. */
    public static final String PROCESSING_COMPLETED = "Processing completed: ";
    /** The last allowed attempt failed. */
    public static final String PROCESSING_FAILED = "Processing failed: ";
    /** A client cancelled the task. */
    public static final String CANCELLED = "Cancelled: ";
    /** A stop found the task running; it runs again. */
    public static final String INTERRUPTED_BY_SHUTDOWN = "Interrupted by shutdown, will run again: ";
    /** A start found the task unfinished (embedded store). */
    public static final String RECOVERED_AFTER_RESTART = "Recovered after restart: ";
    /** Begins the line of an expired claim, followed by the owner and one of the two endings below. */
    public static final String CLAIM_OF = "Claim of ";
    /** Ends the line of an expired claim that is requeued, before the time. */
    public static final String CLAIM_EXPIRED_REQUEUED = " expired, requeued: ";
    /** Ends the line of an expired claim on the last attempt, before the time. */
    public static final String CLAIM_EXPIRED_FAILED = " expired on the last attempt, failed: ";
    /** Begins the result of a failed task. */
    public static final String ERROR_RESULT = "Error: ";
    /** The result of a claim expired on the last attempt: this, the owner, then {@link #LAST_CLAIM_EXPIRED_AFTER}. */
    public static final String LAST_CLAIM_EXPIRED_BEFORE = ERROR_RESULT + "the claim of ";
    /** Ends the result of a claim expired on the last attempt. */
    public static final String LAST_CLAIM_EXPIRED_AFTER = " expired on its last attempt";

    private TaskLog() {
    }

    public static String taskStarted(Instant at) {
        return TASK_STARTED + Timestamps.format(at);
    }

    public static String processingStarted(Instant at) {
        return PROCESSING_STARTED + Timestamps.format(at);
    }

    public static String processingCompleted(Instant at) {
        return PROCESSING_COMPLETED + Timestamps.format(at);
    }

    public static String processingFailed(String message, Instant at) {
        return PROCESSING_FAILED + message + " - " + Timestamps.format(at);
    }

    /** An attempt failed and another is allowed. */
    public static String attemptFailed(int attempt, String message, Instant at) {
        return "Attempt " + attempt + " failed: " + message + " - " + Timestamps.format(at);
    }

    /** Follows {@link #attemptFailed}: when the next attempt may run. */
    public static String retryScheduled(int nextAttempt, int maxAttempts, Instant due) {
        return "Retry scheduled: attempt " + nextAttempt + " of " + maxAttempts + " at " + Timestamps.format(due);
    }

    public static String cancelled(Instant at) {
        return CANCELLED + Timestamps.format(at);
    }

    public static String interruptedByShutdown(Instant at) {
        return INTERRUPTED_BY_SHUTDOWN + Timestamps.format(at);
    }

    public static String recoveredAfterRestart(Instant at) {
        return RECOVERED_AFTER_RESTART + Timestamps.format(at);
    }

    public static String claimExpiredRequeued(String owner, Instant at) {
        return CLAIM_OF + owner + CLAIM_EXPIRED_REQUEUED + Timestamps.format(at);
    }

    public static String claimExpiredFailed(String owner, Instant at) {
        return CLAIM_OF + owner + CLAIM_EXPIRED_FAILED + Timestamps.format(at);
    }

    /** A line a processor logged, with the time it was logged. */
    public static String processorLine(String message, Instant at) {
        return message + " - " + Timestamps.format(at);
    }

    /** The result of the built-in simulated processor for {@code content}. */
    public static String processed(String content) {
        return "Processed: " + content;
    }

    /** The result of a task that failed with {@code message}. */
    public static String errorResult(String message) {
        return ERROR_RESULT + message;
    }

    /** The result of a task whose claim expired on its last attempt. */
    public static String claimExpiredResult(String owner) {
        return LAST_CLAIM_EXPIRED_BEFORE + owner + LAST_CLAIM_EXPIRED_AFTER;
    }

    /** When the latest attempt in {@code logs} started, if a {@link #processingStarted} line says. */
    public static Optional<Instant> lastProcessingStarted(List<String> logs) {
        for (int i = logs.size() - 1; i >= 0; i--) {
            Optional<Instant> at = timeAfter(PROCESSING_STARTED, logs.get(i));
            if (at.isPresent()) {
                return at;
            }
        }
        return Optional.empty();
    }

    /**
     * The time a line ends with, as every line here and every line of the original service does ({@code
     * "Zakończono przetwarzanie: 2026-11-27T03:08:40.130367"}), if it ends with one.
     */
    public static Optional<Instant> timeAtEnd(String line) {
        int space = line.lastIndexOf(' ');
        try {
            return Optional.of(Timestamps.parse(line.substring(space + 1)));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The time of a {@link #recoveredAfterRestart} line, if {@code line} is one. */
    public static Optional<Instant> recoveredAt(String line) {
        return timeAfter(RECOVERED_AFTER_RESTART, line);
    }

    private static Optional<Instant> timeAfter(String prefix, String line) {
        if (!line.startsWith(prefix)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Timestamps.parse(line.substring(prefix.length())));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
