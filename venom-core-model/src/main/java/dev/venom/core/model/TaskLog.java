package dev.venom.core.model;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Every line Venom writes into a task's {@code logs}, and the results it writes, in the two languages it
 * writes them in: {@link #EN}, as the documentation this project follows, and {@link #PL}, as the original
 * service's code wrote them. Built and read in this one place: the model's transitions, the stores (their
 * SQL included) and the metrics take the text from here. The language is a property of what is written: a
 * task keeps the lines it was given, and the readers here recognise both. Lines are for people; what
 * happened to a task is decided from its transitions, never from its log text. Times are
 * {@link Timestamps#format formatted} UTC with microseconds.
 */
public enum TaskLog {

    EN("Task started: ", "Processing started: ", "Processing completed: ", "Processing failed: ", "Cancelled: ",
            "Interrupted by shutdown, will run again: ", "Recovered after restart: ", "Claim of ",
            " expired, requeued: ", " expired on the last attempt, failed: ", "Error: ", "the claim of ",
            " expired on its last attempt", "Processed: ", "Attempt %d failed: ", "Retry scheduled: attempt %d of %d at ",
            "timed out after %d ms", "Purged: ", "Released by %s, will run again: ", "Dependency %s ended %s: ",
            "Dependencies completed: "),
    PL("Zadanie uruchomione: ", "Rozpoczęto przetwarzanie: ", "Zakończono przetwarzanie: ", "Błąd przetwarzania: ",
            "Anulowano: ", "Przerwano przy zatrzymaniu, zostanie uruchomione ponownie: ", "Wznowiono po restarcie: ",
            "Dzierżawa węzła ", " wygasła, ponownie w kolejce: ", " wygasła przy ostatniej próbie, niepowodzenie: ",
            "Błąd: ", "dzierżawa węzła ", " wygasła przy ostatniej próbie", "Przetworzono: ", "Próba %d nieudana: ",
            "Ponowienie zaplanowane: próba %d z %d o ", "przekroczono limit czasu %d ms", "Usunięto z kolejki: ",
            "Zwolnione przez %s, zostanie uruchomione ponownie: ", "Zależność %s zakończona jako %s: ",
            "Zależności zakończone: ");

    private final String taskStarted;
    private final String processingStarted;
    private final String processingCompleted;
    private final String processingFailed;
    private final String cancelled;
    private final String interrupted;
    private final String recovered;
    private final String claimOf;
    private final String claimExpiredRequeued;
    private final String claimExpiredFailed;
    private final String error;
    private final String lastClaimOf;
    private final String lastClaimExpired;
    private final String processed;
    private final String attemptFailed;
    private final String retryScheduled;
    private final String timedOut;
    private final String purged;
    private final String released;
    private final String dependencyEnded;
    private final String dependenciesCompleted;

    TaskLog(String taskStarted, String processingStarted, String processingCompleted, String processingFailed,
            String cancelled, String interrupted, String recovered, String claimOf, String claimExpiredRequeued,
            String claimExpiredFailed, String error, String lastClaimOf, String lastClaimExpired, String processed,
            String attemptFailed, String retryScheduled, String timedOut, String purged, String released,
            String dependencyEnded, String dependenciesCompleted) {
        this.released = released;
        this.dependencyEnded = dependencyEnded;
        this.dependenciesCompleted = dependenciesCompleted;
        this.timedOut = timedOut;
        this.purged = purged;
        this.taskStarted = taskStarted;
        this.processingStarted = processingStarted;
        this.processingCompleted = processingCompleted;
        this.processingFailed = processingFailed;
        this.cancelled = cancelled;
        this.interrupted = interrupted;
        this.recovered = recovered;
        this.claimOf = claimOf;
        this.claimExpiredRequeued = claimExpiredRequeued;
        this.claimExpiredFailed = claimExpiredFailed;
        this.error = error;
        this.lastClaimOf = lastClaimOf;
        this.lastClaimExpired = lastClaimExpired;
        this.processed = processed;
        this.attemptFailed = attemptFailed;
        this.retryScheduled = retryScheduled;
    }

    /** The language {@code code} names, {@code en} or {@code pl} (any case). */
    public static TaskLog of(String code) {
        for (TaskLog language : values()) {
            if (language.name().equalsIgnoreCase(code.trim())) {
                return language;
            }
        }
        throw new IllegalArgumentException("must be en or pl, was '" + code.trim() + "'");
    }

    /** Opens the log of a new task. */
    public String taskStarted(Instant at) {
        return taskStarted + Timestamps.format(at);
    }

    /** An attempt was claimed and runs. */
    public String processingStarted(Instant at) {
        return processingStarted + Timestamps.format(at);
    }

    /** The processor returned a result. */
    public String processingCompleted(Instant at) {
        return processingCompleted + Timestamps.format(at);
    }

    /** The last allowed attempt failed. */
    public String processingFailed(String message, Instant at) {
        return processingFailed + message + " - " + Timestamps.format(at);
    }

    /** An attempt failed and another is allowed. */
    public String attemptFailed(int attempt, String message, Instant at) {
        return attemptFailed.formatted(attempt) + message + " - " + Timestamps.format(at);
    }

    /** Follows {@link #attemptFailed}: when the next attempt may run. */
    public String retryScheduled(int nextAttempt, int maxAttempts, Instant due) {
        return retryScheduled.formatted(nextAttempt, maxAttempts) + Timestamps.format(due);
    }

    /** An operator purged the task's queue while it waited. */
    public String purged(Instant at) {
        return purged + Timestamps.format(at);
    }

    /** The remote worker {@code owner} gave its attempt back (it stops, or could not take the task); it runs again. */
    public String released(String owner, Instant at) {
        return released.formatted(owner) + Timestamps.format(at);
    }

    /** A task it depended on ended without completing, so it is cancelled. */
    public String dependencyEnded(UUID dependency, TaskStatus ended, Instant at) {
        return dependencyEnded.formatted(dependency, ended) + Timestamps.format(at);
    }

    /** The last task it waited on completed: it may run. */
    public String dependenciesCompleted(Instant at) {
        return dependenciesCompleted + Timestamps.format(at);
    }

    /** A client cancelled the task. */
    public String cancelled(Instant at) {
        return cancelled + Timestamps.format(at);
    }

    /** A stop found the task running; it runs again. */
    public String interruptedByShutdown(Instant at) {
        return interrupted + Timestamps.format(at);
    }

    /** A start found the task unfinished (embedded store). */
    public String recoveredAfterRestart(Instant at) {
        return recovered + Timestamps.format(at);
    }

    public String claimExpiredRequeued(String owner, Instant at) {
        return claimOf + owner + claimExpiredRequeued + Timestamps.format(at);
    }

    public String claimExpiredFailed(String owner, Instant at) {
        return claimOf + owner + claimExpiredFailed + Timestamps.format(at);
    }

    /** Why an attempt that outlived its {@code timeout_ms} failed: the message of its result and lines. */
    public String timedOut(long timeoutMs) {
        return timedOut.formatted(timeoutMs);
    }

    /** The result of the built-in simulated processor for {@code content}. */
    public String processed(String content) {
        return processed + content;
    }

    /** The result of a task that failed with {@code message}. */
    public String errorResult(String message) {
        return error + message;
    }

    /** The result of a task whose claim expired on its last attempt. */
    public String claimExpiredResult(String owner) {
        return error + lastClaimOf + owner + lastClaimExpired;
    }

    /** The text of a {@link #processingStarted} line before its time, for SQL that writes the line. */
    public String processingStartedPrefix() {
        return processingStarted;
    }

    /** The text of an expired claim's line before the owner, for SQL that writes the line. */
    public String claimOfPrefix() {
        return claimOf;
    }

    /** Between the owner and the time in a {@link #claimExpiredRequeued} line. */
    public String claimExpiredRequeuedInfix() {
        return claimExpiredRequeued;
    }

    /** Between the owner and the time in a {@link #claimExpiredFailed} line. */
    public String claimExpiredFailedInfix() {
        return claimExpiredFailed;
    }

    /** The text of a {@link #claimExpiredResult} before the owner. */
    public String claimExpiredResultPrefix() {
        return error + lastClaimOf;
    }

    /** The text of a {@link #claimExpiredResult} after the owner. */
    public String claimExpiredResultSuffix() {
        return lastClaimExpired;
    }

    /** A line a processor logged, with the time it was logged (the same in every language). */
    public static String processorLine(String message, Instant at) {
        return message + " - " + Timestamps.format(at);
    }

    /** When the latest attempt in {@code logs} started, if a {@link #processingStarted} line (any language) says. */
    public static Optional<Instant> lastProcessingStarted(List<String> logs) {
        for (int i = logs.size() - 1; i >= 0; i--) {
            for (TaskLog language : values()) {
                Optional<Instant> at = timeAfter(language.processingStarted, logs.get(i));
                if (at.isPresent()) {
                    return at;
                }
            }
        }
        return Optional.empty();
    }

    /** The time of a {@link #recoveredAfterRestart} line (any language), if {@code line} is one. */
    public static Optional<Instant> recoveredAt(String line) {
        for (TaskLog language : values()) {
            Optional<Instant> at = timeAfter(language.recovered, line);
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
