package dev.venom.core.engine.internal.remote;

import dev.venom.core.engine.Claim;
import dev.venom.core.engine.VenomException;
import dev.venom.core.engine.WorkRequest;
import dev.venom.core.engine.internal.EngineThreads;
import dev.venom.core.engine.internal.Timers;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remote workers' claims, answered at once when a task is due, else held (long-poll) until one comes due or
 * their wait ends. A waiting claim holds no thread: it is a future, tried again on each wake-up (a task
 * stored in a remote queue here or on another server, a rescue, a retry come due, a resume) and at every
 * poll. All claims run one after another on one thread, oldest waiter first; a round stops trying waiters
 * that ask what an empty claim of the same round asked. Thread-safe.
 */
public final class LongPolls implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LongPolls.class);

    private final Function<WorkRequest, List<Claim>> claimer;
    private final Consumer<List<Claim>> giveBack;
    private final Timers timers;
    private final ExecutorService claims = Executors.newSingleThreadExecutor(
            EngineThreads.named("venom-remote-claims"));
    private final ConcurrentLinkedDeque<Waiter> waiters = new ConcurrentLinkedDeque<>();
    private final AtomicBoolean roundQueued = new AtomicBoolean();
    /** Bumped by every wake-up: a claim that found nothing sees whether one came while it looked. */
    private final AtomicLong wakeUps = new AtomicLong();
    private volatile boolean closed;

    /**
     * @param claimer  claims for a request now (blocking), without waiting
     * @param giveBack returns claims made for a waiter that went away meanwhile
     */
    public LongPolls(Function<WorkRequest, List<Claim>> claimer, Consumer<List<Claim>> giveBack, Timers timers) {
        this.claimer = claimer;
        this.giveBack = giveBack;
        this.timers = timers;
    }

    /** Tries again every {@code interval}, for what no wake-up tells (a task whose {@code run_at} came). */
    public void start(Duration interval) {
        timers.every("remote claims poll", this::wake, interval, interval);
    }

    /**
     * Claims for {@code request}: the claims as soon as there are any, or none once its wait has passed (or
     * the engine closes). Cancelling the future withdraws a waiting claim.
     */
    public CompletableFuture<List<Claim>> claim(WorkRequest request) {
        CompletableFuture<List<Claim>> answer = new CompletableFuture<>();
        try {
            claims.execute(() -> first(request, answer));
        } catch (RejectedExecutionException closing) {
            answer.complete(List.of());
        }
        return answer;
    }

    private void first(WorkRequest request, CompletableFuture<List<Claim>> answer) {
        if (answer.isDone()) {
            return; // withdrawn while it was queued: claim nothing for a worker that left
        }
        long wakeUpsBefore = wakeUps.get();
        List<Claim> got;
        try {
            got = claimer.apply(request);
        } catch (RuntimeException e) {
            answer.completeExceptionally(e);
            return;
        }
        if (!got.isEmpty() || request.waitTime().isZero() || closed) {
            deliver(answer, got);
            return;
        }
        Waiter waiter = new Waiter(request, answer);
        waiters.add(waiter);
        answer.whenComplete((claimed, error) -> {
            if (answer.isCancelled()) {
                waiter.state.set(WaitState.DONE);
                waiters.remove(waiter);
                cancelTimer(waiter);
            }
        });
        waiter.timer = timers.schedule("end of a remote claim's wait", () -> expire(waiter), request.waitTime());
        if (wakeUps.get() != wakeUpsBefore) {
            wake(); // a task came while this claim looked
        }
    }

    /** The waiter's wait has passed: it is answered with none, now or by the round that claims for it. */
    private void expire(Waiter waiter) {
        while (true) {
            WaitState now = waiter.state.get();
            if (now == WaitState.WAITING && waiter.state.compareAndSet(now, WaitState.DONE)) {
                waiters.remove(waiter);
                waiter.answer.complete(List.of());
                return;
            }
            if (now == WaitState.CLAIMING && waiter.state.compareAndSet(now, WaitState.EXPIRED)) {
                return;
            }
            if (now == WaitState.EXPIRED || now == WaitState.DONE) {
                return;
            }
        }
    }

    private static void cancelTimer(Waiter waiter) {
        Timers.Scheduled timer = waiter.timer;
        if (timer != null) {
            timer.cancel();
        }
    }

    /** Answers with {@code got}; claims no one can receive any more go back at once. */
    private void deliver(CompletableFuture<List<Claim>> answer, List<Claim> got) {
        if (!answer.complete(got) && !got.isEmpty()) {
            giveBack.accept(got); // the worker went away while it was claimed for
        }
    }

    /** A task may have come due for some waiting claim: they are tried again, soon, in one round. */
    public void wake() {
        wakeUps.incrementAndGet();
        if (!waiters.isEmpty() && roundQueued.compareAndSet(false, true)) {
            try {
                claims.execute(this::round);
            } catch (RejectedExecutionException closing) {
                roundQueued.set(false);
            }
        }
    }

    /** Wakes the waiting claims at {@code due}, when a task comes due for a retry. */
    public void wakeAt(java.time.Instant due) {
        long delayMs = Math.max(0, Duration.between(timers.clock().instant(), due).toMillis() + 1);
        try {
            timers.schedule("remote retry wake-up", this::wake, Duration.ofMillis(delayMs));
        } catch (RejectedExecutionException closing) {
            // nothing to wake
        }
    }

    /** How many claims wait now. */
    public int waiting() {
        return waiters.size();
    }

    private void round() {
        roundQueued.set(false);
        Set<String> emptyFor = new HashSet<>();
        for (Waiter waiter : waiters) {
            if (closed) {
                return;
            }
            if (waiter.state.get() == WaitState.DONE) {
                waiters.remove(waiter); // answered or withdrawn
                continue;
            }
            String asked = waiter.request.queues() + " " + waiter.request.labels();
            if (emptyFor.contains(asked) || !waiter.state.compareAndSet(WaitState.WAITING, WaitState.CLAIMING)) {
                continue; // asked for what just came back empty; or answered meanwhile
            }
            List<Claim> got;
            try {
                got = claimer.apply(waiter.request);
            } catch (RuntimeException e) {
                log.warn("remote claims for worker {} failed ({}); it keeps waiting", waiter.request.workerId(),
                        VenomException.unwrap(e).getMessage());
                got = List.of();
            }
            if (got.isEmpty() && waiter.state.compareAndSet(WaitState.CLAIMING, WaitState.WAITING)) {
                emptyFor.add(asked);
                continue;
            }
            waiter.state.set(WaitState.DONE); // claims, or none once its wait ended while it claimed
            waiters.remove(waiter);
            cancelTimer(waiter);
            deliver(waiter.answer, got);
        }
    }

    /** Answers every waiting claim with none and stops. */
    @Override
    public void close() {
        closed = true;
        for (Waiter waiter; (waiter = waiters.poll()) != null; ) {
            waiter.answer.complete(List.of());
        }
        EngineThreads.shutdown(claims, "venom-remote-claims");
        for (Waiter waiter; (waiter = waiters.poll()) != null; ) {
            waiter.answer.complete(List.of());
        }
    }

    /** Where a waiting claim stands. */
    private enum WaitState {
        /** In the queue, not being claimed for. */
        WAITING,
        /** A round claims for it now. */
        CLAIMING,
        /** Its wait ended while a round claimed for it: that round answers it. */
        EXPIRED,
        /** Answered, or withdrawn. */
        DONE
    }

    private static final class Waiter {
        final WorkRequest request;
        final CompletableFuture<List<Claim>> answer;
        final AtomicReference<WaitState> state = new AtomicReference<>(WaitState.WAITING);
        volatile Timers.Scheduled timer;

        Waiter(WorkRequest request, CompletableFuture<List<Claim>> answer) {
            this.request = request;
            this.answer = answer;
        }
    }
}
