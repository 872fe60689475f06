package dev.venom.core.engine.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** {@link Timers} on the system's clocks and one thread, {@code venom-scheduler-1}. */
public final class SystemTimers implements Timers {

    private final Clock clock;
    private final ScheduledThreadPoolExecutor executor;

    public SystemTimers(Clock clock) {
        this.clock = clock;
        this.executor = new ScheduledThreadPoolExecutor(1, EngineThreads.named("venom-scheduler"));
        executor.setRemoveOnCancelPolicy(true); // a finished attempt's timeout timer goes at once
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public void execute(String what, Runnable job) {
        executor.execute(EngineThreads.guarded(what, job));
    }

    @Override
    public Scheduled schedule(String what, Runnable job, Duration delay) {
        ScheduledFuture<?> future = executor.schedule(EngineThreads.guarded(what, job), delay.toNanos(),
                TimeUnit.NANOSECONDS);
        return () -> future.cancel(false);
    }

    @Override
    public Executor after(Duration delay) {
        return CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void every(String what, Runnable job, Duration initialDelay, Duration period) {
        executor.scheduleWithFixedDelay(EngineThreads.guarded(what, job), initialDelay.toNanos(), period.toNanos(),
                TimeUnit.NANOSECONDS);
    }

    @Override
    public boolean awaitRunning(Duration timeout) {
        try {
            executor.submit(() -> { }).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        EngineThreads.shutdown(executor, "venom-scheduler");
    }
}
