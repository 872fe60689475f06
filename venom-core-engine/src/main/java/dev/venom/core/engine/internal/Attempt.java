package dev.venom.core.engine.internal;

import dev.venom.core.engine.Claim;
import dev.venom.core.engine.TaskContext;
import dev.venom.core.engine.VenomException;
import dev.venom.core.model.TaskStatus;
import dev.venom.core.model.TaskLog;
import dev.venom.core.model.VenomTask;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt of one claimed task: the processor's call and its {@link TaskContext}, its timeout, a client's
 * cancel, and the writes of its log lines and outcome. Whichever ends it first (the processor, the timeout,
 * a cancel) decides; the others find it ended. It holds its claim, and from its start its slot (one claimed
 * ahead waits for one, see {@link Lane}), until its outcome is written. Thread-safe.
 */
public final class Attempt implements TaskContext {

    private static final Logger log = LoggerFactory.getLogger(Attempt.class);

    /** Where an attempt stands; moves forward only. */
    enum Phase {
        /** Claimed, not yet handed to the processor. */
        READY,
        /** The processor runs it. */
        RUNNING,
        /** Its claim was lost or given back; what the processor returns is discarded. */
        STOPPING,
        /** The processor's outcome is being written. */
        RECORDING,
        /** It outlived its timeout: the failure is being written, the processor was told to stop. */
        TIMING_OUT,
        /** Cancelled, its claim lost, or ended after it was stopped: its outcome is not written. */
        DISCARDED;

        boolean cancelled() {
            return this == STOPPING || this == TIMING_OUT || this == DISCARDED;
        }

        boolean recording() {
            return this == RECORDING || this == TIMING_OUT;
        }

        boolean settled() {
            return recording() || this == DISCARDED;
        }
    }

    private final UUID id;
    private final Attempts attempts;
    /** The slot it runs in; null while it waits, claimed ahead, for one. */
    private volatile Permit permit;
    private final AttemptWriter writer;
    private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.READY);
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile Claim claim;
    private volatile CompletionStage<String> outcome;
    private volatile Timers.Scheduled timer;
    /** The write-back window's permit once the outcome is being written and the slot given back; or null. */
    private volatile Permit writeBack;
    private volatile long startedNanos;
    /** When the claim was taken or last renewed, on this engine's clock. */
    private volatile long heldSinceNanos;
    private volatile Map<UUID, String> dependencyResults;

    Attempt(Claim claim, Permit permit, Attempts attempts) {
        this.id = claim.task().id();
        this.claim = claim;
        this.permit = permit;
        this.attempts = attempts;
        this.writer = new AttemptWriter(claim.task(), attempts.store(), attempts.events(), attempts.timers(),
                attempts.lifecycle(), this::lost);
        this.heldSinceNanos = attempts.timers().nanoTime();
    }

    @Override
    public Map<UUID, String> dependencyResults() {
        Map<UUID, String> known = dependencyResults;
        if (known == null) {
            known = DependencyResults.of(claim.task(), attempts.store());
            dependencyResults = known;
        }
        return known;
    }

    void run() {
        VenomTask task = claim.task();
        if (!phase.compareAndSet(Phase.READY, Phase.RUNNING)) {
            log.debug("task {} attempt {} was cancelled before it started", id, task.attempts());
            phase.compareAndSet(Phase.STOPPING, Phase.DISCARDED);
            end();
            return;
        }
        log.debug("task {} PENDING -> PROCESSING (attempt {})", id, task.attempts());
        startedNanos = attempts.timers().nanoTime();
        if (task.timeoutMs() != null) {
            timer = attempts.timers().schedule("timeout of task " + id, this::timedOut,
                    Duration.ofMillis(task.timeoutMs()));
        }
        CompletionStage<String> result;
        try {
            result = Objects.requireNonNull(attempts.processor().process(task, this), "processor returned null");
        } catch (Throwable t) {
            result = CompletableFuture.failedFuture(t);
        }
        outcome = result;
        if (phase.get().cancelled()) {
            result.toCompletableFuture().cancel(true); // stopped while process() ran
        }
        result.whenComplete(this::finish);
    }

    /** The attempt outlived its {@code timeout_ms}: it fails (or retries) now, whatever the processor does. */
    private void timedOut() {
        if (phase.compareAndSet(Phase.RUNNING, Phase.TIMING_OUT)) {
            cancelOutcome();
            record(new TimeoutException(attempts.language().timedOut(claim.task().timeoutMs())));
        } else if (phase.compareAndSet(Phase.STOPPING, Phase.DISCARDED)) {
            // its claim is gone already (lost, or given back at shutdown): nothing to write, the slot comes back
            log.warn("task {} attempt {} failed: {}", id, attempt(),
                    attempts.language().timedOut(claim.task().timeoutMs()));
            cancelOutcome();
            end();
        }
    }

    /** A client cancelled the task (already recorded): stop, and discard whatever the processor returns. */
    void cancelledByClient() {
        Phase now;
        do {
            now = phase.get();
            if (now.settled()) {
                return;
            }
        } while (!phase.compareAndSet(now, Phase.DISCARDED));
        cancelTimer();
        cancelOutcome();
        end();
    }

    private void finish(String result, Throwable failure) {
        if (phase.compareAndSet(Phase.RUNNING, Phase.RECORDING)) {
            attempts.ran(claim.task().queue(), attempts.timers().nanoTime() - startedNanos);
            cancelTimer();
            Throwable error = failure == null && result == null
                    ? new IllegalStateException("processor returned a null result") : failure;
            if (error == null) {
                record(null, result);
            } else {
                record(error);
            }
        } else if (phase.compareAndSet(Phase.STOPPING, Phase.DISCARDED)) {
            cancelTimer();
            log.debug("task {} attempt {} ended after it was cancelled; outcome discarded", id, attempt());
            end();
        } else {
            log.debug("task {} attempt {}: the processor ended after the attempt was settled; outcome discarded",
                    id, attempt());
        }
    }

    private void record(Throwable error) {
        log.warn("task {} attempt {} failed: {}", id, attempt(), messageOf(error));
        log.debug("task {} failure detail", id, error);
        record(error, null);
    }

    /**
     * Writes the attempt's outcome: COMPLETED, a scheduled retry, or FAILED. While it is written the slot goes
     * back for new work, if the write-back window has room; the claim is held until the write is done.
     */
    private void record(Throwable error, String result) {
        permit.handOver().ifPresent(window -> {
            writeBack = window;
            attempts.slotHandedOver(this);
        });
        writer.write(current -> {
            Instant now = attempts.timers().clock().instant();
            if (error == null) {
                return current.complete(result, now, attempts.language());
            }
            return current.hasAttemptsLeft()
                    ? current.retry(messageOf(error), now.plus(attempts.retryPolicy().delayAfter(current.attempts())),
                            now, attempts.language())
                    : current.fail(messageOf(error), now, attempts.language());
        }).whenComplete((stored, writeError) -> {
            if (writeError != null) {
                log.error("task {}: could not record the outcome of attempt {}", id, attempt(), writeError);
            } else if (stored != null) {
                log.debug("task {} PROCESSING -> {}", id, stored.status());
                if (stored.status() == TaskStatus.PENDING && stored.runAt() != null) {
                    attempts.retryDue(stored.runAt());
                }
            }
            end();
        });
    }

    /** Stops the attempt and returns its task to PENDING (unless it ended): the engine is shutting down. */
    public CompletableFuture<VenomTask> release() {
        phase.compareAndSet(Phase.READY, Phase.STOPPING);
        phase.compareAndSet(Phase.RUNNING, Phase.STOPPING);
        Instant now = attempts.timers().clock().instant();
        return writer.write(current -> current.status().isTerminal() ? current : current.requeue(
                attempts.language().interruptedByShutdown(now), now));
    }

    /** {@link #release()} for an attempt never started, which then ends. */
    CompletableFuture<Void> giveBack() {
        return release().handle((requeued, error) -> {
            end();
            return null;
        });
    }

    /**
     * Holds the claim while the attempt runs and until its outcome (a timeout's too) is written, renewing it
     * unless it was taken or renewed less than {@code freshNanos} ago.
     */
    void renew(long freshNanos) {
        Phase now = phase.get();
        boolean holding = now.recording() ? !writer.idle() : !now.cancelled();
        long asked = attempts.timers().nanoTime();
        if (!holding || asked - heldSinceNanos < freshNanos) {
            return;
        }
        // Once the outcome is decided, its compare-and-set write is what tells whether the claim still held.
        Optional<Claim> renewed = attempts.leases().renew(claim);
        renewed.ifPresent(held -> {
            claim = held;
            heldSinceNanos = asked;
        });
        if (renewed.isEmpty() && !phase.get().settled()) {
            lost("its claim could not be renewed");
        }
    }

    /** The claim is no longer this attempt's: nothing it does is written any more. */
    private void lost(String why) {
        while (true) {
            Phase now = phase.get();
            Phase next = switch (now) {
                case READY, RUNNING -> Phase.STOPPING;
                case RECORDING, TIMING_OUT -> Phase.DISCARDED;
                case STOPPING, DISCARDED -> null;
            };
            if (next == null) {
                return;
            }
            if (phase.compareAndSet(now, next)) {
                if (now != Phase.TIMING_OUT) {
                    log.warn("task {} attempt {}: claim lost ({}); its result will be discarded", id, attempt(), why);
                }
                if (next == Phase.STOPPING) {
                    cancelOutcome();
                }
                return;
            }
        }
    }

    private void cancelOutcome() {
        CompletionStage<String> running = outcome;
        if (running != null) {
            running.toCompletableFuture().cancel(true);
        }
    }

    private void cancelTimer() {
        Timers.Scheduled scheduled = timer;
        if (scheduled != null) {
            scheduled.cancel();
        }
    }

    private void end() {
        attempts.finished(this);
        done.complete(null);
    }

    UUID id() {
        return id;
    }

    /** Gives the attempt, claimed ahead, the slot it runs in. */
    void occupy(Permit slot) {
        permit = slot;
    }

    /** Gives back what the attempt holds: its slot, or its place in the write-back window. */
    void releaseSlots() {
        Permit slot = permit;
        if (slot != null) {
            slot.release();
        }
        Permit window = writeBack;
        if (window != null) {
            window.release();
        }
    }

    /** Completes once the attempt has ended and left its slot. */
    CompletableFuture<Void> done() {
        return done;
    }

    String queue() {
        return claim.task().queue();
    }

    @Override
    public UUID taskId() {
        return id;
    }

    @Override
    public int attempt() {
        return claim.task().attempts();
    }

    @Override
    public void log(String message) {
        Objects.requireNonNull(message, "message");
        if (!phase.get().cancelled()) {
            Instant now = attempts.timers().clock().instant();
            writer.write(current -> current.withLog(TaskLog.processorLine(message, now), now));
        }
    }

    @Override
    public boolean isCancelled() {
        return phase.get().cancelled();
    }

    static String messageOf(Throwable error) {
        Throwable cause = VenomException.unwrap(error);
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }
}
